"""ChargingService on a settable clock: the periodic check (start timeout, stop-at time), the
refusals and failures of a start, the funds watch, and what a late or repeated transaction does."""

from __future__ import annotations

import pytest

from csms.domain import commands as c
from csms.domain import events
from csms.domain.driver_events import OrderOpened
from csms.domain.errors import CallTimeout
from csms.services.charging_start import StartRefused
from tests.unit.csms.services.world import CP


async def test_stop_at_time_stops_the_session_on_the_tick_once_the_minutes_have_passed(world):
    user = await world.a_driver(2000)
    oid, tx = await world.a_charging_session(user, stop_at={"minutes": 2})
    await world.meter(tx, 100)
    world.clock.advance(minutes=1, seconds=59)
    await world.stop.tick()
    assert world.charger.of(c.RemoteStop) == []
    world.clock.advance(seconds=1)
    await world.stop.tick()
    await world.stop.tick()                       # a second tick while stopping sends nothing more
    await world.background.drain()
    assert [s.transaction_id for s in world.charger.of(c.RemoteStop)] == [tx.id]
    order = await world.orders.get(oid)
    assert (order.state, order.step, order.stop_reason) == ("charging", "stopping", "stop_at_time")
    await world.stop_transaction(tx, 200)
    order = await world.orders.get(oid)
    assert (order.state, order.stop_reason, order.energy_wh, order.total_fen) == ("paid", "stop_at_time", 200, 30)


async def test_a_start_that_never_comes_is_cancelled_by_the_tick_after_the_timeout(world):
    user = await world.a_driver(1000)
    order, _ = await world.start.start(user, CP, 1, pay_mode="wallet")
    await world.background.drain()
    assert (await world.orders.get(order.id)).step == "plug_in"
    world.clock.advance(seconds=59)
    await world.stop.tick()
    assert (await world.orders.get(order.id)).state == "starting"
    world.clock.advance(seconds=2)
    await world.stop.tick()
    done = await world.orders.get(order.id)
    assert (done.state, done.step, done.reason) == ("cancelled", "failed", "timeout")
    assert (await world.id_tags.get(order.id_tag)).status == "Expired"
    # the transaction starts after all: the CSMS stops it and bills nothing
    tx = await world.start_transaction(order.id_tag)
    await world.background.drain()
    assert [s.transaction_id for s in world.charger.of(c.RemoteStop)] == [tx.id]
    await world.stop_transaction(tx, 500)
    assert (await world.orders.get(order.id)).state == "cancelled"
    assert await world.refs(user) == [f"test:topup:{user}"]


@pytest.mark.parametrize("answer, reason", [({"status": "Rejected"}, "rejected"), (RuntimeError("boom"), "rejected")])
async def test_a_remote_start_the_charger_refuses_cancels_the_order(world, answer, reason):
    world.charger.answers["RemoteStart"] = answer
    user = await world.a_driver(1000)
    order, _ = await world.start.start(user, CP, 1, pay_mode="wallet")
    await world.background.drain()
    done = await world.orders.get(order.id)
    assert (done.state, done.reason) == ("cancelled", reason)


async def test_a_remote_start_without_an_answer_waits_for_the_transaction(world):
    world.charger.answers["RemoteStart"] = CallTimeout("no answer")
    user = await world.a_driver(1000)
    order, _ = await world.start.start(user, CP, 1, pay_mode="wallet")
    await world.background.drain()
    assert (await world.orders.get(order.id)).state == "starting"
    await world.start_transaction(order.id_tag)
    assert (await world.orders.get(order.id)).state == "charging"


async def test_refusals(world):
    rich, poor = await world.a_driver(1000), await world.a_driver(499)
    with pytest.raises(StartRefused) as no_money:
        await world.start.start(poor, CP, 1, pay_mode="wallet")
    assert (no_money.value.status, no_money.value.code) == (402, "insufficient_funds")
    with pytest.raises(StartRefused) as unknown:
        await world.start.start(rich, CP, 5, pay_mode="wallet")
    assert unknown.value.status == 404
    with pytest.raises(StartRefused) as bad_prepay:
        await world.start.start(rich, CP, 1, pay_mode="prepay", prepay_fen=99)
    assert bad_prepay.value.code == "validation_error"
    world.charger.online = False
    with pytest.raises(StartRefused) as offline:
        await world.start.start(rich, CP, 1, pay_mode="wallet")
    assert offline.value.code == "offline"
    world.charger.online = True
    await world.start.start(rich, CP, 1, pay_mode="wallet")
    with pytest.raises(StartRefused) as twice:
        await world.start.start(rich, CP, 2, pay_mode="wallet")
    assert twice.value.code == "session_in_progress"
    with pytest.raises(StartRefused) as busy:
        await world.start.start(await world.a_driver(1000), CP, 1, pay_mode="wallet")
    assert busy.value.code == "occupied"
    assert (await world.orders.list()).total == 1


