"""SQL repositories of the driver profile and map (interfaces in csms.domain.profile).

The map reads are built for many stations: a bounding-box read on the (lat, lng) index, then one
aggregate over connectors x charge points for the candidates; the driver status of a connector is
computed in SQL by ``rank_sql`` (the same rule as csms.domain.profile.connector_rank)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import and_, case, delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from csms.db import tables as core
from csms.db import tables_drivers as drivers
from csms.db import tables_profile as t
from csms.db import tables_reservations as res
from csms.db.repositories import _Repo, _to
from csms.domain.models import Page
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
    Feedback,
    GeoPoint,
    OrderRef,
    Rating,
    RatingSummary,
    Review,
    StationCounts,
    StationDetails,
    StationSummary,
    Vehicle,
    connector_kind,
)
from csms.domain.repositories import Conflict


def _now() -> datetime:
    return datetime.now(UTC)


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


def _connector_rank():
    c = core.connectors.c
    tx, r = core.transactions.c, res.reservations.c
    has_tx = exists().where(tx.charge_point_id == c.charge_point_id, tx.status == "Active",
                            tx.evse_id == c.evse_id)
    # Accepted until the reservations feature's job (every 10 s) or the charge point ends it; no expiry
    # test here, which would lead SQLite to the (status, expiry) index instead of (charge point, status)
    reserved = exists().where(r.charge_point_id == c.charge_point_id, r.status == "Accepted",
                              r.connector_id == c.evse_id)
    return rank_sql(c.status, has_tx, reserved)


def _box(min_lat: float, max_lat: float, min_lng: float, max_lng: float):
    s = core.stations.c
    return [s.lat.between(min_lat, max_lat), s.lng.between(min_lng, max_lng)]


class SqlStationMapRepository(_Repo):
    """Stations as the map shows them: places, live counts, connectors, details, metadata."""

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

    async def put_details(self, station_id: int, **f: Any) -> StationDetails:
        """Set ``opening_hours`` and/or ``photos`` (others kept)."""
        d = t.station_details
        values: dict[str, Any] = {"updated_at": _now()}
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
class SqlVehicleRepository(_Repo):
    async def list(self, user_id: int) -> list[Vehicle]:
        v = t.vehicles.c
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(t.vehicles).where(v.user_id == user_id)
                                       .order_by(v.is_default.desc(), v.id))).all()
        return [_to(Vehicle, r) for r in rows]

    async def get(self, user_id: int, vehicle_id: int) -> Vehicle | None:
        v = t.vehicles.c
        return _to(Vehicle, await self._one(select(t.vehicles).where(v.id == vehicle_id, v.user_id == user_id)))

    async def count(self, user_id: int) -> int:
        v = t.vehicles.c
        async with self.engine.connect() as conn:
            return (await conn.execute(select(func.count()).where(v.user_id == user_id))).scalar_one()

    async def create(self, user_id: int, *, plate: str, model: str, connector_type: str | None,
                     is_default: bool) -> Vehicle:
        v = t.vehicles.c
        at = _now()
        try:
            async with self.engine.begin() as conn:
                first = (await conn.execute(select(func.count()).where(v.user_id == user_id))).scalar_one() == 0
                default = is_default or first
                if default:
                    await conn.execute(update(t.vehicles).where(v.user_id == user_id).values(is_default=False))
                res_ = await conn.execute(t.vehicles.insert().values(
                    user_id=user_id, plate=plate, model=model, connector_type=connector_type, is_default=default,
                    created_at=at, updated_at=at))
                vid = res_.inserted_primary_key[0]
        except IntegrityError:
            raise Conflict(f"plate {plate} is registered already") from None
        return await self.get(user_id, vid)

    async def update(self, user_id: int, vehicle_id: int, **f: Any) -> Vehicle | None:
        v = t.vehicles.c
        try:
            async with self.engine.begin() as conn:
                mine = and_(v.id == vehicle_id, v.user_id == user_id)
                if (await conn.execute(select(v.id).where(mine))).first() is None:
                    return None
                if f.get("is_default"):
                    await conn.execute(update(t.vehicles).where(v.user_id == user_id, v.id != vehicle_id)
                                       .values(is_default=False))
                if f:
                    await conn.execute(update(t.vehicles).where(mine).values(**f, updated_at=_now()))
        except IntegrityError:
            raise Conflict(f"plate {f.get('plate')} is registered already") from None
        return await self.get(user_id, vehicle_id)

    async def delete(self, user_id: int, vehicle_id: int) -> bool:
        """Delete; when it was the default, the newest remaining vehicle becomes the default."""
        v = t.vehicles.c
        async with self.engine.begin() as conn:
            row = (await conn.execute(select(v.is_default).where(v.id == vehicle_id, v.user_id == user_id))).first()
            if row is None:
                return False
            await conn.execute(delete(t.vehicles).where(v.id == vehicle_id))
            if row.is_default:
                newest = (await conn.execute(select(v.id).where(v.user_id == user_id)
                                             .order_by(v.id.desc()).limit(1))).scalar()
                if newest is not None:
                    await conn.execute(update(t.vehicles).where(v.id == newest).values(is_default=True))
        return True


# -- favourites ------------------------------------------------------------------------------------------
class SqlFavouriteRepository(_Repo):
    async def add(self, user_id: int, station_id: int) -> None:
        try:
            async with self.engine.begin() as conn:
                await conn.execute(t.favourites.insert().values(user_id=user_id, station_id=station_id,
                                                                created_at=_now()))
        except IntegrityError:
            pass            # already a favourite (or the station went away: the caller checked it exists)

    async def remove(self, user_id: int, station_id: int) -> bool:
        f = t.favourites.c
        return await self._write(delete(t.favourites).where(f.user_id == user_id, f.station_id == station_id)) > 0

    async def station_ids(self, user_id: int) -> list[int]:
        f = t.favourites.c
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(f.station_id).where(f.user_id == user_id)
                                       .order_by(f.created_at.desc(), f.station_id.desc()))).all()
        return [r[0] for r in rows]

    async def is_favourite(self, user_id: int, station_id: int) -> bool:
        f = t.favourites.c
        return await self._one(select(f.station_id).where(f.user_id == user_id, f.station_id == station_id)) is not None


# -- feedback --------------------------------------------------------------------------------------------
def _feedback(row) -> Feedback | None:
    if row is None:
        return None
    m = row._mapping
    return Feedback(m["id"], m["user_id"], m["category"], m["content"], tuple(orjson.loads(m["photos"])),
                    m["order_id"], m["station_id"], m["status"], m["reply"], m["created_at"], m["updated_at"])


class SqlFeedbackRepository(_Repo):
    async def create(self, **f: Any) -> Feedback:
        at = _now()
        values = {**f, "photos": orjson.dumps(list(f.get("photos", ()))).decode(), "status": "open",
                  "created_at": at, "updated_at": at}
        async with self.engine.begin() as conn:
            fid = (await conn.execute(t.feedback.insert().values(**values))).inserted_primary_key[0]
        return await self.get(fid)

    async def get(self, feedback_id: int, user_id: int | None = None) -> Feedback | None:
        c = t.feedback.c
        where = [c.id == feedback_id]
        if user_id is not None:
            where.append(c.user_id == user_id)
        return _feedback(await self._one(select(t.feedback).where(*where)))

    async def list(self, *, user_id: int | None = None, status: str | None = None,
                   limit: int = 50, offset: int = 0) -> Page:
        c = t.feedback.c
        where = []
        if user_id is not None:
            where.append(c.user_id == user_id)
        if status is not None:
            where.append(c.status == status)
        async with self.engine.connect() as conn:
            total = (await conn.execute(select(func.count()).select_from(t.feedback).where(*where))).scalar_one()
            rows = (await conn.execute(select(t.feedback).where(*where).order_by(c.id.desc())
                                       .limit(limit).offset(offset))).all()
        return Page([_feedback(r) for r in rows], total, limit, offset)

    async def transition(self, feedback_id: int, expected: str, **f: Any) -> Feedback | None:
        c = t.feedback.c
        changed = await self._write(update(t.feedback).where(c.id == feedback_id, c.status == expected)
                                    .values(**f, updated_at=_now()))
        return await self.get(feedback_id) if changed else None

    async def order_of(self, order_id: int) -> OrderRef | None:
        return await _order_ref(self, order_id)



async def _order_ref(repo: _Repo, order_id: int) -> OrderRef | None:
    o = drivers.orders.c
    row = await repo._one(select(o.id, o.user_id, o.state, o.station_id).where(o.id == order_id))
    return None if row is None else OrderRef(row.id, row.user_id, row.state, row.station_id)


# -- ratings ---------------------------------------------------------------------------------------------
class SqlRatingRepository(_Repo):
    async def order(self, order_id: int) -> OrderRef | None:
        return await _order_ref(self, order_id)

    async def create(self, rating: Rating) -> bool:
        try:
            async with self.engine.begin() as conn:
                await conn.execute(t.ratings.insert().values(
                    order_id=rating.order_id, user_id=rating.user_id, station_id=rating.station_id,
                    station_stars=rating.station_stars, experience_stars=rating.experience_stars,
                    comment=rating.comment, created_at=rating.created_at or _now()))
        except IntegrityError:
            return False
        return True

    async def get(self, order_id: int) -> Rating | None:
        return _to(Rating, await self._one(select(t.ratings).where(t.ratings.c.order_id == order_id)))

    async def reviews(self, station_id: int, limit: int, offset: int) -> Page:
        r, u = t.ratings.c, drivers.users.c
        where = [r.station_id == station_id]
        async with self.engine.connect() as conn:
            total = (await conn.execute(select(func.count()).select_from(t.ratings).where(*where))).scalar_one()
            rows = (await conn.execute(
                select(r.order_id, r.station_stars, r.experience_stars, r.comment, u.nickname, r.created_at)
                .select_from(t.ratings.join(drivers.users, u.id == r.user_id)).where(*where)
                .order_by(r.created_at.desc(), r.order_id.desc()).limit(limit).offset(offset))).all()
        return Page([Review(x.order_id, x.station_stars, x.experience_stars, x.comment, x.nickname, x.created_at)
                     for x in rows], total, limit, offset)

    async def summaries(self, station_ids: Iterable[int]) -> dict[int, RatingSummary]:
        ids = list(station_ids)
        if not ids:
            return {}
        r = t.ratings.c
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(r.station_id, func.avg(r.station_stars), func.count())
                                       .where(r.station_id.in_(ids)).group_by(r.station_id))).all()
        return {sid: RatingSummary(round(float(avg), 1), int(n)) for sid, avg, n in rows}

    async def rated(self, order_ids: Iterable[int]) -> set[int]:
        ids = list(order_ids)
        if not ids:
            return set()
        r = t.ratings.c
        async with self.engine.connect() as conn:
            return {x[0] for x in (await conn.execute(select(r.order_id).where(r.order_id.in_(ids)))).all()}
