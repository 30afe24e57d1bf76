"""The abnormal-order rules, one by one, on facts built by hand: each finds what it is for and
nothing in an ordinary order."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from csms.domain import anomalies as a
from csms.domain.models import Transaction
from csms.domain.order_review import WalletTotals
from csms.domain.orders import Order, Payment, Refund

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=timezone.utc)
LIMITS = a.Limits()


def an_order(**f) -> Order:
    base = dict(id=1, user_id=1, state="paid", step="finished", charge_point_id="CP", connector_id=1,
                id_tag="DTAG", pay_mode="wallet", created_at=T0, updated_at=T0, transaction_id=5, started_at=T0,
                stopped_at=T0 + timedelta(hours=1), energy_wh=7000, energy_fen=700, service_fen=350,
                total_fen=1050, paid_fen=1050)
    return Order(**{**base, **f})


def a_tx(**f) -> Transaction:
    base = dict(id=5, charge_point_id="CP", evse_id=1, connector_id=1, id_tag="DTAG", status="Completed",
                started_at=T0, meter_start_wh=1000, stopped_at=T0 + timedelta(hours=1), meter_stop_wh=8000,
                energy_wh=7000)
    return Transaction(**{**base, **f})


def a_payment(**f) -> Payment:
    base = dict(id=9, user_id=1, kind="prepay", state="paid", out_trade_no="P9", amount_fen=3000, openid="o",
                created_at=T0, expires_at=T0 + timedelta(minutes=15), updated_at=T0, order_id=1, paid_at=T0)
    return Payment(**{**base, **f})


def a_refund(amount: int, key: str, state: str = "success") -> Refund:
    return Refund(id=1, payment_id=9, out_refund_no=f"R9-{key}", amount_fen=amount, state=state, reason="",
                  created_at=T0, updated_at=T0, order_id=1)


def facts(order=None, **f) -> a.OrderFacts:
    return a.OrderFacts(**{"order": order or an_order(), "now": T0 + timedelta(hours=2), "transaction": a_tx(),
                           "max_power_w": 7400, "wallet": WalletTotals(charged_fen=1050), "tag_transactions": 1,
                           **f})


def codes(f: a.OrderFacts) -> list[str]:
    return [x.code for x in a.check(f, LIMITS)]


def test_an_ordinary_order_has_no_anomaly():
    assert codes(facts(readings=(1000, 3000, 8000))) == []


def test_a_meter_below_its_start_or_a_reading_going_back_is_flagged():
    assert codes(facts(transaction=a_tx(anomaly="meter_stop_below_start", energy_wh=0), order=an_order(
        energy_wh=0, energy_fen=0, service_fen=0, total_fen=0, paid_fen=0), wallet=WalletTotals())) == \
        ["meter_backwards", "zero_energy_long"]
    found = a.meter_backwards(facts(readings=(1000, 5000, 4200, 8000)), LIMITS)
    assert found.code == "meter_backwards" and "5000 Wh to 4200 Wh" in found.detail


@pytest.mark.parametrize("minutes, energy, flagged", [(29, 0, False), (30, 0, True), (90, 1, False)])
def test_zero_energy_is_flagged_only_for_a_long_session(minutes, energy, flagged):
    tx = a_tx(stopped_at=T0 + timedelta(minutes=minutes), meter_stop_wh=1000 + energy, energy_wh=energy)
    assert (a.zero_energy_long(facts(transaction=tx), LIMITS) is not None) is flagged


def test_energy_beyond_the_connectors_power_in_the_time_is_flagged():
    # 7.4 kW for one hour: 7,400 Wh; with 10 % and 100 Wh of slack up to 8,240 Wh
    ok = a_tx(meter_stop_wh=1000 + 8240, energy_wh=8240)
    too_much = a_tx(meter_stop_wh=1000 + 8241, energy_wh=8241)
    assert a.energy_beyond_power(facts(transaction=ok), LIMITS) is None
    assert a.energy_beyond_power(facts(transaction=too_much), LIMITS).code == "energy_beyond_power"
    assert a.energy_beyond_power(facts(transaction=too_much, max_power_w=None), LIMITS) is None    # unknown power


def test_a_session_open_beyond_the_limit_never_stopped():
    running = an_order(state="charging", stopped_at=None)
    tx = a_tx(status="Active", stopped_at=None, energy_wh=None, last_meter_wh=5000)
    assert a.never_stopped(facts(running, transaction=tx, now=T0 + timedelta(hours=23, minutes=59)), LIMITS) is None
    assert a.never_stopped(facts(running, transaction=tx, now=T0 + timedelta(hours=24)), LIMITS).code == \
        "never_stopped"
    assert a.never_stopped(facts(now=T0 + timedelta(days=3)), LIMITS) is None          # stopped long ago: fine


def test_a_second_transaction_under_the_session_tag_is_a_duplicate_stop():
    assert a.duplicate_stop(facts(tag_transactions=1), LIMITS) is None
    assert a.duplicate_stop(facts(tag_transactions=2), LIMITS).code == "duplicate_stop"


def test_a_prepaid_order_adds_up_with_its_remainder_refunded():
    # 3000 paid in, a bill of 1597: paid_fen 1597, the remaining 1403 refunded (state refunded)
    order = an_order(pay_mode="prepay", state="refunded", energy_fen=1065, service_fen=532, total_fen=1597,
                     paid_fen=1597, refunded_fen=1403)
    good = facts(order, payment=a_payment(state="refunded"), refunds=(a_refund(1403, "remainder"),),
                 wallet=WalletTotals())
    assert a.amount_mismatch(good, LIMITS) is None
    # the remainder refund still processing at WeChat: nothing is wrong yet
    pending = facts(replace(order, state="paid", refunded_fen=0), payment=a_payment(state="refunding"),
                    refunds=(a_refund(1403, "remainder", "processing"),), wallet=WalletTotals())
    assert a.amount_mismatch(pending, LIMITS) is None
    # an operator refund on top shows in refunded_fen only
    more = facts(replace(order, refunded_fen=1433), payment=a_payment(state="refunded"),
                 refunds=(a_refund(1403, "remainder"), a_refund(30, "op0-x")), wallet=WalletTotals())
    assert a.amount_mismatch(more, LIMITS) is None


@pytest.mark.parametrize("change, says", [
    (dict(total_fen=1100), "total 1100 != energy + service + idle fee + adjustment 1050"),
    (dict(paid_fen=1000, state="paid"), "paid 1000 != prepayment 0 + wallet 1050"),
    (dict(refunded_fen=50, state="refunded"), "refunded 50 != refunds made 0"),
])
def test_money_that_does_not_add_up_is_flagged(change, says):
    found = a.amount_mismatch(facts(an_order(**change)), LIMITS)
    assert found is not None and says in found.detail, found


def test_an_unpaid_order_must_owe_and_a_paid_one_must_not():
    owing = an_order(state="unpaid", paid_fen=0)
    assert a.amount_mismatch(facts(owing, wallet=WalletTotals()), LIMITS) is None
    assert "paid with 1000 of 1050 paid" in a.amount_mismatch(
        facts(an_order(paid_fen=1000), wallet=WalletTotals(charged_fen=1000)), LIMITS).detail


def test_a_review_adjustment_keeps_the_order_adding_up():
    # billed 1050, adjusted to 800: 250 back to the wallet as a bill return, paid 800
    order = an_order(state="refunded", adjustment_fen=-250, total_fen=800, paid_fen=800, refunded_fen=250)
    assert a.amount_mismatch(facts(order, wallet=WalletTotals(1050, 250, 250)), LIMITS) is None


def test_a_prepayment_without_a_start_is_flagged_after_the_wait():
    order = an_order(pay_mode="prepay", state="cancelled", started_at=None, transaction_id=None, stopped_at=None,
                     energy_wh=0, energy_fen=0, service_fen=0, total_fen=0, paid_fen=0)
    paid = a_payment(paid_at=T0)
    early = facts(order, transaction=None, payment=paid, now=T0 + timedelta(minutes=9), wallet=WalletTotals())
    late = replace(early, now=T0 + timedelta(minutes=10))
    assert a.paid_not_started(early, LIMITS) is None
    assert a.paid_not_started(late, LIMITS).code == "paid_not_started"
    given_back = replace(late, refunds=(a_refund(3000, "cancelled", "processing"),))
    assert a.paid_not_started(given_back, LIMITS) is None


def test_an_order_that_could_not_be_billed():
    order = an_order(state="abnormal", reason="billing_failed")
    assert a.billing_failed(facts(order), LIMITS).code == "billing_failed"
