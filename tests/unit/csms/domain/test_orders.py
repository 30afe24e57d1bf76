"""The order, payment and refund lifecycles (csms/domain/orders.py)."""

from __future__ import annotations

import pytest

from csms.domain.orders import (
    FINISHED_ORDER_STATES,
    OPEN_ORDER_STATES,
    ORDER,
    PAYMENT,
    REFUND,
    STEPS,
)
from csms.domain.states import IllegalTransition


def reachable(machine, start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in machine.transitions.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_every_order_state_is_reachable_from_created_and_cancelled_is_final():
    assert reachable(ORDER, "created") == ORDER.states
    assert ORDER.transitions["cancelled"] == ORDER.transitions["closed"] == set()
    assert OPEN_ORDER_STATES | FINISHED_ORDER_STATES | {"cancelled", "abnormal", "closed"} == ORDER.states
    assert not OPEN_ORDER_STATES & FINISHED_ORDER_STATES


@pytest.mark.parametrize("current, target", [("created", "settling"), ("starting", "paid"), ("charging", "cancelled"),
                                             ("paid", "charging"), ("cancelled", "starting"), ("refunded", "paid"),
                                             ("unpaid", "cancelled"), ("settling", "refunded")])
def test_orders_do_not_jump(current, target):
    with pytest.raises(IllegalTransition):
        ORDER.check(current, target)


def test_an_idle_fee_is_the_only_way_back_from_paid_or_refunded_to_unpaid_and_paying_returns():
    # a finished order goes back to unpaid (idle fee the wallet cannot pay); paying restores it
    assert ORDER.can("paid", "unpaid") and ORDER.can("refunded", "unpaid")
    assert ORDER.can("unpaid", "paid") and ORDER.can("unpaid", "refunded")
    # nothing open ever comes back from a finished state
    for finished in FINISHED_ORDER_STATES:
        assert not ORDER.transitions[finished] & (OPEN_ORDER_STATES | {"cancelled", "abnormal"})


def test_a_session_can_fail_only_before_it_charges_and_a_charger_back_from_the_dead_still_settles():
    assert {s for s in ORDER.states if ORDER.can(s, "cancelled") and s != "cancelled"} == {"created", "starting"}
    assert ORDER.can("abnormal", "settling")
    # an abnormal order is billed (settling) or closed by its review, and only from abnormal
    assert {s for s in ORDER.states if ORDER.can(s, "closed") and s != "closed"} == {"abnormal"}
    assert {s for s in ORDER.states if "settling" in ORDER.transitions.get(s, ())} == {"charging", "abnormal"}


def test_payment_and_refund_lifecycles():
    assert reachable(PAYMENT, "pending") == PAYMENT.states
    assert PAYMENT.can("closed", "paid")           # WeChat confirms a payment we closed: the money is kept
    assert not PAYMENT.can("refunded", "pending")
    assert REFUND.transitions["success"] == REFUND.transitions["closed"] == set()
    assert STEPS[0] == "awaiting_payment" and STEPS[-2:] == ("finished", "failed")
