"""SQL repositories of the driver profile (interfaces in csms.domain.profile): vehicles, favourites,
feedback, ratings. The map's reads are in csms/db/repositories_station_map.py."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from csms.db import tables_drivers as drivers
from csms.db import tables_profile as t
from csms.db.repositories import _Repo, _to
from csms.domain.models import Page
from csms.domain.profile import (
    Feedback,
    OrderRef,
    Rating,
    RatingSummary,
    Review,
    Vehicle,
)
from csms.domain.repositories import Conflict



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
        at = self.clock.now()
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
                    await conn.execute(update(t.vehicles).where(mine).values(**f, updated_at=self.clock.now()))
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
                                                                created_at=self.clock.now()))
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
        at = self.clock.now()
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
                                    .values(**f, updated_at=self.clock.now()))
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
                    comment=rating.comment, created_at=rating.created_at or self.clock.now()))
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
                select(r.order_id, r.station_stars, r.experience_stars, r.comment, u.nickname, r.created_at,
                       u.avatar_url)
                .select_from(t.ratings.join(drivers.users, u.id == r.user_id)).where(*where)
                .order_by(r.created_at.desc(), r.order_id.desc()).limit(limit).offset(offset))).all()
        return Page([Review(x.order_id, x.station_stars, x.experience_stars, x.comment, x.nickname, x.created_at,
                            x.avatar_url) for x in rows], total, limit, offset)

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
