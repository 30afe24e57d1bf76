"""SQL repository of the audit log (csms.domain.audit)."""

from __future__ import annotations

from dataclasses import asdict, replace

from sqlalchemy import or_

from csms.db import tables_backoffice as t
from csms.db.repositories import _Repo
from csms.domain.audit import AuditQuery, AuditRecord
from csms.domain.models import Page


class SqlAuditRepository(_Repo):
    async def add(self, record: AuditRecord) -> AuditRecord:
        values = {k: v for k, v in asdict(record).items() if k != "id"}
        async with self.engine.begin() as s:
            rid = (await s.execute(t.audit_log.insert().values(**values))).inserted_primary_key[0]
        return replace(record, id=rid)

    async def list(self, query: AuditQuery, *, limit: int = 50, offset: int = 0) -> Page:
        c = t.audit_log.c
        where = []
        if query.actor:
            where.append(or_(c.actor == query.actor, c.actor_id == query.actor))
        for column, value in ((c.action, query.action), (c.target_type, query.target_type),
                              (c.target_id, query.target_id)):
            if value:
                where.append(column == value)
        if query.since is not None:
            where.append(c.at >= query.since)
        if query.until is not None:
            where.append(c.at < query.until)
        return await self._page(AuditRecord, t.audit_log, where, [c.at.desc(), c.id.desc()], limit, offset)