async def test_the_funds_watch_stops_before_the_balance_runs_out(world):
    user = await world.a_driver(600)
    oid, tx = await world.a_charging_session(user)
    wh = 0
    while not world.charger.of(c.RemoteStop):
        wh += 300          # 45 fen a step
        world.clock.advance(seconds=20)
        await world.meter(tx, wh)
        await world.background.drain()
        assert wh < 10000
    order = await world.orders.get(oid)
    assert order.stop_reason == "funds" and order.cost_fen < 600
    world.clock.advance(seconds=20)
    await world.stop_transaction(tx, wh + 300)
    order = await world.orders.get(oid)
    assert order.state == "paid" and order.total_fen <= 600
    assert (await world.users.get(user)).balance_fen == 600 - order.total_fen


async def test_a_repeated_stop_and_a_stop_before_the_start_was_seen_settle_once(world):
    user = await world.a_driver(1000)
    order, _ = await world.start.start(user, CP, 1, pay_mode="wallet")
    await world.background.drain()
    # the start event was lost: the transaction is known only from its stop
    tx, _ = await world.transactions.start(charge_point_id=CP, evse_id=1, connector_id=1, id_tag=order.id_tag,
                                           started_at=world.clock.now(), meter_start_wh=1000, ocpp_tx_id=None,
                                           reservation_id=None)
    world.clock.advance(minutes=10)
    await world.stop_transaction(tx, 2000)
    await world.stop_transaction(tx, 2000)
    done = await world.orders.get(order.id)
    assert (done.state, done.energy_wh, done.total_fen, done.transaction_id) == ("paid", 1000, 150, tx.id)
    assert await world.refs(user) == [f"order:{order.id}:charge", f"test:topup:{user}"]


async def test_charging_complete_and_the_bill_go_out_once_each_within_the_quota(world):
    user = await world.a_driver(1000)
    await world.subscriptions.add(user, "DONE")
    await world.subscriptions.add(user, "BILL")
    oid, tx = await world.a_charging_session(user)
    world.clock.advance(minutes=5)
    await world.stop_transaction(tx, 1234)
    await world.stop_transaction(tx, 1234)
    sent = [(template, data) for _, template, data, _ in world.mini.sent]
    assert [t for t, _ in sent] == ["DONE", "BILL"]
    done = sent[0][1]
    assert (done["character_string1"], done["thing2"], done["number3"]) == (str(oid), "Riverside", "1.23")
    assert done["thing5"] == "充电桩结束充电"
    # no quota left: the next session sends nothing, and is settled all the same
    oid2, tx2 = await world.a_charging_session(user)
    await world.stop_transaction(tx2, 100)
    assert len(world.mini.sent) == 2 and (await world.orders.get(oid2)).state == "paid"


async def test_a_meter_value_handled_after_the_stop_does_not_overwrite_the_bill(world):
    user = await world.a_driver(2000)
    oid, tx = await world.a_charging_session(user)
    world.clock.advance(minutes=5)
    await world.meter(tx, 500)
    world.clock.advance(minutes=5)
    await world.stop_transaction(tx, 1000)
    settled = await world.orders.get(oid)
    await world.meter(tx, 700)                      # a late one, handled after the settlement
    assert await world.orders.get(oid) == settled
    assert (settled.energy_wh, settled.total_fen) == (1000, 150)


async def test_a_stop_the_charger_did_not_carry_out_is_asked_again(world):
    user = await world.a_driver(2000)
    oid, tx = await world.a_charging_session(user)
    world.charger.answers["RemoteStop"] = {"status": "Rejected"}
    order = await world.stop.stop(await world.orders.get(oid), "driver")
    assert (order.step, order.stop_reason) == ("stopping", "driver")
    await world.background.drain()
    world.clock.advance(seconds=29)
    await world.stop.tick()
    await world.background.drain()
    assert len(world.charger.of(c.RemoteStop)) == 1
    world.clock.advance(seconds=1)
    await world.stop.tick()
    await world.stop.tick()
    await world.background.drain()
    assert len(world.charger.of(c.RemoteStop)) == 2
    # a stop asked for after the order ended changes nothing
    await world.stop_transaction(tx, 100)
    ended = await world.orders.get(oid)
    assert await world.stop.stop(ended, "driver") == ended and ended.step == "finished"


async def test_the_funds_watch_follows_the_wallet_when_it_moves_during_the_session(world):
    user = await world.a_driver(2000)
    oid, tx = await world.a_charging_session(user)
    await world.meter(tx, 100)
    await world.wallet.move(user, "adjustment", -1900, "test:spent")     # 100 fen left
    world.clock.advance(seconds=30)
    await world.meter(tx, 400)                                            # 60 fen: within the margin
    await world.background.drain()
    order = await world.orders.get(oid)
    assert (order.step, order.stop_reason) == ("stopping", "funds")


@pytest.fixture
def lookups(world, monkeypatch) -> list[dict]:
    """The driver's order lookups (their keys), as they happen."""
    seen = []
    find = world.orders.find

    async def counted(**kw):
        seen.append(kw)
        return await find(**kw)
    monkeypatch.setattr(world.orders, "find", counted)
    return seen


