"""SQL side of the statistics (csms.domain.stats): what a day is computed from (``SqlStatsSource``)
and the daily roll-ups with the dashboard's queries over them (``SqlStatsRepository``)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import and_, delete, distinct, func, insert, or_, select

from csms.db import tables as core
from csms.db import tables_backoffice as t
from csms.db import tables_drivers as drivers
from csms.db.repositories import _Repo
from csms.domain.orders import FINISHED_ORDER_STATES
from csms.domain.stats import (FIGURES, Activity, Billed, ChargePointDay, Figures, NetworkDay, Point,
                               PresenceChange, Session, StationDay, StatusChange, Unit)
from csms.domain.tariffs import BillLine

LOOKBACK = timedelta(days=7)      # the state before a day is the last change at most this long before it;
                                  # a session or a bill reaching into the day started at most this long before


class SqlStatsSource(_Repo):
    async def stations(self) -> dict[int, str]:
        async with self.engine.connect() as s:
            rows = (await s.execute(select(core.stations.c.id, core.stations.c.timezone))).all()
        return {r.id: r.timezone for r in rows}

    async def activity(self, start: datetime, end: datetime) -> Activity:
        async with self.engine.connect() as s:
            return Activity(start, end, units=await self._units(s), status=await self._status(s, start, end),
                            presence=await self._presence(s, start, end),
                            sessions=await self._sessions(s, start, end), billed=await self._billed(s, start, end),
                            drivers=await self._drivers(s, start, end))

    async def _units(self, s) -> tuple[Unit, ...]:
        cp, cn = core.charge_points.c, core.connectors.c
        connectors = defaultdict(list)
        for r in (await s.execute(select(cn.charge_point_id, cn.evse_id, cn.connector_id, cn.status, cn.status_at)
                                  .where(cn.evse_id > 0, cn.connector_id > 0)
                                  .order_by(cn.charge_point_id, cn.evse_id, cn.connector_id))).all():
            connectors[r.charge_point_id].append((r.evse_id, r.connector_id, r.status, r.status_at))
        rows = (await s.execute(select(cp.id, cp.station_id, cp.online).order_by(cp.id))).all()
        return tuple(Unit(r.id, r.station_id or 0, tuple(connectors[r.id]), bool(r.online)) for r in rows)

    async def _status(self, s, start: datetime, end: datetime) -> tuple[StatusChange, ...]:
        c = t.connector_status_log.c
        key = (c.charge_point_id, c.evse_id, c.connector_id)
        last = (select(*key, func.max(c.at).label("at")).where(c.at > start - LOOKBACK, c.at <= start)
                .group_by(*key).subquery())
        before = select(t.connector_status_log).join(last, and_(
            c.charge_point_id == last.c.charge_point_id, c.evse_id == last.c.evse_id,
            c.connector_id == last.c.connector_id, c.at == last.c.at))
        inside = select(t.connector_status_log).where(c.at > start, c.at < end)
        rows = [*(await s.execute(before)).all(), *(await s.execute(inside)).all()]
        return tuple(StatusChange(r.charge_point_id, r.evse_id, r.connector_id, r.status, r.at)
                     for r in sorted(rows, key=lambda r: (r.at, r.id)))

    async def _presence(self, s, start: datetime, end: datetime) -> tuple[PresenceChange, ...]:
        c = t.presence_log.c
        last = (select(c.charge_point_id, func.max(c.at).label("at")).where(c.at > start - LOOKBACK, c.at <= start)
                .group_by(c.charge_point_id).subquery())
        before = select(t.presence_log).join(last, and_(c.charge_point_id == last.c.charge_point_id,
                                                        c.at == last.c.at))
        inside = select(t.presence_log).where(c.at > start, c.at < end)
        rows = [*(await s.execute(before)).all(), *(await s.execute(inside)).all()]
        return tuple(PresenceChange(r.charge_point_id, bool(r.online), r.at)
                     for r in sorted(rows, key=lambda r: (r.at, r.id)))

    async def _lines(self, s, order_ids: list[int]) -> dict[int, tuple[BillLine, ...]]:
        bl = drivers.bill_lines.c
        out: dict[int, list[BillLine]] = defaultdict(list)
        for chunk in (order_ids[i:i + 500] for i in range(0, len(order_ids), 500)):
            for r in (await s.execute(select(drivers.bill_lines).where(bl.order_id.in_(chunk))
                                      .order_by(bl.order_id, bl.start))).all():
                out[r.order_id].append(BillLine(r.period, r.start, r.end, r.energy_wh, r.energy_price,
                                                r.service_price, r.energy_fen, r.service_fen))
        return {k: tuple(v) for k, v in out.items()}

    async def _sessions(self, s, start: datetime, end: datetime) -> tuple[Session, ...]:
        tx, o = core.transactions.c, drivers.orders.c
        rows = (await s.execute(
            select(tx.id, tx.charge_point_id, tx.started_at, tx.stopped_at, tx.energy_wh, tx.meter_start_wh,
                   tx.last_meter_wh, tx.updated_at, o.id.label("order_id"), o.state.label("order_state"))
            .select_from(core.transactions.outerjoin(drivers.orders, o.transaction_id == tx.id))
            .where(tx.started_at < end, tx.started_at > start - LOOKBACK,
                   or_(tx.stopped_at.is_(None), tx.stopped_at > start)).order_by(tx.id))).all()
        lines = await self._lines(s, [r.order_id for r in rows if r.order_id and r.order_state in FINISHED_ORDER_STATES])
        return tuple(Session(r.id, r.charge_point_id, r.started_at, r.stopped_at, _energy(r),
                             None if r.stopped_at else r.updated_at, lines.get(r.order_id, ())) for r in rows)

    async def _billed(self, s, start: datetime, end: datetime) -> tuple[Billed, ...]:
        o = drivers.orders.c
        rows = (await s.execute(select(o.id, o.charge_point_id, o.stopped_at, o.idle_fee_fen, o.adjustment_fen)
                                .where(o.stopped_at > start, o.stopped_at < end + LOOKBACK,
                                       o.state.in_(FINISHED_ORDER_STATES)).order_by(o.id))).all()
        lines = await self._lines(s, [r.id for r in rows])
        out = []
        for r in rows:
            mine = tuple(ln for ln in lines.get(r.id, ()) if ln.start < end and ln.end > start)
            if mine or r.stopped_at < end:
                out.append(Billed(r.id, r.charge_point_id, r.stopped_at, mine, r.idle_fee_fen, r.adjustment_fen))
        return tuple(out)

    async def _drivers(self, s, start: datetime, end: datetime) -> tuple[tuple[str, int], ...]:
        o = drivers.orders.c
        rows = (await s.execute(select(o.charge_point_id, o.user_id).where(o.started_at >= start, o.started_at < end)
                                .distinct().order_by(o.charge_point_id, o.user_id))).all()
        return tuple((r.charge_point_id, r.user_id) for r in rows)

    async def users(self, start: datetime, end: datetime) -> NetworkDay:
        u, o = drivers.users.c, drivers.orders.c
        async with self.engine.connect() as s:
            new = (await s.execute(select(func.count()).where(u.created_at >= start, u.created_at < end))).scalar_one()
            total = (await s.execute(select(func.count()).where(u.created_at < end))).scalar_one()
            active = (await s.execute(select(func.count(distinct(o.user_id)))
                                      .where(o.started_at >= start, o.started_at < end))).scalar_one()
        return NetworkDay(start.date(), int(new), int(active), int(total))


def _energy(r) -> int:
    if r.energy_wh is not None:
        return int(r.energy_wh)
    return max(0, int(r.last_meter_wh or r.meter_start_wh) - int(r.meter_start_wh))


def _period(day: date, by: str) -> str:
    return day.isoformat() if by == "day" else day.strftime("%Y-%m")


def _month(day: date) -> int:
    return day.year * 100 + day.month


def _month_start(month: int) -> date:
    return date(month // 100, month % 100, 1)


def month_split(start: date, end: date) -> tuple[list[int], list[tuple[date, date]]]:
    """start..end (inclusive) as the whole months in it (YYYYMM) and the partial months' day ranges."""
    full, partial = [], []
    first = start.replace(day=1)
    while first <= end:
        following = (first + timedelta(days=32)).replace(day=1)
        last = following - timedelta(days=1)
        if start <= first and last <= end:
            full.append(_month(first))
        else:
            partial.append((max(start, first), min(end, last)))
        first = following
    return full, partial


