"""SQL repositories of the reservations feature (interfaces in csms.domain.reservations)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, select, update

from csms.db import tables_reservations as t
from csms.db.repositories import _Repo, _to
from csms.domain.reservations import LocalAuthEntry, LocalList, Reservation



class SqlReservationRepository(_Repo):
    async def create(self, **f: Any) -> Reservation:
        ts = self.clock.now()
        f.setdefault("status", "Requested")
        async with self.db_sessions.begin() as s:
            res = await s.execute(t.reservations.insert().values(**f, created_at=ts, updated_at=ts))
            rid = res.inserted_primary_key[0]
        return await self.get(rid)

    async def get(self, reservation_id: int) -> Reservation | None:
        return _to(Reservation, await self._one(select(t.reservations).where(t.reservations.c.id == reservation_id)))

    async def transition(self, reservation_id: int, expected: str, **f: Any) -> Reservation | None:
        c = t.reservations.c
        changed = await self._write(update(t.reservations).where(c.id == reservation_id, c.status == expected)
                                    .values(**f, updated_at=self.clock.now()))
        return await self.get(reservation_id) if changed else None

    async def list(self, *, charge_point_id=None, status=None, limit=50, offset=0):
        c = t.reservations.c
        where = []
        if charge_point_id is not None:
            where.append(c.charge_point_id == charge_point_id)
        if status is not None:
            where.append(c.status == status)
        return await self._page(Reservation, t.reservations, where, [c.id.desc()], limit, offset)

    async def accepted(self, *, charge_point_id: str | None = None,
                       expiring_by: datetime | None = None) -> list[Reservation]:
        c = t.reservations.c
        where = [c.status == "Accepted"]
        if charge_point_id is not None:
            where.append(c.charge_point_id == charge_point_id)
        if expiring_by is not None:
            where.append(c.expiry_date <= expiring_by)
        async with self.db_sessions() as s:
            rows = (await s.execute(select(t.reservations).where(*where).order_by(c.id))).all()
        return [_to(Reservation, r) for r in rows]


def _entry_row(cp_id: str, e: LocalAuthEntry) -> dict:
    return {"charge_point_id": cp_id, "id_tag": e.id_tag, "status": e.status, "expiry_date": e.expiry_date,
            "group_id": e.group_id, "token_type": e.token_type}


class SqlLocalListRepository(_Repo):
    async def get(self, cp_id: str) -> LocalList:
        async with self.db_sessions() as s:
            head = (await s.execute(select(t.local_auth_lists).where(
                t.local_auth_lists.c.charge_point_id == cp_id))).first()
            rows = (await s.execute(select(t.local_auth_entries).where(
                t.local_auth_entries.c.charge_point_id == cp_id).order_by(t.local_auth_entries.c.id_tag))).all()
        if head is None:
            return LocalList(cp_id)
        return LocalList(cp_id, head.version, tuple(_to(LocalAuthEntry, r) for r in rows), head.updated_at)

    async def _set_version(self, s, cp_id: str, version: int, at: datetime) -> None:
        lists = t.local_auth_lists
        done = (await s.execute(update(lists).where(lists.c.charge_point_id == cp_id)
                                .values(version=version, updated_at=at))).rowcount
        if not done:
            await s.execute(lists.insert().values(charge_point_id=cp_id, version=version, updated_at=at))

    async def replace(self, cp_id: str, version: int, entries: list[LocalAuthEntry], at: datetime) -> None:
        entries_t = t.local_auth_entries
        async with self.db_sessions.begin() as s:
            await self._set_version(s, cp_id, version, at)
            await s.execute(delete(entries_t).where(entries_t.c.charge_point_id == cp_id))
            if entries:
                await s.execute(entries_t.insert(), [_entry_row(cp_id, e) for e in entries])

    async def apply(self, cp_id: str, version: int, upserts: list[LocalAuthEntry], removals: list[str],
                    at: datetime) -> None:
        entries_t = t.local_auth_entries
        c = entries_t.c
        async with self.db_sessions.begin() as s:
            await self._set_version(s, cp_id, version, at)
            if removals:
                await s.execute(delete(entries_t).where(c.charge_point_id == cp_id, c.id_tag.in_(removals)))
            for e in upserts:   # small lists: one statement per changed entry
                row = _entry_row(cp_id, e)
                done = (await s.execute(update(entries_t).where(and_(c.charge_point_id == cp_id, c.id_tag == e.id_tag))
                                        .values(**row))).rowcount
                if not done:
                    await s.execute(entries_t.insert().values(**row))
