"""In-memory stand-ins for the back office's repositories (csms.domain.audit, order_review, stats),
with the SQL ones' rules (tests/contract/test_backoffice.py runs both): lists newest first, a review
decided once, a day's roll-up replaced whole. The sources read the other fakes they are given."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any, Iterable

from csms.domain.audit import AuditQuery, AuditRecord
from csms.domain.models import Page
from csms.domain.order_review import Anomaly, OrderReview, WalletTotals
from csms.domain.orders import FINISHED_ORDER_STATES, Order
from csms.domain.stats import (Activity, Billed, ChargePointDay, Figures, NetworkDay, Point,
                               PresenceChange, Session, StationDay, StatusChange, Unit)
from tests.fakes import FakeClock, _page

LOOKBACK = timedelta(days=7)       # as csms/db/repositories_stats.py


class FakeAuditRepository:
    def __init__(self):
        self.rows: list[AuditRecord] = []

    async def add(self, record: AuditRecord) -> AuditRecord:
        stored = replace(record, id=len(self.rows) + 1)
        self.rows.append(stored)
        return stored

    async def list(self, query: AuditQuery, *, limit: int = 50, offset: int = 0) -> Page:
        def keep(r: AuditRecord) -> bool:
            return (not query.actor or query.actor in (r.actor, r.actor_id)) and \
                all(not want or getattr(r, name) == want for name, want in (
                    ("action", query.action), ("target_type", query.target_type), ("target_id", query.target_id))) \
                and (query.since is None or r.at >= query.since) and (query.until is None or r.at < query.until)
        items = sorted((r for r in self.rows if keep(r)), key=lambda r: (r.at, r.id), reverse=True)
        return _page(items, limit, offset)


class FakeReviewRepository:
    def __init__(self, clock: FakeClock | None = None):
        self.clock = clock or FakeClock()
        self.rows: dict[int, OrderReview] = {}

    async def add(self, order: Order, anomalies: Iterable[Anomaly]) -> OrderReview:
        now = self.clock.now()
        review = OrderReview(id=len(self.rows) + 1, order_id=order.id, user_id=order.user_id,
                             charge_point_id=order.charge_point_id, state="flagged", anomalies=tuple(anomalies),
                             created_at=now, updated_at=now, station_id=order.station_id)
        self.rows[review.id] = review
        return review

    async def get(self, review_id: int) -> OrderReview | None:
        return self.rows.get(review_id)

    async def of_order(self, order_id: int) -> list[OrderReview]:
        return [r for r in self.rows.values() if r.order_id == order_id]

    async def add_anomalies(self, review_id: int, anomalies: Iterable[Anomaly]) -> OrderReview | None:
        r = self.rows.get(review_id)
        if r is None or r.state != "flagged":
            return None
        self.rows[review_id] = replace(r, anomalies=tuple(anomalies), updated_at=self.clock.now())
        return self.rows[review_id]

    async def decide(self, review_id: int, state: str, **fields: Any) -> OrderReview | None:
        r = self.rows.get(review_id)
        if r is None or r.state != "flagged":
            return None
        now = self.clock.now()
        self.rows[review_id] = replace(r, **fields, state=state, decided_at=now, updated_at=now)
        return self.rows[review_id]

    async def list(self, *, state: str | None = None, code: str | None = None, station_id: int | None = None,
                   user_id: int | None = None, limit: int = 50, offset: int = 0) -> Page:
        items = [r for r in sorted(self.rows.values(), key=lambda r: r.id, reverse=True)
                 if (state is None or r.state == state) and (code is None or code in r.codes)
                 and (station_id is None or r.station_id == station_id) and (user_id is None or r.user_id == user_id)]
        return _page(items, limit, offset)


class FakeOrderCheckSource:
    def __init__(self, orders, wallet, transactions):
        self.orders, self.wallet, self.transactions = orders, wallet, transactions

    async def changed_orders(self, since: datetime, limit: int = 500) -> list[Order]:
        return sorted((o for o in self.orders.rows.values() if o.updated_at >= since),
                      key=lambda o: (o.updated_at, o.id))[:limit]

    async def wallet_totals(self, order_id: int) -> WalletTotals:
        mine = [e for e in self.wallet.rows.values() if e.order_id == order_id]
        return WalletTotals(-sum(e.amount_fen for e in mine if e.kind == "charge"),
                            sum(e.amount_fen for e in mine if e.kind == "refund"),
                            sum(e.amount_fen for e in mine if e.kind == "refund" and ":adjust:" in e.ref))

    async def tag_transactions(self, id_tag: str) -> int:
        return sum(1 for tx in self.transactions.rows.values() if tx.id_tag == id_tag)


class FakeStatsSource:
    """Reads the fakes of stations, charge points, connectors, transactions, orders and users, and the
    history rows a FakeBatch received (as StatusHistory writes them)."""

    def __init__(self, *, stations, charge_points, connectors, transactions, orders, users, batch):
        self.stations_repo, self.charge_points, self.connectors = stations, charge_points, connectors
        self.transactions, self.orders, self.users_repo, self.batch = transactions, orders, users, batch

    async def stations(self) -> dict[int, str]:
        return {s.id: s.timezone for s in self.stations_repo.rows.values()}

    def _last_and_inside(self, rows: list[dict], key, start: datetime, end: datetime) -> list[dict]:
        last: dict = {}
        for r in rows:
            if start - LOOKBACK < r["at"] <= start and (key(r) not in last or r["at"] >= last[key(r)]["at"]):
                last[key(r)] = r
        return sorted([*last.values(), *(r for r in rows if start < r["at"] < end)], key=lambda r: r["at"])

    async def activity(self, start: datetime, end: datetime) -> Activity:
        units = []
        for cp in sorted(self.charge_points.rows.values(), key=lambda c: c.id):
            conns = sorted((c for c in self.connectors.rows.values()
                            if c.charge_point_id == cp.id and c.evse_id > 0 and c.connector_id > 0),
                           key=lambda c: (c.evse_id, c.connector_id))
            units.append(Unit(cp.id, cp.station_id or 0, tuple((c.evse_id, c.connector_id, c.status, c.status_at)
                                                               for c in conns), bool(cp.online)))
        status = self._last_and_inside(self.batch.rows["connector_status_log"],
                                       lambda r: (r["charge_point_id"], r["evse_id"], r["connector_id"]), start, end)
        presence = self._last_and_inside(self.batch.rows["presence_log"], lambda r: r["charge_point_id"], start, end)
        by_tx = {o.transaction_id: o for o in self.orders.rows.values() if o.transaction_id is not None}
        sessions = []
        for tx in sorted(self.transactions.rows.values(), key=lambda t: t.id):
            if not (start - LOOKBACK < tx.started_at < end and (tx.stopped_at is None or tx.stopped_at > start)):
                continue
            order = by_tx.get(tx.id)
            lines = tuple(await self.orders.bill_lines(order.id)) if order and order.state in FINISHED_ORDER_STATES \
                else ()
            energy = tx.energy_wh if tx.energy_wh is not None else \
                max(0, (tx.last_meter_wh or tx.meter_start_wh) - tx.meter_start_wh)
            sessions.append(Session(tx.id, tx.charge_point_id, tx.started_at, tx.stopped_at, energy,
                                    None if tx.stopped_at else tx.updated_at, lines))
        billed = []
        for o in sorted(self.orders.rows.values(), key=lambda o: o.id):
            if o.stopped_at is None or not start < o.stopped_at < end + LOOKBACK or o.state not in FINISHED_ORDER_STATES:
                continue
            mine = tuple(ln for ln in await self.orders.bill_lines(o.id) if ln.start < end and ln.end > start)
            if mine or o.stopped_at < end:
                billed.append(Billed(o.id, o.charge_point_id, o.stopped_at, mine, o.idle_fee_fen, o.adjustment_fen))
        drivers = sorted({(o.charge_point_id, o.user_id) for o in self.orders.rows.values()
                          if o.started_at is not None and start <= o.started_at < end})
        return Activity(start, end, tuple(units),
                        tuple(StatusChange(r["charge_point_id"], r["evse_id"], r["connector_id"], r["status"], r["at"])
                              for r in status),
                        tuple(PresenceChange(r["charge_point_id"], r["online"], r["at"]) for r in presence),
                        tuple(sessions), tuple(billed), tuple(drivers))

    async def users(self, start: datetime, end: datetime) -> NetworkDay:
        users = self.users_repo.rows.values()
        active = {o.user_id for o in self.orders.rows.values() if o.started_at and start <= o.started_at < end}
        return NetworkDay(start.date(), sum(1 for u in users if start <= u.created_at < end), len(active),
                          sum(1 for u in users if u.created_at < end))


class FakeStatsRepository:
    def __init__(self):
        self.points: dict[tuple[date, str], ChargePointDay] = {}
        self.stations: dict[tuple[date, int], StationDay] = {}
        self.network_days: dict[date, NetworkDay] = {}

    async def replace_day(self, day: date, station_ids: list[int], charge_points: list[ChargePointDay],
                          stations: list[StationDay]) -> None:
        for key in [k for k, p in self.points.items() if k[0] == day and p.station_id in station_ids]:
            del self.points[key]
        for key in [k for k in self.stations if k[0] == day and k[1] in station_ids]:
            del self.stations[key]
        self.points.update({(p.day, p.charge_point_id): p for p in charge_points})
        self.stations.update({(s.day, s.station_id): s for s in stations})

    async def replace_network_day(self, row: NetworkDay) -> None:
        self.network_days[row.day] = row

    async def series(self, start: date, end: date, *, by: str = "day", station_id: int | None = None,
                     charge_point_id: str | None = None) -> list[Point]:
        if station_id is None and charge_point_id is None:
            return [Point(n.day.isoformat() if by == "day" else n.day.strftime("%Y-%m"), n.figures, n.charge_points,
                          n.active_users) for n in await self.network(start, end, by=by)]
        groups: dict[str, list] = defaultdict(list)
        if charge_point_id is not None:
            rows = [p for p in self.points.values() if p.charge_point_id == charge_point_id
                    and (station_id is None or p.station_id == station_id)]
        else:
            rows = [s for s in self.stations.values() if station_id is None or s.station_id == station_id]
        for r in sorted(rows, key=lambda r: r.day):
            if start <= r.day <= end:
                groups[r.day.isoformat() if by == "day" else r.day.strftime("%Y-%m")].append(r)
        out = []
        for period in sorted(groups):
            rs = groups[period]
            total = sum((r.figures for r in rs), Figures())
            if charge_point_id is not None:
                out.append(Point(period, total, 0, 0, station_id, charge_point_id))
                continue
            out.append(Point(period, total, max(r.charge_points for r in rs), sum(r.active_users for r in rs),
                             station_id, None))
        return out

    async def per_station(self, start: date, end: date) -> list[Point]:
        groups: dict[int, list[StationDay]] = defaultdict(list)
        for s in self.stations.values():
            if start <= s.day <= end:
                groups[s.station_id].append(s)
        return [Point("", sum((r.figures for r in rs), Figures()), max(r.charge_points for r in rs),
                      sum(r.active_users for r in rs), sid) for sid, rs in sorted(groups.items())]

    async def network(self, start: date, end: date, *, by: str = "day") -> list[NetworkDay]:
        groups: dict[date, list[NetworkDay]] = defaultdict(list)
        for n in self.network_days.values():
            if start <= n.day <= end:
                groups[n.day if by == "day" else n.day.replace(day=1)].append(n)
        return [NetworkDay(k, sum(n.new_users for n in v), sum(n.active_users for n in v),
                           max(n.total_users for n in v), sum((n.figures for n in v), Figures()),
                           max(n.charge_points for n in v)) for k, v in sorted(groups.items())]


