"""Abnormal orders on the fakes: flagged when they settle (through the OrderChanged event) and by the
sweep, one open review per order, a finding already decided not raised again, a stuck session made
abnormal; the reviewer's decisions move the money through settlement and reach the driver."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from csms.domain.anomalies import Limits
from csms.domain.driver_events import DriverNotice, OrderChanged
from csms.domain.orders import ORDER
from csms.services.order_review import Decision, OrderChecks, OrderReviewService, ReviewError
from tests.fakes_backoffice import FakeOrderCheckSource, FakeReviewRepository


@pytest.fixture
def review(world) -> OrderReviewService:
    source = FakeOrderCheckSource(world.orders, world.wallet, world.transactions)
    s = world.settlement
    checks = OrderChecks(world.transactions, world.connectors, s.payments, source, s.readings, world.clock, Limits())
    service = OrderReviewService(world.orders, FakeReviewRepository(world.clock), checks, source, s, s.updates,
                                 world.clock)
    world.bus.subscribe(OrderChanged, service.on_order_changed)          # csms/subscriptions.py
    s.updates.notices.review_template_id = "REVIEW"
    return service


def meter_rows(world, tx, *whs: int) -> None:
    for i, wh in enumerate(whs):
        world.settlement.readings.meter_value_repo.add({
            "transaction_id": tx.id, "timestamp": tx.started_at + timedelta(minutes=i + 1), "value": str(wh),
            "measurand": "Energy.Active.Import.Register", "unit": "Wh", "phase": None, "location": None,
            "format": None, "context": "Sample.Periodic"})


async def settled(world, user: int, wh: int, *, readings=(), minutes: int = 60):
    oid, tx = await world.a_charging_session(user)
    meter_rows(world, tx, *readings)
    world.clock.advance(minutes=minutes)
    await world.stop_transaction(tx, wh)
    await world.bus.drain()
    return await world.orders.get(oid)


async def test_a_meter_going_back_flags_the_order_when_it_settles_and_once(world, review):
    user = await world.a_driver(5000)
    order = await settled(world, user, 3000, readings=(1000, 2500, 2100, 3000))
    page = await review.reviews.list()
    assert page.total == 1 and page.items[0].codes == ("meter_backwards",)
    assert (page.items[0].order_id, page.items[0].state, order.state) == (order.id, "flagged", "paid")
    await review.flag(order)                                           # checked again (a sweep): no new review
    await world.bus.drain()
    assert (await review.reviews.list()).total == 1


async def test_an_ordinary_order_is_not_flagged(world, review):
    user = await world.a_driver(5000)
    await settled(world, user, 3000, readings=(1000, 2000, 3000))
    assert (await review.reviews.list()).total == 0


async def test_new_findings_join_the_open_review_and_decided_ones_are_not_raised_again(world, review):
    user = await world.a_driver(5000)
    order = await settled(world, user, 0, minutes=45)                  # nothing in 45 minutes
    first = (await review.reviews.list()).items[0]
    assert first.codes == ("zero_energy_long",)
    await world.orders.update(order.id, total_fen=order.total_fen + 1)  # now the money is off too
    again = await review.flag(await world.orders.get(order.id))
    assert again.id == first.id and set(again.codes) == {"zero_energy_long", "amount_mismatch"}
    await review.decide(first.id, Decision("close", "alice", "checked with the site"))
    assert await review.flag(await world.orders.get(order.id)) is None   # all of it decided already


async def test_a_session_that_never_stops_becomes_abnormal_and_approving_bills_it_as_measured(world, review):
    user = await world.a_driver(5000)
    oid, tx = await world.a_charging_session(user)
    meter_rows(world, tx, 2000, 4000)
    # the live figures the transaction service keeps (through the batch writer)
    world.transactions.rows[tx.id] = replace(tx, last_meter_wh=4000)
    world.clock.advance(hours=25)
    assert await review.sweep(timedelta(hours=48)) == 1
    order = await world.orders.get(oid)
    assert (order.state, order.reason) == ("abnormal", "never_stopped")
    flagged = (await review.reviews.list(state="flagged")).items[0]
    assert flagged.codes == ("never_stopped",)
    done, order = await review.decide(flagged.id, Decision("approve", "alice"))
    assert (done.state, done.decided_by, done.total_before_fen) == ("approved", "alice", 0)
    assert (order.state, order.energy_wh, order.total_fen, order.paid_fen) == ("paid", 4000, 600, 600)
    assert (await world.users.get(user)).balance_fen == 5000 - 600
    with pytest.raises(ReviewError) as twice:
        await review.decide(flagged.id, Decision("close", "bob"))
    assert twice.value.code == "already_decided"


async def test_adjusting_a_paid_wallet_order_down_returns_the_difference_and_up_takes_more(world, review):
    user = await world.a_driver(5000)
    order = await settled(world, user, 3000, readings=(1000, 2500, 2100, 3000))     # 450 fen, flagged
    rid = (await review.reviews.list()).items[0].id
    done, after = await review.decide(rid, Decision("adjust", "carol", "meter fault", total_fen=300))
    assert (done.state, done.total_before_fen, done.total_after_fen, done.note) == ("adjusted", 450, 300, "meter fault")
    assert (after.state, after.total_fen, after.adjustment_fen, after.paid_fen, after.refunded_fen) == \
        ("refunded", 300, -150, 300, 150)
    assert (await world.users.get(user)).balance_fen == 5000 - 300
    assert await world.refs(user) == [f"order:{order.id}:adjust:{rid}", f"order:{order.id}:charge",
                                      f"test:topup:{user}"]
    assert await review.flag(after) is None                              # the adjusted order adds up
    # a second review later raises the bill: taken from the wallet
    up = await world.settlement.adjust(after, 500, "re-read", "x")
    assert (up.state, up.total_fen, up.paid_fen, up.adjustment_fen) == ("refunded", 500, 500, 50)
    assert (await world.users.get(user)).balance_fen == 5000 - 500


async def test_refunding_a_wallet_order_and_telling_the_driver(world, review):
    user = await world.a_driver(5000)
    await world.subscriptions.add(user, "REVIEW")
    order = await settled(world, user, 3000, readings=(1000, 900, 3000))
    rid = (await review.reviews.list()).items[0].id
    done, after = await review.decide(rid, Decision("refund", "dan", "sorry", amount_fen=100))
    assert (done.state, done.refund_fen, after.state, after.refunded_fen) == ("refunded", 100, "refunded", 100)
    notices = [e for e in world.bus.of(DriverNotice) if e.data["kind"] == "order_review"]
    assert [(n.user_id, n.data["order_id"], n.data["outcome"]) for n in notices] == [(user, order.id, "refunded")]
    (openid, template, data, page), = [m for m in world.mini.sent if m[1] == "REVIEW"]
    assert (data["character_string1"], data["phrase2"], data["thing4"]) == (str(order.id), "已退款", "sorry")
    assert page == f"pages/order/index?id={order.id}"


async def test_closing_an_abnormal_order_closes_it_unbilled(world, review):
    user = await world.a_driver(5000)
    oid, tx = await world.a_charging_session(user)
    world.clock.advance(hours=30)
    await review.sweep(timedelta(hours=48))
    rid = (await review.reviews.list()).items[0].id
    done, order = await review.decide(rid, Decision("close", "erin", "test session"))
    assert (done.state, order.state, order.total_fen, order.paid_fen) == ("closed", "closed", 0, 0)
    assert ORDER.transitions["closed"] == set()
    # the charger reports the stop after all: nothing is billed
    await world.stop_transaction(tx, 5000)
    assert (await world.orders.get(oid)).state == "closed"
    assert (await world.users.get(user)).balance_fen == 5000


async def test_an_adjustment_needs_a_settled_or_abnormal_order(world, review):
    user = await world.a_driver(5000)
    oid, _ = await world.a_charging_session(user)
    order = await world.orders.get(oid)
    flagged = await review.reviews.add(order, [])
    with pytest.raises(ReviewError) as refused:
        await review.decide(flagged.id, Decision("adjust", "f", "x", total_fen=10))
    assert (refused.value.status, refused.value.code) == (409, "not_settled")
