"""The back office's repositories (csms.domain.audit, order_review, stats) on the fakes, SQLite and
MariaDB alike: the audit log's filters, the review queue's decided-once rule, what the abnormal-order
checks read, the statistics' sources (a day's activity, drivers) and the roll-up store's replace and
sums."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from csms.db import repositories_audit, repositories_reviews, repositories_stats
from csms.db.batch import BatchWriter
from csms.domain.audit import AuditQuery, AuditRecord
from csms.domain.order_review import Anomaly, WalletTotals
from csms.domain.stats import ChargePointDay, Figures, NetworkDay, StationDay
from csms.domain.tariffs import BillLine
from tests.contract.test_drivers import a_user, an_order
from tests.fakes import EPOCH, FakeBatch
from tests.fakes_backoffice import (FakeAuditRepository, FakeOrderCheckSource, FakeReviewRepository,
                                    FakeStatsRepository, FakeStatsSource)


@pytest.fixture
async def back(repos):
    """The back office's repositories beside the driver-side ones of ``repos``, and a batch writer."""
    if repos.kind == "fake":
        batch = FakeBatch()
        yield SimpleNamespace(
            audit=FakeAuditRepository(), reviews=FakeReviewRepository(repos.clock),
            checks=FakeOrderCheckSource(repos.orders, repos.wallet, repos.transactions),
            stats=FakeStatsRepository(), batch=batch,
            source=FakeStatsSource(stations=repos.stations, charge_points=repos.charge_points,
                                   connectors=repos.connectors, transactions=repos.transactions, orders=repos.orders,
                                   users=repos.users, batch=batch))
        return
    s, clock = repos.orders.db_sessions, repos.clock
    yield SimpleNamespace(audit=repositories_audit.SqlAuditRepository(s, clock),
                          reviews=repositories_reviews.SqlReviewRepository(s, clock),
                          checks=repositories_reviews.SqlOrderCheckSource(s, clock),
                          stats=repositories_stats.SqlStatsRepository(s, clock),
                          source=repositories_stats.SqlStatsSource(s, clock), batch=BatchWriter(repos.orders.engine))


def a_record(n: int, **f) -> AuditRecord:
    base = dict(id=0, at=EPOCH + timedelta(minutes=n), actor_id=str(n % 2 + 1), actor=("ann", "bob")[n % 2],
                role="admin", action=("patch_station", "post_refund")[n % 2], method="POST", path=f"/x/{n}",
                status=200, request_id=f"r{n}", target_type="station", target_id=str(n % 3), params='{"a": 1}')
    return AuditRecord(**{**base, **f})


async def test_the_audit_log_keeps_records_newest_first_and_filters_them(repos, back):
    stored = [await back.audit.add(a_record(n)) for n in range(6)]
    assert [r.id for r in stored] == sorted({r.id for r in stored}) and stored[0].params == '{"a": 1}'
    page = await back.audit.list(AuditQuery(), limit=2, offset=1)
    assert (page.total, [r.request_id for r in page.items]) == (6, ["r4", "r3"])
    assert [r.request_id for r in (await back.audit.list(AuditQuery(actor="bob"))).items] == ["r5", "r3", "r1"]
    assert [r.request_id for r in (await back.audit.list(AuditQuery(actor="1"))).items] == ["r4", "r2", "r0"]
    assert [r.request_id for r in (await back.audit.list(AuditQuery(action="post_refund", target_type="station",
                                                                    target_id="0"))).items] == ["r3"]
    window = AuditQuery(since=EPOCH + timedelta(minutes=2), until=EPOCH + timedelta(minutes=4))
    assert [r.request_id for r in (await back.audit.list(window)).items] == ["r3", "r2"]


