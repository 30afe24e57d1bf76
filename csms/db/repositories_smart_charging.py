"""SQL repositories of the smart_charging feature: installed charging profiles, charging reports,
display messages, firmware and log jobs. In-memory twins: tests/fakes_smart_charging.py."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import orjson
from sqlalchemy import delete, func, select, update

from csms.db import tables_smart_charging as t
from csms.db.repositories import _Repo as _BaseRepo
from csms.domain.firmware import FirmwareJob, LogJob
from csms.domain.smart_charging import ChargingReport, DisplayMessage, InstalledProfile, cleared_by, replaced_by
from csms.domain.smart_charging_codec import profile_from_dict, profile_to_dict



class _Repo(_BaseRepo):
    async def _rows(self, stmt) -> list:
        async with self.db_sessions() as s:
            return (await s.execute(stmt)).all()


def _installed(row) -> InstalledProfile:
    return InstalledProfile(row.charge_point_id, row.evse_id, profile_from_dict(orjson.loads(row.profile)),
                            row.source, row.ocpp_transaction_id, row.updated_at)


class SqlChargingProfileRepository(_Repo):
    async def list(self, cp_id: str, evse_id: int | None = None) -> list[InstalledProfile]:
        stmt = select(t.charging_profiles).where(t.charging_profiles.c.charge_point_id == cp_id)
        if evse_id is not None:
            stmt = stmt.where(t.charging_profiles.c.evse_id == evse_id)
        rows = await self._rows(stmt.order_by(t.charging_profiles.c.evse_id, t.charging_profiles.c.profile_id))
        return [_installed(r) for r in rows]

    async def put(self, ip: InstalledProfile) -> list[InstalledProfile]:
        """Store, removing what it replaces (stacking rules); returns the replaced profiles."""
        c = t.charging_profiles.c
        async with self.db_sessions.begin() as s:
            rows = (await s.execute(select(t.charging_profiles).where(c.charge_point_id == ip.charge_point_id))).all()
            gone = [r for r in rows if replaced_by(ip, _installed(r))]
            if gone:
                await s.execute(delete(t.charging_profiles).where(c.id.in_([r.id for r in gone])))
            p = ip.profile
            await s.execute(t.charging_profiles.insert().values(
                charge_point_id=ip.charge_point_id, evse_id=ip.evse_id, profile_id=p.id, stack_level=p.stack_level,
                purpose=p.purpose, transaction_id=p.transaction_id, ocpp_transaction_id=ip.ocpp_transaction_id,
                source=ip.source, profile=orjson.dumps(profile_to_dict(p)).decode(),
                updated_at=ip.updated_at or self.clock.now()))
        return [_installed(r) for r in gone]

    async def remove(self, cp_id: str, *, profile_id: int | None = None, evse_id: int | None = None,
                     purpose: str | None = None, stack_level: int | None = None,
                     transaction_id: int | None = None) -> list[InstalledProfile]:
        c = t.charging_profiles.c
        async with self.db_sessions.begin() as s:
            rows = (await s.execute(select(t.charging_profiles).where(c.charge_point_id == cp_id))).all()
            gone = [r for r in rows
                    if (transaction_id is not None and r.transaction_id == transaction_id)
                    or (transaction_id is None and cleared_by(_installed(r), profile_id=profile_id, evse_id=evse_id,
                                                              purpose=purpose, stack_level=stack_level))]
            if gone:
                await s.execute(delete(t.charging_profiles).where(c.id.in_([r.id for r in gone])))
        return [_installed(r) for r in gone]


class SqlChargingReportRepository(_Repo):
    async def add(self, report: ChargingReport) -> None:
        async with self.db_sessions.begin() as s:
            await s.execute(t.charging_reports.insert().values(
                charge_point_id=report.charge_point_id, kind=report.kind, evse_id=report.evse_id,
                data=orjson.dumps(report.data).decode(), at=report.at or self.clock.now()))

    async def list(self, cp_id: str, kind: str | None = None, limit: int = 50) -> list[ChargingReport]:
        c = t.charging_reports.c
        stmt = select(t.charging_reports).where(c.charge_point_id == cp_id)
        if kind:
            stmt = stmt.where(c.kind == kind)
        rows = await self._rows(stmt.order_by(c.id.desc()).limit(limit))
        return [ChargingReport(r.charge_point_id, r.kind, r.evse_id, orjson.loads(r.data), r.at, r.id) for r in rows]


_MSG_FIELDS = ("priority", "format", "content", "language", "state", "start_at", "end_at", "transaction_id",
               "evse_id", "source")


class SqlDisplayMessageRepository(_Repo):
    async def put(self, cp_id: str, m: DisplayMessage) -> None:
        c = t.display_messages.c
        values = {k: getattr(m, k) for k in _MSG_FIELDS}
        async with self.db_sessions.begin() as s:
            await s.execute(delete(t.display_messages).where(c.charge_point_id == cp_id, c.message_id == m.id))
            await s.execute(t.display_messages.insert().values(charge_point_id=cp_id, message_id=m.id,
                                                               updated_at=m.updated_at or self.clock.now(), **values))

    async def list(self, cp_id: str) -> list[DisplayMessage]:
        c = t.display_messages.c
        rows = await self._rows(select(t.display_messages).where(c.charge_point_id == cp_id).order_by(c.message_id))
        return [DisplayMessage(id=r.message_id, updated_at=r.updated_at, **{k: getattr(r, k) for k in _MSG_FIELDS})
                for r in rows]

    async def delete(self, cp_id: str, message_id: int) -> bool:
        c = t.display_messages.c
        async with self.db_sessions.begin() as s:
            res = await s.execute(delete(t.display_messages).where(c.charge_point_id == cp_id,
                                                                   c.message_id == message_id))
        return res.rowcount > 0

    async def next_id(self, cp_id: str) -> int:
        c = t.display_messages.c
        async with self.db_sessions() as s:
            top = (await s.execute(select(func.max(c.message_id)).where(c.charge_point_id == cp_id))).scalar()
        return (top or 0) + 1


class _JobRepo(_Repo):
    table: Any
    cls: type

    def _job(self, row):
        names = {f.name for f in fields(self.cls)}
        return self.cls(**{k: v for k, v in row._mapping.items() if k in names}) if row is not None else None

    async def create(self, **f: Any):
        ts = self.clock.now()
        async with self.db_sessions.begin() as s:
            res = await s.execute(self.table.insert().values(**f, created_at=ts, updated_at=ts))
            job_id = res.inserted_primary_key[0]
        return await self.get(job_id)

    async def get(self, job_id: int):
        rows = await self._rows(select(self.table).where(self.table.c.id == job_id))
        return self._job(rows[0]) if rows else None

    async def transition(self, job_id: int, expected: str, **f: Any):
        """Compare-and-set: apply only while the status is still ``expected``; None if it was not."""
        async with self.db_sessions.begin() as s:
            res = await s.execute(update(self.table).where(self.table.c.id == job_id, self.table.c.status == expected)
                                  .values(**f, updated_at=self.clock.now()))
        return await self.get(job_id) if res.rowcount else None

    async def delete(self, job_id: int) -> None:
        async with self.db_sessions.begin() as s:
            await s.execute(delete(self.table).where(self.table.c.id == job_id))

    async def list(self, cp_id: str, limit: int = 50, **where: Any) -> list:
        c = self.table.c
        stmt = select(self.table).where(c.charge_point_id == cp_id,
                                        *(getattr(c, k) == v for k, v in where.items()))
        return [self._job(r) for r in await self._rows(stmt.order_by(c.id.desc()).limit(limit))]


class SqlFirmwareJobRepository(_JobRepo):
    table, cls = t.firmware_jobs, FirmwareJob


class SqlLogJobRepository(_JobRepo):
    table, cls = t.log_jobs, LogJob
