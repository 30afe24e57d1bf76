"""The driver-side repositories (csms.domain.repositories_drivers): what services rely on, checked on
the fakes and on SQLite and MariaDB alike."""

from __future__ import annotations

from datetime import timedelta

import pytest

from csms.domain.orders import InsufficientFunds, RefreshToken
from csms.domain.repositories import Conflict
from csms.domain.tariffs import BillLine
from tests.fakes import EPOCH


async def a_user(repos, openid: str = "o-1", **fields) -> int:
    user, _ = await repos.users.upsert_by_openid(openid, **fields)
    return user.id


async def an_order(repos, user_id: int, n: int = 1, **overrides):
    fields = dict(user_id=user_id, state="starting", step="starting", charge_point_id="CP1", connector_id=1,
                  id_tag=f"TAG{n}", pay_mode="wallet", remote_start_id=100 + n)
    return await repos.orders.create(**{**fields, **overrides})


async def a_payment(repos, user_id: int, n: int = 1, **overrides):
    fields = dict(user_id=user_id, kind="prepay", state="pending", out_trade_no=f"P{n}", amount_fen=1000,
                  openid="o-1", expires_at=repos.clock.now() + timedelta(minutes=15))
    return await repos.payments.create(**{**fields, **overrides})


def a_line(period: str, minute: int, wh: int) -> BillLine:
    start = EPOCH + timedelta(minutes=minute)
    return BillLine(period, start, start + timedelta(minutes=30), wh, 100, 50, wh // 10, wh // 20)


# -- users and refresh tokens ----------------------------------------------------------------------
async def test_a_user_is_created_once_per_openid_with_an_empty_wallet(repos):
    user, created = await repos.users.upsert_by_openid("o-1", nickname="Li")
    again, created_again = await repos.users.upsert_by_openid("o-1", nickname="other")

    assert (created, created_again, again) == (True, False, user)
    assert (user.openid, user.nickname, user.avatar_url, user.balance_fen, user.active) == ("o-1", "Li", "", 0, 1)
    assert user.created_at == user.updated_at == EPOCH                   # stamped by the injected clock
    assert await repos.users.get_by_openid("o-1") == user and await repos.users.get_by_openid("nobody") is None


async def test_updating_a_user_stamps_it_and_an_unknown_one_is_none(repos):
    uid = await a_user(repos)
    repos.clock.advance(60)

    updated = await repos.users.update(uid, phone_masked="138****0000")

    assert (updated.phone_masked, updated.updated_at, updated.created_at) == ("138****0000", repos.clock.now(), EPOCH)
    assert await repos.users.get(uid) == updated
    assert await repos.users.update(uid + 99, nickname="ghost") is None


async def test_users_are_listed_newest_first_and_searched(repos):
    ids = [await a_user(repos, f"o-{i}", nickname=f"Driver {i}") for i in range(4)]
    await repos.users.update(ids[0], phone_masked="139****1234")

    page = await repos.users.list(limit=2, offset=1)
    assert (page.total, [u.id for u in page.items]) == (4, [ids[2], ids[1]])
    assert [u.id for u in (await repos.users.list(q="driver 3")).items] == [ids[3]]      # ASCII case ignored
    assert [u.id for u in (await repos.users.list(q="o-2")).items] == [ids[2]]           # the whole openid
    assert (await repos.users.list(q="o-")).total == 0                                   # not a part of it
    assert [u.id for u in (await repos.users.list(q="1234")).items] == [ids[0]]


async def test_a_refresh_token_rotates_once_and_its_family_is_revoked_together(repos):
    uid = await a_user(repos)
    later = EPOCH + timedelta(days=30)
    for h, family in (("h1", "F"), ("h2", "F"), ("h3", "G")):
        await repos.refresh_tokens.add(h, uid, family, later)
    with pytest.raises(Conflict):
        await repos.refresh_tokens.add("h1", uid, "F", later)

    assert await repos.refresh_tokens.get("h1") == RefreshToken("h1", uid, "F", later, EPOCH)
    assert await repos.refresh_tokens.get("nope") is None
    assert await repos.refresh_tokens.rotate("h1", EPOCH) is True
    assert await repos.refresh_tokens.rotate("h1", EPOCH) is False                       # a reuse
    assert (await repos.refresh_tokens.get("h1")).rotated_at == EPOCH
    assert await repos.refresh_tokens.revoke_family("F", later) == 2
    assert await repos.refresh_tokens.revoke_family("F", later) == 0
    assert await repos.refresh_tokens.rotate("h2", EPOCH) is False                       # revoked
    assert (await repos.refresh_tokens.get("h3")).revoked_at is None
    assert await repos.refresh_tokens.purge_expired(later) == 0
    assert await repos.refresh_tokens.purge_expired(later + timedelta(seconds=1)) == 3


# -- orders ----------------------------------------------------------------------------------------
async def test_an_order_is_created_with_its_defaults_and_its_id_tag_is_its_own(repos):
    uid = await a_user(repos)
    order = await an_order(repos, uid, station_id=7)

    assert (order.state, order.energy_wh, order.total_fen, order.idle_since, order.created_at) == (
        "starting", 0, 0, None, EPOCH)
    assert await repos.orders.get(order.id) == order
    await repos.orders.update(order.id, transaction_id=42)
    with pytest.raises(Conflict):
        await an_order(repos, uid, n=1)                              # the id tag is taken
    with pytest.raises(Conflict):
        await an_order(repos, uid, n=2, transaction_id=42)           # so is the transaction
    assert (await an_order(repos, uid, n=2)).id_tag == "TAG2"


async def test_orders_are_found_by_tag_transaction_or_remote_start_newest_first(repos):
    uid = await a_user(repos)
    first = await an_order(repos, uid, n=1, remote_start_id=5)
    second = await an_order(repos, uid, n=2, remote_start_id=5)
    await repos.orders.update(first.id, transaction_id=42)

    assert (await repos.orders.find(id_tag="TAG1")).id == first.id
    assert (await repos.orders.find(transaction_id=42)).id == first.id
    assert (await repos.orders.find(remote_start_id=5)).id == second.id
    assert await repos.orders.find(id_tag="nope") is None
    assert (await repos.orders.last_on("CP1", 1)).id == second.id and await repos.orders.last_on("CP1", 2) is None


async def test_an_order_moves_only_from_the_state_it_is_expected_in(repos):
    uid = await a_user(repos)
    order = await an_order(repos, uid)
    repos.clock.advance(5)

    assert await repos.orders.transition(order.id, "created", state="cancelled") is None
    moved = await repos.orders.transition(order.id, ("created", "starting"), state="charging", energy_wh=10)
    assert (moved.state, moved.energy_wh, moved.updated_at) == ("charging", 10, repos.clock.now())
    assert await repos.orders.transition(order.id, "starting", state="cancelled") is None
    assert await repos.orders.transition(order.id + 99, "charging", state="settling") is None
    await repos.orders.update(order.id, power_w=7000)
    assert (await repos.orders.get(order.id)).power_w == 7000


async def test_settling_writes_the_bill_with_the_state_or_nothing(repos):
    uid = await a_user(repos)
    order = await an_order(repos, uid, state="charging")
    bill = [a_line("peak", 30, 2000), a_line("valley", 0, 1000)]

    assert await repos.orders.settle(order.id, "starting", bill, total_fen=9) is None
    assert await repos.orders.bill_lines(order.id) == []
    settled = await repos.orders.settle(order.id, ("charging", "abnormal"), bill, total_fen=450, energy_wh=3000)
    assert (settled.state, settled.total_fen, settled.energy_wh) == ("settling", 450, 3000)
    assert await repos.orders.bill_lines(order.id) == [bill[1], bill[0]]                 # by start
    await repos.orders.transition(order.id, "settling", state="abnormal")
    await repos.orders.settle(order.id, "abnormal", [a_line("flat", 0, 5)])
    assert [ln.period for ln in await repos.orders.bill_lines(order.id)] == ["flat"]     # replaced


async def test_an_idle_fee_is_added_once_to_a_finished_order_and_payments_add_up(repos):
    uid = await a_user(repos)
    order = await an_order(repos, uid, state="charging", total_fen=300)

    assert await repos.orders.add_idle_fee(order.id, 40) is None                        # not finished yet
    await repos.orders.transition(order.id, "charging", state="paid")
    with_fee = await repos.orders.add_idle_fee(order.id, 40)
    assert (with_fee.idle_fee_fen, with_fee.total_fen) == (40, 340)
    assert await repos.orders.add_idle_fee(order.id, 40) is None
    await repos.orders.add_paid(order.id, 300)
    assert (await repos.orders.add_paid(order.id, 40)).paid_fen == 340
    assert await repos.orders.add_paid(order.id + 99, 1) is None


async def test_orders_are_listed_newest_first_and_open_and_idle_ones_oldest_first(repos):
    a, b = await a_user(repos, "o-a"), await a_user(repos, "o-b")
    o1 = await an_order(repos, a, n=1, station_id=1)
    o2 = await an_order(repos, b, n=2, station_id=2, connector_id=2)
    o3 = await an_order(repos, a, n=3, station_id=1, state="paid", idle_since=EPOCH)
    o4 = await an_order(repos, a, n=4, state="charging", idle_since=EPOCH)

    page = await repos.orders.list(user_id=a, limit=2)
    assert (page.total, [o.id for o in page.items]) == (3, [o4.id, o3.id])
    assert [o.id for o in (await repos.orders.list(station_id=1, state="paid")).items] == [o3.id]
    assert [o.id for o in await repos.orders.open_orders()] == [o1.id, o2.id, o4.id]
    assert [o.id for o in await repos.orders.open_orders(user_id=a, charge_point_id="CP1", connector_id=1)] == [
        o1.id, o4.id]
    assert [o.id for o in await repos.orders.open_orders(connector_id=2)] == [o2.id]
    assert [o.id for o in await repos.orders.idle()] == [o3.id, o4.id]


# -- wallet ----------------------------------------------------------------------------------------
async def test_the_wallet_moves_money_once_per_ref_and_never_below_zero(repos):
    uid = await a_user(repos)
    top, created = await repos.wallet.move(uid, "topup", 1000, "topup:1", payment_id=3)
    again, created_again = await repos.wallet.move(uid, "topup", 1000, "topup:1")
    charge, _ = await repos.wallet.move(uid, "charge", -600, "charge:1", note="order 1", order_id=1)

    assert (created, created_again, again) == (True, False, top)
    assert (top.balance_after_fen, top.payment_id, top.created_at, charge.balance_after_fen, charge.note) == (
        1000, 3, EPOCH, 400, "order 1")
    with pytest.raises(InsufficientFunds):
        await repos.wallet.move(uid, "charge", -401, "charge:2")
    with pytest.raises(InsufficientFunds):
        await repos.wallet.move(uid + 99, "topup", 1, "ghost")
    assert (await repos.users.get(uid)).balance_fen == 400 == await repos.wallet.total(uid)
    await repos.wallet.move(uid, "charge", -400, "charge:3")                             # down to zero is fine
    page = await repos.wallet.entries(uid, limit=2)
    assert (page.total, [e.ref for e in page.items]) == (3, ["charge:3", "charge:1"])


# -- payments and refunds --------------------------------------------------------------------------
async def test_payments_are_unique_by_trade_number_and_found_by_order(repos):
    uid = await a_user(repos)
    p1 = await a_payment(repos, uid, 1, order_id=9)
    repos.clock.advance(1)
    p2 = await a_payment(repos, uid, 2, order_id=9)
    await a_payment(repos, uid, 3, order_id=9, kind="topup")

    with pytest.raises(Conflict):
        await a_payment(repos, uid, 1)
    assert (p1.state, p1.refunded_fen, p1.created_at, p2.created_at) == (
        "pending", 0, EPOCH, EPOCH + timedelta(seconds=1))
    assert (await repos.payments.get_by_out_trade_no("P2")).id == p2.id
    assert (await repos.payments.for_order(9)).id == p2.id and await repos.payments.for_order(8) is None
    page = await repos.payments.list(user_id=uid, state="pending", limit=2)
    assert (page.total, [p.out_trade_no for p in page.items]) == (3, ["P3", "P2"])


async def test_a_payment_moves_from_its_expected_state_and_counts_refunds(repos):
    uid = await a_user(repos)
    p = await a_payment(repos, uid)

    assert await repos.payments.transition(p.id, "paid", state="refunding") is None
    paid = await repos.payments.transition(p.id, ("pending", "closed"), state="paid", paid_at=EPOCH,
                                           wx_transaction_id="WX1")
    assert (paid.state, paid.paid_at, paid.wx_transaction_id) == ("paid", EPOCH, "WX1")
    await repos.payments.update(p.id, prepay_id="PRE")
    await repos.payments.add_refunded(p.id, 300)
    assert ((await repos.payments.add_refunded(p.id, 200)).refunded_fen, (await repos.payments.get(p.id)).prepay_id) \
        == (500, "PRE")


async def test_pending_payments_to_query_and_payments_paid_in_a_window(repos):
    uid = await a_user(repos)
    old = await a_payment(repos, uid, 1)
    queried = await a_payment(repos, uid, 2, last_query_at=EPOCH + timedelta(minutes=9))
    paid = await a_payment(repos, uid, 3, state="paid", paid_at=EPOCH + timedelta(hours=1))
    repos.clock.advance(minutes=10)
    await a_payment(repos, uid, 4)                                                      # too new

    assert [p.id for p in await repos.payments.pending_before(EPOCH + timedelta(minutes=9))] == [old.id]
    assert [p.id for p in await repos.payments.pending_before(EPOCH + timedelta(minutes=10))] == [old.id, queried.id]
    window = (EPOCH + timedelta(hours=1), EPOCH + timedelta(hours=2))
    assert [p.id for p in await repos.payments.paid_between(*window)] == [paid.id]
    assert await repos.payments.paid_between(EPOCH, window[0]) == []


async def test_a_refund_is_made_once_per_number_and_moves_from_its_expected_state(repos):
    uid = await a_user(repos)
    p = await a_payment(repos, uid)
    fields = dict(payment_id=p.id, order_id=None, amount_fen=100, state="processing", reason="r")

    first, created = await repos.refunds.create(out_refund_no="R1", **fields)
    again, created_again = await repos.refunds.create(out_refund_no="R1", **{**fields, "amount_fen": 5})
    second, _ = await repos.refunds.create(out_refund_no="R2", **fields)

    assert (created, created_again, again, first.created_at) == (True, False, first, EPOCH)
    assert (await repos.refunds.get_by_no("R1")) == first and await repos.refunds.get_by_no("R9") is None
    assert await repos.refunds.transition(first.id, "success", state="closed") is None
    done = await repos.refunds.transition(first.id, ("processing", "abnormal"), state="success", succeeded_at=EPOCH)
    assert (done.state, done.succeeded_at) == ("success", EPOCH)
    await repos.refunds.transition(second.id, "processing", state="abnormal")
    assert [r.out_refund_no for r in await repos.refunds.for_payment(p.id)] == ["R1", "R2"]
    assert [r.out_refund_no for r in await repos.refunds.processing()] == ["R2"]


# -- notifications, subscriptions, reservation holders ---------------------------------------------
async def test_a_notification_is_recorded_once(repos):
    assert await repos.notifications.seen("N1") is False
    assert await repos.notifications.record("N1", "payment", "{}") is True
    assert await repos.notifications.record("N1", "payment", "{}") is False
    assert await repos.notifications.seen("N1") is True


async def test_subscribe_quotas_grow_and_are_taken_one_at_a_time(repos):
    uid = await a_user(repos)
    assert await repos.subscriptions.add(uid, "BILL") == 1
    assert await repos.subscriptions.add(uid, "BILL", 2) == 3
    await repos.subscriptions.add(uid, "DONE")

    assert await repos.subscriptions.take(uid, "DONE") is True
    assert await repos.subscriptions.take(uid, "DONE") is False
    assert await repos.subscriptions.take(uid, "NONE") is False
    assert await repos.subscriptions.quotas(uid) == {"BILL": 3, "DONE": 0}


async def test_a_reservation_has_one_holder(repos):
    a, b = await a_user(repos, "o-a"), await a_user(repos, "o-b")
    await repos.charge_points.create(id="CP1")
    rids = [(await repos.reservations.create(charge_point_id="CP1", connector_id=1, id_tag=f"T{i}",
                                             expiry_date=EPOCH)).id for i in range(3)]
    await repos.holders.add(rids[0], a, 100)
    await repos.holders.add(rids[1], b, 0)
    await repos.holders.add(rids[2], a, 200)

    with pytest.raises(Conflict):
        await repos.holders.add(rids[0], b, 1)
    assert (await repos.holders.holder(rids[0]), await repos.holders.holder(rids[1])) == (a, b)
    assert await repos.holders.holder(rids[2] + 99) is None
    assert await repos.holders.of_user(a) == [(rids[2], 200), (rids[0], 100)]