def _sums(table):
    return [func.sum(table.c[f]).label(f) for f in FIGURES]


def _figures(row) -> Figures:
    return Figures(*(int(getattr(row, f) or 0) for f in FIGURES))


def _values(f: Figures) -> dict:
    return {name: getattr(f, name) for name in FIGURES}


class SqlStatsRepository(_Repo):
    async def replace_day(self, day: date, station_ids: list[int], charge_points: list[ChargePointDay],
                          stations: list[StationDay]) -> None:
        month = _month(day)
        cp, st, sm = t.stats_charge_point_day, t.stats_station_day, t.stats_station_month
        async with self.engine.begin() as s:
            await s.execute(delete(cp).where(cp.c.day == day, cp.c.station_id.in_(station_ids)))
            await s.execute(delete(st).where(st.c.day == day, st.c.station_id.in_(station_ids)))
            if charge_points:
                await s.execute(insert(cp), [{"day": day, "month": month, "charge_point_id": r.charge_point_id,
                                              "station_id": r.station_id, **_values(r.figures)} for r in charge_points])
            if stations:
                await s.execute(insert(st), [{"day": day, "month": month, "station_id": r.station_id,
                                              "charge_points": r.charge_points, "active_users": r.active_users,
                                              **_values(r.figures)} for r in stations])
            # the stations' month follows its days
            await s.execute(delete(sm).where(sm.c.month == month, sm.c.station_id.in_(station_ids)))
            await s.execute(insert(sm).from_select(
                ["month", "station_id", *FIGURES, "charge_points", "active_users"],
                select(st.c.month, st.c.station_id, *_sums(st), func.max(st.c.charge_points),
                       func.sum(st.c.active_users))
                .where(st.c.month == month, st.c.station_id.in_(station_ids)).group_by(st.c.month, st.c.station_id)))

    async def replace_network_day(self, row: NetworkDay) -> None:
        n = t.stats_network_day
        async with self.engine.begin() as s:
            await s.execute(delete(n).where(n.c.day == row.day))
            await s.execute(insert(n).values(day=row.day, month=_month(row.day), new_users=row.new_users,
                                             active_users=row.active_users, total_users=row.total_users,
                                             charge_points=row.charge_points, **_values(row.figures)))

    async def series(self, start: date, end: date, *, by: str = "day", station_id: int | None = None,
                     charge_point_id: str | None = None) -> list[Point]:
        if charge_point_id is None and station_id is None:
            return [Point(_period(n.day, by), n.figures, n.charge_points, n.active_users)
                    for n in await self.network(start, end, by=by)]
        if charge_point_id is None and by == "month":
            return await self._station_months(start, end, station_id)
        table = t.stats_charge_point_day if charge_point_id is not None else t.stats_station_day
        c = table.c
        group = c.day if by == "day" else c.month
        extra = [] if charge_point_id is not None else [func.max(c.charge_points).label("charge_points"),
                                                         func.sum(c.active_users).label("active_users")]
        where = [c.day >= start, c.day <= end]
        if station_id is not None:
            where.append(c.station_id == station_id)
        if charge_point_id is not None:
            where.append(c.charge_point_id == charge_point_id)
        stmt = select(func.min(c.day).label("first"), *_sums(table), *extra).where(*where)\
            .group_by(group).order_by(group)
        async with self.engine.connect() as s:
            rows = (await s.execute(stmt)).all()
        return [Point(_period(r.first, by), _figures(r), int(getattr(r, "charge_points", 0) or 0),
                      int(getattr(r, "active_users", 0) or 0), station_id, charge_point_id) for r in rows]

    async def _by_station(self, start: date, end: date, station_id: int | None) -> list:
        """Rows of (month, station_id, figures..., charge_points, active_users): whole months from the
        month sums, the partial ones summed from their days."""
        full, partial = month_split(start, end)
        sm, st = t.stats_station_month, t.stats_station_day
        stmts = []
        if full:
            where = [sm.c.month >= full[0], sm.c.month <= full[-1]]
            if station_id is not None:
                where.append(sm.c.station_id == station_id)
            stmts.append(select(sm.c.month, sm.c.station_id, *(sm.c[f] for f in FIGURES), sm.c.charge_points,
                                sm.c.active_users).where(*where))
        for a, b in partial:
            where = [st.c.day >= a, st.c.day <= b]
            if station_id is not None:
                where.append(st.c.station_id == station_id)
            stmts.append(select(st.c.month, st.c.station_id, *_sums(st), func.max(st.c.charge_points).label(
                "charge_points"), func.sum(st.c.active_users).label("active_users"))
                .where(*where).group_by(st.c.month, st.c.station_id))
        rows = []
        async with self.engine.connect() as s:
            for stmt in stmts:
                rows += (await s.execute(stmt)).all()
        return rows

    async def _station_months(self, start: date, end: date, station_id: int | None) -> list[Point]:
        rows = sorted(await self._by_station(start, end, station_id), key=lambda r: r.month)
        return [Point(_period(_month_start(r.month), "month"), _figures(r), int(r.charge_points or 0),
                      int(r.active_users or 0), station_id) for r in rows]

    async def per_station(self, start: date, end: date) -> list[Point]:
        acc: dict[int, Point] = {}
        for r in await self._by_station(start, end, None):
            p = acc.get(r.station_id) or Point("", Figures(), 0, 0, r.station_id)
            acc[r.station_id] = Point("", p.figures + _figures(r), max(p.charge_points, int(r.charge_points or 0)),
                                      p.active_users + int(r.active_users or 0), r.station_id)
        return [acc[k] for k in sorted(acc)]

    async def network(self, start: date, end: date, *, by: str = "day") -> list[NetworkDay]:
        n = t.stats_network_day
        c = n.c
        group = c.day if by == "day" else c.month
        stmt = select(func.min(c.day).label("first"), func.sum(c.new_users).label("new"),
                      func.sum(c.active_users).label("active"), func.max(c.total_users).label("total"),
                      func.max(c.charge_points).label("charge_points"), *_sums(n))\
            .where(c.day >= start, c.day <= end).group_by(group).order_by(group)
        async with self.engine.connect() as s:
            rows = (await s.execute(stmt)).all()
        return [NetworkDay(r.first if by == "day" else r.first.replace(day=1), int(r.new or 0), int(r.active or 0),
                           int(r.total or 0), _figures(r), int(r.charge_points or 0)) for r in rows]