async def test_a_review_is_decided_once_and_the_queue_is_filtered(repos, back):
    uid = await a_user(repos)
    orders = [await an_order(repos, uid, n, station_id=None) for n in (1, 2)]
    first = await back.reviews.add(orders[0], [Anomaly("meter_backwards", "went back")])
    second = await back.reviews.add(orders[1], [Anomaly("amount_mismatch", "x"), Anomaly("duplicate_stop", "y")])
    assert (first.state, first.codes, first.created_at, first.anomalies[0].detail) == \
        ("flagged", ("meter_backwards",), EPOCH, "went back")
    repos.clock.advance(60)
    grown = await back.reviews.add_anomalies(first.id, [*first.anomalies, Anomaly("zero_energy_long", "z")])
    assert grown.codes == ("meter_backwards", "zero_energy_long") and grown.updated_at == repos.clock.now()
    done = await back.reviews.decide(first.id, "adjusted", decided_by="carol", note="meter", total_before_fen=10,
                                     total_after_fen=5)
    assert (done.state, done.decided_by, done.decided_at, done.total_after_fen) == \
        ("adjusted", "carol", repos.clock.now(), 5)
    assert await back.reviews.decide(first.id, "closed") is None                      # once
    assert await back.reviews.add_anomalies(first.id, []) is None
    assert [r.id for r in await back.reviews.of_order(orders[0].id)] == [first.id]
    assert [r.id for r in (await back.reviews.list()).items] == [second.id, first.id]
    assert [r.id for r in (await back.reviews.list(state="flagged")).items] == [second.id]
    assert [r.id for r in (await back.reviews.list(code="duplicate_stop")).items] == [second.id]
    assert (await back.reviews.list(code="duplicate")).total == 0                      # whole codes only
    assert [r.id for r in (await back.reviews.list(user_id=uid, limit=1, offset=1)).items] == [first.id]


async def test_the_checks_read_changed_orders_wallet_movements_and_tag_transactions(repos, back):
    uid = await a_user(repos)
    await repos.wallet.move(uid, "topup", 1000, "t1")
    old = await an_order(repos, uid, 1)
    repos.clock.advance(3600)
    new = await an_order(repos, uid, 2)
    assert [o.id for o in await back.checks.changed_orders(EPOCH + timedelta(minutes=30))] == [new.id]
    assert [o.id for o in await back.checks.changed_orders(EPOCH)] == [old.id, new.id]
    await repos.wallet.move(uid, "charge", -300, f"order:{old.id}:charge", order_id=old.id)
    await repos.wallet.move(uid, "refund", 50, f"order:{old.id}:adjust:7", order_id=old.id)
    await repos.wallet.move(uid, "refund", 20, f"order:{old.id}:refund:0", order_id=old.id)
    assert await back.checks.wallet_totals(old.id) == WalletTotals(300, 70, 50)
    assert await back.checks.wallet_totals(new.id) == WalletTotals()
    await repos.charge_points.create(id="CP1")
    for n in range(2):
        await repos.transactions.start(charge_point_id="CP1", evse_id=1, connector_id=1, id_tag="TAG1",
                                       started_at=EPOCH + timedelta(hours=n), meter_start_wh=0, ocpp_tx_id=None,
                                       reservation_id=None)
    assert (await back.checks.tag_transactions("TAG1"), await back.checks.tag_transactions("TAG2")) == (2, 0)


def figures(n: int) -> Figures:
    return Figures(energy_wh=1000 * n, revenue_fen=100 * n, service_fen=30 * n, sessions=n, connector_minutes=2880,
                   occupied_minutes=60 * n, available_minutes=600, faulted_minutes=n, faults=1)


