"""Settlement's money after the bill: an unpaid order paid later, and the idle fee (from the stop to
the unplug, beyond the grace) added once and taken from the wallet, or owed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from csms.domain.orders import InsufficientFunds


async def a_finished_session(world, balance: int, wh: int = 2000, minutes: int = 10):
    user = await world.a_driver(balance)
    oid, tx = await world.a_charging_session(user)
    world.clock.advance(minutes=minutes)
    await world.stop_transaction(tx, wh)
    return user, await world.orders.get(oid)


async def test_an_order_the_wallet_cannot_cover_is_unpaid_and_paying_it_takes_the_debt_once(world):
    user, order = await a_finished_session(world, 600, wh=6000)          # 900 fen
    assert (order.state, order.total_fen, order.paid_fen) == ("unpaid", 900, 0)
    with pytest.raises(InsufficientFunds):
        await world.settlement.pay_unpaid(order)
    await world.wallet.move(user, "topup", 300, "test:more")
    paid = await world.settlement.pay_unpaid(order)
    again = await world.settlement.pay_unpaid(paid)
    assert (paid.state, paid.paid_fen, again) == ("paid", 900, paid)
    assert (await world.users.get(user)).balance_fen == 0
    assert await world.refs(user) == [f"order:{order.id}:pay:0", "test:more", f"test:topup:{user}"]
    assert await world.wallet.total(user) == 0


async def test_the_idle_fee_counts_started_minutes_beyond_the_grace_and_is_taken_once(world):
    user, order = await a_finished_session(world, 2000)                 # grace 10 min, 20 fen a minute
    assert (order.state, order.total_fen) == ("paid", 300)
    world.clock.advance(minutes=12, seconds=30)                         # 2.5 minutes over: 3 started minutes
    await world.unplug()
    await world.unplug()                                                # the same status again
    order = await world.orders.get(order.id)
    assert (order.state, order.idle_fee_fen, order.total_fen, order.paid_fen) == ("paid", 60, 360, 360)
    assert await world.refs(user) == [f"order:{order.id}:idle", f"order:{order.id}:charge", f"test:topup:{user}"]
    # a later unplug on the connector (someone plugged in and left) is nothing to this order
    world.clock.advance(hours=2)
    await world.unplug()
    assert (await world.orders.get(order.id)).idle_fee_fen == 60
    assert (await world.users.get(user)).balance_fen == 2000 - 360


async def test_leaving_within_the_grace_costs_nothing(world):
    _, order = await a_finished_session(world, 2000)
    world.clock.advance(minutes=10)
    await world.unplug()
    after = await world.orders.get(order.id)
    assert (after.state, after.idle_fee_fen, after.total_fen, after.paid_fen, after.idle_since) == \
        (order.state, 0, order.total_fen, order.paid_fen, None)
    world.clock.advance(minutes=30)
    await world.unplug()                                                 # the watch ended with the unplug
    assert (await world.orders.get(order.id)).idle_fee_fen == 0


async def test_an_unplug_reported_before_the_stop_is_handled_still_counts(world):
    user = await world.a_driver(2000)
    oid, tx = await world.a_charging_session(user)
    world.clock.advance(minutes=10)
    stop_at = world.clock.now()
    await world.unplug(at=stop_at + timedelta(minutes=15))       # the status event overtook the stop's
    await world.stop_transaction(tx, 2000)
    order = await world.orders.get(oid)
    assert (order.idle_fee_fen, order.total_fen, order.state) == (100, 400, "paid")


async def test_an_idle_fee_the_wallet_cannot_pay_is_owed_and_paying_returns_the_order_to_its_state(world):
    user, order = await a_finished_session(world, 600)
    await world.wallet.move(user, "adjustment", -300, "test:spent")
    assert (order.state, (await world.users.get(user)).balance_fen) == ("paid", 0)
    world.clock.advance(minutes=11)
    await world.unplug()
    owed = await world.orders.get(order.id)
    assert (owed.state, owed.idle_fee_fen, owed.total_fen, owed.paid_fen) == ("unpaid", 20, 320, 300)
    await world.wallet.move(user, "topup", 20, "test:idle")
    paid = await world.settlement.pay_unpaid(owed)
    assert (paid.state, paid.paid_fen) == ("paid", 320)
    assert await world.refs(user) == [f"order:{order.id}:pay:300", "test:idle", "test:spent",
                                      f"order:{order.id}:charge", f"test:topup:{user}"]
    assert await world.wallet.total(user) == (await world.users.get(user)).balance_fen == 0


async def test_a_refunded_order_owing_an_idle_fee_goes_back_to_refunded_once_paid(world):
    user, order = await a_finished_session(world, 600)
    await world.wallet.move(user, "adjustment", -300, "test:spent")
    await world.orders.transition(order.id, "paid", state="refunded", refunded_fen=50)
    world.clock.advance(minutes=11)
    await world.unplug()
    owed = await world.orders.get(order.id)
    assert owed.state == "unpaid"
    await world.wallet.move(user, "topup", 20, "test:idle")
    assert (await world.settlement.pay_unpaid(owed)).state == "refunded"


async def test_an_unpaid_order_just_owes_its_idle_fee_too(world):
    user, order = await a_finished_session(world, 600, wh=6000)
    world.clock.advance(minutes=11)
    await world.unplug()
    owed = await world.orders.get(order.id)
    assert (owed.state, owed.total_fen, owed.paid_fen) == ("unpaid", 920, 0)
    assert await world.refs(user) == [f"test:topup:{user}"]


async def test_charging_again_on_the_same_connector_ends_the_idle_watch(world):
    user, order = await a_finished_session(world, 2000)
    world.clock.advance(minutes=30)
    await world.a_charging_session(user)                               # plugged in all along, charging again
    world.clock.advance(minutes=1)
    await world.unplug()
    assert (await world.orders.get(order.id)).idle_fee_fen == 0


async def test_a_restart_between_the_stop_and_the_unplug_still_charges_the_idle_fee(world):
    user, order = await a_finished_session(world, 2000)
    assert order.idle_since is not None
    world.idle_fees.clear()          # what a restart forgets ...
    await world.idle_fees.preload()  # ... and finds again in the orders table
    world.clock.advance(minutes=12, seconds=30)
    await world.unplug()
    order = await world.orders.get(order.id)
    assert (order.idle_fee_fen, order.total_fen, order.idle_since) == (60, 360, None)
    world.idle_fees.clear()
    await world.idle_fees.preload()
    assert world.idle_fees.watching() == {}     # nothing left to watch
