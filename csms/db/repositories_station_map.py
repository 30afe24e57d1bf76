"""SQL repository of the driver map (interfaces in csms.domain.profile): built for many stations,
a bounding-box read on the (lat, lng) index, then one aggregate over connectors x charge points for
the candidates; the driver status of a connector is computed in SQL by ``rank_sql`` (the same rule
as csms.domain.profile.connector_rank)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import and_, case, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from csms.db import tables as core
from csms.db import tables_drivers as drivers
from csms.db import tables_profile as t
from csms.db import tables_reservations as res
from csms.db.repositories import _Repo
from csms.domain.clock import Clock
from csms.domain.live_status import NO_LIVE_STATUS, LiveStatusStore
from csms.domain.profile import (
    AC_TYPES,
    BUSY,
    DC_POWER_ABOVE_W,
    DC_TYPES,
    RANK_FAULTED,
    RANK_FREE,
    RANK_OCCUPIED,
    RANK_RESERVED,
    RANK_UNAVAILABLE,
    STARTABLE,
    ConnectorRow,
    GeoPoint,
    StationCounts,
    StationDetails,
    StationSummary,
    connector_kind,
    connector_rank,
    station_counts,
)


def kind_sql(type_col, power_col):
    """1 when the connector is DC (csms.domain.profile.connector_kind in SQL), else 0."""
    u = func.upper(func.coalesce(type_col, ""))
    return case((or_(u.in_(DC_TYPES), u.like("DC%")), 1),
                (or_(u.in_(AC_TYPES), u.like("AC%")), 0),
                (func.coalesce(power_col, 0) > DC_POWER_ABOVE_W, 1), else_=0)


def rank_sql(status_col, has_transaction, reserved):
    """The driver rank of a connector row (csms.domain.profile.connector_rank in SQL)."""
    return case((status_col == "Faulted", RANK_FAULTED),
                (status_col.not_in((*BUSY, *STARTABLE)), RANK_UNAVAILABLE),
                (or_(status_col.in_(BUSY), has_transaction), RANK_OCCUPIED),
                (or_(status_col == "Reserved", reserved), RANK_RESERVED), else_=RANK_FREE)


def _flags():
    """(a transaction runs on the connector's EVSE, an accepted reservation holds it), as SQL."""
    c = core.connectors.c
    tx, r = core.transactions.c, res.reservations.c
    has_tx = exists().where(tx.charge_point_id == c.charge_point_id, tx.status == "Active",
                            tx.evse_id == c.evse_id)
    # Accepted until the reservations feature's job (every 10 s) or the charge point ends it; no expiry
    # test here, which would lead SQLite to the (status, expiry) index instead of (charge point, status)
    reserved = exists().where(r.charge_point_id == c.charge_point_id, r.status == "Accepted",
                              r.connector_id == c.evse_id)
    return has_tx, reserved


def _connector_rank():
    return rank_sql(core.connectors.c.status, *_flags())


@dataclass(frozen=True)
class _Member:
    """One connector of the live path: its layout from the database, its status and presence live."""
    station_id: int | None
    id: str
    evse_id: int
    online: bool
    status: str
    rank: int
    type: str | None
    max_power_w: int | None


def _box(min_lat: float, max_lat: float, min_lng: float, max_lng: float):
    s = core.stations.c
    return [s.lat.between(min_lat, max_lat), s.lng.between(min_lng, max_lng)]


class SqlStationMapRepository(_Repo):
    """Stations as the map shows them: places, live counts, connectors, details, metadata.

    ``live``: the live status store (csms.domain.live_status). When it answers, the connectors'
    statuses and the charge points' presence come from it and the database gives only the layout (which
    connectors, their kinds and powers, running transactions and reservations); when it cannot, the
    database gives everything, as in one process."""

    def __init__(self, db_sessions: async_sessionmaker, clock: Clock, live: LiveStatusStore = NO_LIVE_STATUS):
        super().__init__(db_sessions, clock)
        self.live = live

    async def _live_rows(self, where: list, frm, ordered: bool = True) -> list[ConnectorRow] | None:
        """Driver-facing connectors with their live status, or None when the store cannot answer;
        ``ordered``: by charge point and connector (the counts do not need it)."""
        c, cp = core.connectors.c, core.charge_points.c
        has_tx, reserved = _flags()
        stmt = (select(cp.station_id, cp.id, c.evse_id, c.connector_id, c.type, c.max_power_w,
                       has_tx.label("has_tx"), reserved.label("reserved"))
                .select_from(frm).where(*where))
        if ordered:
            stmt = stmt.order_by(cp.id, c.evse_id, c.connector_id)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(stmt)).all()
        live = await self.live.read({r.id for r in rows})
        if live is None:
            return None
        members = []
        for r in rows:
            state = live[r.id]
            s = state.connectors.get((r.evse_id, r.connector_id))
            status = s.status if s is not None else "Unknown"   # never reported since the warm-up
            members.append(_Member(r.station_id, r.id, r.evse_id, state.online, status,
                                   connector_rank(status, bool(r.has_tx), bool(r.reserved)), r.type, r.max_power_w))
        return _aggregate_evses(members)

    async def geo_candidates(self, min_lat: float, max_lat: float, min_lng: float, max_lng: float) -> list[GeoPoint]:
        s = core.stations.c
        async with self.engine.connect() as conn:
            stmt = select(s.id, s.lat, s.lng).where(*_box(min_lat, max_lat, min_lng, max_lng))
            rows = (await conn.execute(stmt)).all()
        return [GeoPoint(r.id, r.lat, r.lng) for r in rows]

    async def summaries(self, station_ids: Iterable[int]) -> dict[int, StationSummary]:
        ids = list(station_ids)
        if not ids:
            return {}
        s = core.stations.c
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(s.id, s.name, s.address, s.lat, s.lng, s.timezone)
                                       .where(s.id.in_(ids)))).all()
        return {r.id: StationSummary(r.id, r.name, r.address, r.lat, r.lng, r.timezone) for r in rows}

    async def matching(self, q: str) -> list[GeoPoint]:
        """Every station whose name or address contains ``q`` (id, lat, lng: for sorting by distance)."""
        s = core.stations.c
        like = f"%{q}%"
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(s.id, s.lat, s.lng).where(or_(s.name.like(like), s.address.like(like)))
                                       .order_by(s.id))).all()
        return [GeoPoint(r.id, r.lat, r.lng) for r in rows]

    async def counts(self, now: datetime, *, station_ids: Iterable[int] | None = None,
                     box: tuple[float, float, float, float] | None = None) -> dict[int, StationCounts]:
        """Live counts per station, for the given ids or every station in a lat/lng box: one query.
        A driver-facing connector is a 1.6 connector or a 2.0.1 EVSE (its connectors aggregated)."""
        c, cp = core.connectors.c, core.charge_points.c
        where = [c.evse_id > 0, cp.station_id.is_not(None)]
        frm = core.connectors.join(core.charge_points, c.charge_point_id == cp.id)
        if station_ids is not None:
            ids = list(station_ids)
            if not ids:
                return {}
            where.append(cp.station_id.in_(ids))
        if box is not None:
            frm = frm.join(core.stations, core.stations.c.id == cp.station_id)
            where.extend(_box(*box))
        live = await self._live_rows(where, frm, ordered=False)
        if live is not None:
            return station_counts(live)
        evse = (select(cp.station_id.label("sid"), cp.online.label("online"),
                       func.max(_connector_rank()).label("rank"),
                       func.max(kind_sql(c.type, c.max_power_w)).label("dc"),
                       func.max(c.max_power_w).label("power"))
                .select_from(frm).where(*where)
                .group_by(cp.station_id, cp.id, cp.online, c.evse_id).subquery())
        on, rank, dc = evse.c.online, evse.c.rank, evse.c.dc

        def n(cond):
            return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

        is_on = on == True
        free = and_(is_on, rank == RANK_FREE)
        stmt = select(evse.c.sid, func.count(), n(free), n(and_(is_on, rank >= RANK_RESERVED)),
                      n(and_(is_on, rank == RANK_FAULTED)), n(or_(on == False, rank == RANK_UNAVAILABLE)),
                      n(and_(free, dc == 1)), n(and_(free, dc == 0)), n(dc == 1), n(dc == 0),
                      func.max(evse.c.power)).group_by(evse.c.sid)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(stmt)).all()
        return {r[0]: StationCounts(int(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5]), int(r[6]), int(r[7]),
                                    int(r[8]), int(r[9]), r[10]) for r in rows}

    async def connectors(self, now: datetime, *, station_id: int | None = None,
                         charge_point_id: str | None = None) -> list[ConnectorRow]:
        """Driver-facing connectors of a station or a charge point, by charge point and connector id."""
        c, cp = core.connectors.c, core.charge_points.c
        where = [c.evse_id > 0]
        if station_id is not None:
            where.append(cp.station_id == station_id)
        if charge_point_id is not None:
            where.append(cp.id == charge_point_id)
        live = await self._live_rows(where, core.connectors.join(core.charge_points, c.charge_point_id == cp.id))
        if live is not None:
            return live
        stmt = (select(cp.station_id, cp.id, cp.online, c.evse_id, c.status, c.type, c.max_power_w,
                       _connector_rank().label("rank"))
                .select_from(core.connectors.join(core.charge_points, c.charge_point_id == cp.id))
                .where(*where).order_by(cp.id, c.evse_id, c.connector_id))
        async with self.engine.connect() as conn:
            rows = (await conn.execute(stmt)).all()
        return _aggregate_evses(rows)

    async def charge_point(self, cp_id: str) -> tuple[int | None, str | None] | None:
        """(station id, protocol) of a charge point, or None when unknown."""
        cp = core.charge_points.c
        row = await self._one(select(cp.station_id, cp.protocol).where(cp.id == cp_id))
        return None if row is None else (row.station_id, row.protocol)

    async def details(self, station_id: int) -> StationDetails | None:
        d = t.station_details.c
        row = await self._one(select(t.station_details).where(d.station_id == station_id))
        if row is None:
            return None
        return StationDetails(row.station_id, row.opening_hours, tuple(orjson.loads(row.photos)), row.updated_at)

    async def put_details(self, station_id: int, **f: Any) -> StationDetails | None:
        """Set ``opening_hours`` and/or ``photos`` (others kept)."""
        d = t.station_details
        values: dict[str, Any] = {"updated_at": self.clock.now()}
        if "opening_hours" in f:
            values["opening_hours"] = f["opening_hours"]
        if "photos" in f:
            values["photos"] = orjson.dumps(list(f["photos"])).decode()
        async with self.engine.begin() as conn:
            done = (await conn.execute(update(d).where(d.c.station_id == station_id).values(**values))).rowcount
            if not done:
                try:
                    async with conn.begin_nested():
                        await conn.execute(d.insert().values(station_id=station_id, **{
                            "opening_hours": "", "photos": "[]", **values}))
                except IntegrityError:      # created concurrently
                    await conn.execute(update(d).where(d.c.station_id == station_id).values(**values))
        return await self.details(station_id)

    async def patch_connector(self, cp_id: str, connector_id: int, protocol: str | None, **f: Any) -> int:
        """Set ``type`` / ``max_power_w`` on a driver-facing connector (every connector of a 2.0.1
        EVSE). One never reported yet is created (status Unknown). Returns the rows changed."""
        c = core.connectors.c
        key = and_(c.charge_point_id == cp_id, c.evse_id == connector_id)
        async with self.engine.begin() as conn:
            changed = (await conn.execute(update(core.connectors).where(key).values(**f))).rowcount
            if not changed:
                inner = 1 if protocol == "ocpp2.0.1" else connector_id
                try:
                    async with conn.begin_nested():
                        await conn.execute(core.connectors.insert().values(
                            charge_point_id=cp_id, evse_id=connector_id, connector_id=inner, status="Unknown",
                            error_code="NoError", **f))
                    changed = 1
                except IntegrityError:
                    changed = (await conn.execute(update(core.connectors).where(key).values(**f))).rowcount
        return changed

    async def reserved_for(self, user_id: int, cp_id: str, connector_id: int, now: datetime) -> bool:
        """Whether an active reservation of this connector is held by this driver."""
        r, d = res.reservations.c, drivers.driver_reservations.c
        row = await self._one(select(r.id).select_from(res.reservations.join(
            drivers.driver_reservations, d.reservation_id == r.id)).where(
            r.charge_point_id == cp_id, r.connector_id == connector_id, r.status == "Accepted",
            r.expiry_date > now, d.user_id == user_id).limit(1))
        return row is not None

    async def station_exists(self, station_id: int) -> bool:
        s = core.stations.c
        return await self._one(select(s.id).where(s.id == station_id)) is not None

    async def balance(self, user_id: int) -> int:
        u = drivers.users.c
        row = await self._one(select(u.balance_fen).where(u.id == user_id))
        return int(row.balance_fen) if row is not None else 0


def _aggregate_evses(rows) -> list[ConnectorRow]:
    groups: dict[tuple[str, int], list] = {}
    for r in rows:
        groups.setdefault((r.id, r.evse_id), []).append(r)
    out = []
    for (cp_id, evse_id), members in groups.items():
        top = max(members, key=lambda m: m.rank)      # the first of the highest rank
        types = tuple(dict.fromkeys(m.type for m in members if m.type))
        powers = [m.max_power_w for m in members if m.max_power_w is not None]
        power = max(powers) if powers else None
        kind = "dc" if any(connector_kind(m.type, m.max_power_w) == "dc" for m in members) else "ac"
        out.append(ConnectorRow(top.station_id, cp_id, evse_id, bool(top.online), int(top.rank), top.status,
                                types, kind, power))
    return out


# -- vehicles --------------------------------------------------------------------------------------------