async def test_a_days_rollup_is_replaced_whole_and_summed_by_day_month_and_station(repos, back):
    d1, d2, d3 = date(2026, 1, 31), date(2026, 2, 1), date(2026, 2, 2)
    for day, n in ((d1, 1), (d2, 2), (d3, 3)):
        await back.stats.replace_day(day, [7, 8], [ChargePointDay(day, "A", 7, figures(n)),
                                                   ChargePointDay(day, "B", 8, figures(1))],
                                     [StationDay(day, 7, figures(n), 1, n), StationDay(day, 8, figures(1), 1, 1)])
    # computed again: replaced, not added
    await back.stats.replace_day(d3, [7], [ChargePointDay(d3, "A", 7, figures(4))], [StationDay(d3, 7, figures(4), 1, 4)])
    by_month = await back.stats.series(d1, d3, by="month", station_id=7)
    assert [(p.period, p.figures.revenue_fen, p.charge_points, p.active_users) for p in by_month] == [
        ("2026-01", 100, 1, 1), ("2026-02", 600, 1, 6)]
    one = await back.stats.series(d2, d3, charge_point_id="A")
    assert [(p.period, p.figures.sessions, p.charge_point_id) for p in one] == [("2026-02-01", 2, "A"),
                                                                                ("2026-02-02", 4, "A")]
    assert [(p.period, p.figures.energy_wh) for p in await back.stats.series(d1, d2, station_id=8)] == [
        ("2026-01-31", 1000), ("2026-02-01", 1000)]
    stations = await back.stats.per_station(d2, d3)
    assert [(p.station_id, p.figures.energy_wh, p.active_users) for p in stations] == [(7, 6000, 6), (8, 2000, 2)]
    assert await back.stats.series(date(2025, 1, 1), date(2025, 1, 2)) == []


async def test_whole_months_and_partial_ones_sum_the_same(repos, back):
    days = [date(2026, 1, 31) + timedelta(days=n) for n in range(30)]          # Jan 31, all of February, Mar 1
    for n, day in enumerate(days):
        await back.stats.replace_day(day, [7], [], [StationDay(day, 7, figures(n % 4), 1 + n % 3, n)])
    await back.stats.replace_day(days[5], [7], [], [StationDay(days[5], 7, figures(9), 5, 0)])     # a day again
    months = await back.stats.series(days[0], days[-1], by="month", station_id=7)
    expected = {}
    for n, day in enumerate(days):
        f = figures(9) if n == 5 else figures(n % 4)
        cps, users = (5, 0) if n == 5 else (1 + n % 3, n)
        e = expected.setdefault(day.strftime("%Y-%m"), [Figures(), 0, 0])
        e[0], e[1], e[2] = e[0] + f, max(e[1], cps), e[2] + users
    assert [(p.period, p.figures, p.charge_points, p.active_users) for p in months] == \
        [(k, *v) for k, v in sorted(expected.items())]
    (station,) = await back.stats.per_station(days[0], days[-1])
    assert station.figures == sum((v[0] for v in expected.values()), Figures())
    (part,) = await back.stats.per_station(days[3], days[10])           # within February only
    assert part.figures == sum((figures(9) if n == 5 else figures(n % 4) for n in range(3, 11)), Figures())


async def test_the_network_day_holds_its_drivers_and_the_stations_sum(repos, back):
    d1, d2, d3 = date(2026, 1, 31), date(2026, 2, 1), date(2026, 2, 2)
    for day, new in ((d1, 3), (d2, 2), (d3, 1)):
        await back.stats.replace_network_day(NetworkDay(day, new, new + 1, 10 + new, figures(new), 2))
    await back.stats.replace_network_day(NetworkDay(d3, 5, 5, 20, figures(4), 3))
    assert [(n.day, n.new_users, n.total_users, n.figures.energy_wh, n.charge_points)
            for n in await back.stats.network(d1, d3, by="month")] == [
        (date(2026, 1, 1), 3, 13, 3000, 2), (date(2026, 2, 1), 7, 20, 6000, 3)]
    assert [n.new_users for n in await back.stats.network(d2, d3)] == [2, 5]
    series = await back.stats.series(d1, d3)
    assert [(p.period, p.figures.energy_wh, p.charge_points, p.active_users) for p in series] == [
        ("2026-01-31", 3000, 2, 4), ("2026-02-01", 2000, 2, 3), ("2026-02-02", 4000, 3, 5)]