async def test_a_transaction_without_an_order_is_not_looked_up_on_every_meter_value(world, lookups):
    """An RFID session (no driver's order): its meter values cost no order lookup each, until an order
    is opened, which may be the one it belongs to (2.0.1: plug in first, then scan)."""
    tx_id = 424242
    for i in range(5):
        await world.progress.on_transaction_updated(events.TransactionUpdated(
            tx_id, "CP1", 1, 100 * i, 7000, None, world.clock.now()))
    assert 1 <= len(lookups) <= 3          # the first meter value looked (by transaction, ...); the others not
    first = len(lookups)

    await world.bus.deliver(OrderOpened(1))   # what ChargingStart publishes when an order is created or starts
    await world.progress.on_transaction_updated(events.TransactionUpdated(
        tx_id, "CP1", 1, 600, 7000, None, world.clock.now()))
    assert len(lookups) > first


async def test_an_rfid_start_without_an_order_spares_its_meter_values_the_lookup(world, lookups):
    """The start looked by transaction, card and remote start id already: its meter values do not look again,
    until an order is opened; a start without a card (2.0.1, the token may come later) leaves them to look."""
    rfid = await world.start_transaction("RFID-CARD-1")
    assert lookups and all(kw.keys() <= {"transaction_id", "id_tag", "remote_start_id"} for kw in lookups)
    at_start = len(lookups)
    for wh in (100, 200, 300):
        await world.meter(rfid, wh)
    assert len(lookups) == at_start

    await world.bus.deliver(OrderOpened(1))
    await world.meter(rfid, 400)
    assert len(lookups) > at_start

    tokenless, _ = await world.transactions.start(charge_point_id="CP1", evse_id=2, connector_id=2, id_tag=None,
                                                  started_at=world.clock.now(), meter_start_wh=0, ocpp_tx_id="T-2",
                                                  reservation_id=None)
    await world.progress.on_transaction_started(events.TransactionStarted(
        tokenless.id, "CP1", 2, None, 0, tokenless.started_at))
    before = len(lookups)
    await world.meter(tokenless, 100)
    assert len(lookups) > before


async def test_a_stop_stored_before_a_crash_but_never_seen_by_the_order_is_caught_up_once(world):
    """The process died between storing the StopTransaction (answered) and the order's subscriber: the
    charge point does not repeat it, the periodic catch-up settles the order from what is stored."""
    user = await world.a_driver(2000)
    oid, tx = await world.a_charging_session(user)
    await world.meter(tx, 300)
    await world.transactions.transition(tx.id, "Active", status="Completed", stopped_at=world.clock.now(),
                                        meter_stop_wh=400, energy_wh=400, stop_reason="Local")
    assert (await world.orders.get(oid)).state == "charging"
    await world.progress.catch_up()
    await world.progress.catch_up()                          # again: nothing twice
    order = await world.orders.get(oid)
    assert (order.state, order.energy_wh, order.total_fen) == ("paid", 400, 60)
    assert [r for r in await world.refs(user) if r.endswith(":charge")] == [f"order:{oid}:charge"]


async def test_a_start_stored_before_a_crash_but_never_seen_by_the_order_is_caught_up(world):
    user = await world.a_driver(1000)
    order, _ = await world.start.start(user, CP, 1, pay_mode="wallet")
    await world.background.drain()
    tx, _ = await world.transactions.start(charge_point_id=CP, evse_id=1, connector_id=1, id_tag=order.id_tag,
                                           started_at=world.clock.now(), meter_start_wh=0, ocpp_tx_id=None,
                                           reservation_id=None)
    assert (await world.orders.get(order.id)).state == "starting"
    await world.progress.catch_up()
    caught = await world.orders.get(order.id)
    assert (caught.state, caught.transaction_id) == ("charging", tx.id)
    await world.stop_transaction(tx, 200)
    assert (await world.orders.get(order.id)).state == "paid"


async def test_a_settlement_cut_between_the_bill_and_the_payment_is_collected_once(world):
    user = await world.a_driver(2000)
    oid, tx = await world.a_charging_session(user)
    stopped = await world.transactions.transition(tx.id, "Active", status="Completed", stopped_at=world.clock.now(),
                                                  meter_stop_wh=400, energy_wh=400, stop_reason="Local")
    order = await world.orders.get(oid)
    collect = world.settlement.collect
    world.settlement.collect = lambda order: _none()          # the process dies before the money is taken
    await world.settlement.settle(order, events.TransactionStopped(tx.id, CP, 1, 400, "Local", None,
                                                                   stopped.stopped_at), "charger")
    world.settlement.collect = collect
    assert (await world.orders.get(oid)).state == "settling"
    await world.progress.catch_up()
    await world.progress.catch_up()
    order = await world.orders.get(oid)
    assert (order.state, order.paid_fen, order.total_fen) == ("paid", 60, 60)
    assert [r for r in await world.refs(user) if r.endswith(":charge")] == [f"order:{oid}:charge"]


async def _none():
    return None
