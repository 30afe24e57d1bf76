"""SQL repositories of alarms and work orders (csms/domain/repositories_alarms.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from csms.db import tables_alarms as t
from csms.db.repositories import _Repo, _to
from csms.domain.alarms import AUTO, OPEN, RAISED, RESOLVED, Alarm, AlarmQuery, AlarmTiming, WorkNote, WorkOrder, WO_OPEN
from csms.domain.models import Page

MESSAGE = 512


class SqlAlarmRepository(_Repo):
    async def raise_(self, *, kind: str, severity: str, dedup_key: str, charge_point_id: str | None,
                     station_id: int | None, evse_id: int, connector_id: int, subject: str, type: str,
                     message: str, at: datetime) -> tuple[Alarm, bool]:
        values = dict(kind=kind, severity=severity, status=RAISED, dedup_key=dedup_key, open_key=dedup_key,
                      charge_point_id=charge_point_id, station_id=station_id, evse_id=evse_id,
                      connector_id=connector_id, subject=subject[:128], type=type[:128], message=message[:MESSAGE],
                      count=1, raised_at=at, last_seen_at=at)
        try:
            async with self.engine.begin() as s:
                alarm_id = (await s.execute(t.alarms.insert().values(**values))).inserted_primary_key[0]
        except IntegrityError:
            existing = await self.open_for(dedup_key)
            if existing is None:        # resolved in between: raise anew
                return await self.raise_(kind=kind, severity=severity, dedup_key=dedup_key,
                                         charge_point_id=charge_point_id, station_id=station_id, evse_id=evse_id,
                                         connector_id=connector_id, subject=subject, type=type, message=message,
                                         at=at)
            return existing, False
        return await self.get(alarm_id), True

    async def repeat(self, alarm_id: int, *, type: str, message: str, at: datetime) -> Alarm | None:
        c = t.alarms.c
        n = await self._write(update(t.alarms).where(c.id == alarm_id, c.status.in_(OPEN)).values(
            count=c.count + 1, last_seen_at=at, type=type[:128], message=message[:MESSAGE]))
        return await self.get(alarm_id) if n else None

    async def get(self, alarm_id: int) -> Alarm | None:
        return _to(Alarm, await self._one(select(t.alarms).where(t.alarms.c.id == alarm_id)))

    async def open_for(self, dedup_key: str) -> Alarm | None:
        return _to(Alarm, await self._one(select(t.alarms).where(t.alarms.c.open_key == dedup_key)))

    async def latest_for(self, dedup_key: str) -> Alarm | None:
        c = t.alarms.c
        return _to(Alarm, await self._one(select(t.alarms).where(c.dedup_key == dedup_key).order_by(c.id.desc())
                                          .limit(1)))

    async def keys_not_quiet(self) -> set[str]:
        c = t.alarms.c
        resolved_while_present = and_(c.status == RESOLVED, or_(c.resolved_by.is_(None), c.resolved_by != AUTO),
                                      c.cleared_at.is_(None))
        async with self.engine.connect() as s:
            rows = await s.execute(select(c.dedup_key).where(or_(c.status.in_(OPEN), resolved_while_present))
                                   .distinct())
        return {r[0] for r in rows.all()}

    async def open_of_kind(self, kind: str) -> list[Alarm]:
        c = t.alarms.c
        async with self.engine.connect() as s:
            rows = (await s.execute(select(t.alarms).where(c.kind == kind, c.status.in_(OPEN))
                                    .order_by(c.id))).all()
        return [_to(Alarm, r) for r in rows]

    async def transition(self, alarm_id: int, expected: str, **fields: Any) -> Alarm | None:
        c = t.alarms.c
        if fields.get("status") == RESOLVED:
            fields["open_key"] = None       # the key is free for the next occurrence
        n = await self._write(update(t.alarms).where(c.id == alarm_id, c.status == expected).values(**fields))
        return await self.get(alarm_id) if n else None

    async def list(self, query: AlarmQuery, *, limit: int = 50, offset: int = 0) -> Page:
        c = t.alarms.c
        where = [c[name] == value for name, value in (
            ("status", query.status), ("severity", query.severity), ("kind", query.kind),
            ("station_id", query.station_id), ("charge_point_id", query.charge_point_id)) if value is not None]
        if query.since is not None:
            where.append(c.raised_at >= query.since)
        if query.until is not None:
            where.append(c.raised_at < query.until)
        return await self._page(Alarm, t.alarms, where, [c.id.desc()], limit, offset)

    async def timings(self, *, since: datetime, until: datetime, station_id: int | None = None) -> list[AlarmTiming]:
        c = t.alarms.c
        where = [c.raised_at >= since, c.raised_at < until]
        if station_id is not None:
            where.append(c.station_id == station_id)
        async with self.engine.connect() as s:
            rows = (await s.execute(select(c.station_id, c.raised_at, c.acknowledged_at, c.resolved_at, c.resolved_by)
                                    .where(*where).order_by(c.raised_at))).all()
        return [AlarmTiming(*row) for row in rows]


class SqlWorkOrderRepository(_Repo):
    async def create(self, *, alarm_id: int, station_id: int | None, charge_point_id: str | None, created_by: str,
                     assignee: str | None, at: datetime) -> tuple[WorkOrder, bool]:
        try:
            async with self.engine.begin() as s:
                order_id = (await s.execute(t.work_orders.insert().values(
                    alarm_id=alarm_id, status=WO_OPEN, station_id=station_id, charge_point_id=charge_point_id,
                    created_by=created_by, assignee=assignee, created_at=at, updated_at=at))).inserted_primary_key[0]
        except IntegrityError:          # one work order per alarm: the one there already
            existing = await self.for_alarm(alarm_id)
            if existing is None:
                raise
            return existing, False
        return await self.get(order_id), True

    async def _with_notes(self, rows) -> list[WorkOrder]:
        """Work orders of ``rows`` with their notes (one query for all of them)."""
        if not rows:
            return []
        n = t.work_order_notes.c
        async with self.engine.connect() as s:
            notes = (await s.execute(select(t.work_order_notes).where(n.work_order_id.in_([r.id for r in rows]))
                                     .order_by(n.at, n.id))).all()
        by_order: dict[int, list[WorkNote]] = {}
        for note in notes:
            by_order.setdefault(note.work_order_id, []).append(_to(WorkNote, note))
        return [replace(_to(WorkOrder, r), notes=tuple(by_order.get(r.id, ()))) for r in rows]

    async def _one_order(self, where) -> WorkOrder | None:
        row = await self._one(select(t.work_orders).where(where))
        return (await self._with_notes([row]))[0] if row is not None else None

    async def get(self, work_order_id: int) -> WorkOrder | None:
        return await self._one_order(t.work_orders.c.id == work_order_id)

    async def for_alarm(self, alarm_id: int) -> WorkOrder | None:
        return await self._one_order(t.work_orders.c.alarm_id == alarm_id)

    async def for_alarms(self, alarm_ids: list[int]) -> list[WorkOrder]:
        if not alarm_ids:
            return []
        async with self.engine.connect() as s:
            rows = (await s.execute(select(t.work_orders).where(t.work_orders.c.alarm_id.in_(alarm_ids)))).all()
        return await self._with_notes(rows)

    async def transition(self, work_order_id: int, expected: str, **fields: Any) -> WorkOrder | None:
        c = t.work_orders.c
        n = await self._write(update(t.work_orders).where(c.id == work_order_id, c.status == expected)
                              .values(**fields, updated_at=self.clock.now()))
        return await self.get(work_order_id) if n else None

    async def add_note(self, work_order_id: int, note: WorkNote) -> WorkNote:
        async with self.engine.begin() as s:
            note_id = (await s.execute(t.work_order_notes.insert().values(
                work_order_id=work_order_id, author=note.author, text=note.text[:2000], at=note.at))
            ).inserted_primary_key[0]
            await s.execute(update(t.work_orders).where(t.work_orders.c.id == work_order_id)
                            .values(updated_at=self.clock.now()))
        return WorkNote(note.author, note.text[:2000], note.at, note_id)

    async def list(self, *, status: str | None = None, assignee: str | None = None, station_id: int | None = None,
                   charge_point_id: str | None = None, limit: int = 50, offset: int = 0) -> Page:
        c = t.work_orders.c
        where = [c[name] == value for name, value in (
            ("status", status), ("assignee", assignee), ("station_id", station_id),
            ("charge_point_id", charge_point_id)) if value is not None]
        async with self.engine.connect() as s:
            total = (await s.execute(select(func.count()).select_from(t.work_orders).where(*where))).scalar_one()
            rows = (await s.execute(select(t.work_orders).where(*where).order_by(c.id.desc())
                                    .limit(limit).offset(offset))).all()
        return Page(await self._with_notes(rows), total, limit, offset)