async def test_a_days_activity_is_what_the_rollup_needs(repos, back):
    clock = repos.clock
    station = await repos.stations.create(name="S", timezone="Asia/Shanghai")
    await repos.charge_points.create(id="CP1", station_id=station.id)
    await repos.charge_points.create(id="CP2")
    for evse in (0, 1, 2):
        await repos.connectors.set_status("CP1", evse, evse, status="Available", error_code="NoError", info=None,
                                          vendor_error_code=None, at=EPOCH)
    start, end = EPOCH + timedelta(days=1), EPOCH + timedelta(days=2)
    rows = [("CP1", 1, "Charging", start - timedelta(days=8)), ("CP1", 1, "Available", start - timedelta(hours=2)),
            ("CP1", 1, "Faulted", start - timedelta(hours=1)), ("CP1", 1, "Available", start + timedelta(hours=3)),
            ("CP1", 2, "Charging", end + timedelta(hours=1))]
    for cp, conn, status, at in rows:
        back.batch.insert("connector_status_log", {"charge_point_id": cp, "evse_id": conn, "connector_id": conn,
                                                   "status": status, "error_code": "NoError", "at": at})
    for online, at in ((True, start - timedelta(hours=5)), (False, start + timedelta(hours=1))):
        back.batch.insert("presence_log", {"charge_point_id": "CP1", "online": online, "at": at})
    await back.batch.flush()
    uid = await a_user(repos)
    tx, _ = await repos.transactions.start(charge_point_id="CP1", evse_id=1, connector_id=1, id_tag="TAG1",
                                           started_at=start - timedelta(hours=1), meter_start_wh=0, ocpp_tx_id=None,
                                           reservation_id=None)
    await repos.transactions.transition(tx.id, "Active", status="Completed", stopped_at=start + timedelta(hours=1),
                                        meter_stop_wh=4000, energy_wh=4000)
    order = await an_order(repos, uid, 1, transaction_id=tx.id, state="charging", charge_point_id="CP1",
                           started_at=start - timedelta(hours=1))
    line = BillLine("flat", start - timedelta(hours=1), start + timedelta(hours=1), 4000, 100, 50, 400, 200)
    await repos.orders.settle(order.id, "charging", [line], step="finished", stopped_at=start + timedelta(hours=1),
                              total_fen=600, energy_fen=400, service_fen=200, idle_fee_fen=0)
    await repos.orders.transition(order.id, "settling", state="paid", paid_fen=600)
    await an_order(repos, uid, 2, charge_point_id="CP2", started_at=start + timedelta(hours=2))
    old, _ = await repos.transactions.start(charge_point_id="CP2", evse_id=1, connector_id=1, id_tag=None,
                                            started_at=start - timedelta(days=9), meter_start_wh=0, ocpp_tx_id=None,
                                            reservation_id=None)
    clock.set(start + timedelta(hours=5))

    a = await back.source.activity(start, end)
    assert (a.start, a.end) == (start, end)
    assert [(u.charge_point_id, u.station_id, [c[:3] for c in u.connectors]) for u in a.units] == [
        ("CP1", station.id, [(1, 1, "Available"), (2, 2, "Available")]), ("CP2", 0, [])]
    # the last change before the day (within a week) and those in it; not after it
    assert [(c.connector_id, c.status, c.at) for c in a.status] == [
        (1, "Faulted", start - timedelta(hours=1)), (1, "Available", start + timedelta(hours=3))]
    assert [(p.online, p.at) for p in a.presence] == [(True, start - timedelta(hours=5)),
                                                      (False, start + timedelta(hours=1))]
    (session,) = a.sessions                                    # the 9-day-old open one is beyond the look-back
    assert (session.transaction_id, session.energy_wh, session.lines) == (tx.id, 4000, (line,))
    (billed,) = a.billed
    assert (billed.order_id, billed.charge_point_id, billed.lines, billed.stopped_at) == \
        (order.id, "CP1", (line,), start + timedelta(hours=1))
    assert a.drivers == (("CP2", uid),)
    assert old.id not in [s.transaction_id for s in a.sessions]

    users = await back.source.users(start, end)
    assert (users.new_users, users.active_users, users.total_users) == (0, 1, 1)
    assert await back.source.stations() == {station.id: "Asia/Shanghai"}
