"""SQL repository of report request tracking: requests answered in parts, and their parts."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from csms.db import tables_requests as t
from csms.db.repositories import _Repo
from csms.domain.models import Page
from csms.domain.requests import Part, ReportRequest

R = t.report_requests
P = t.report_request_parts


def _request(row) -> ReportRequest | None:
    if row is None:
        return None
    d = dict(row._mapping)
    d["params"] = json.loads(d["params"]) if d["params"] else {}
    return ReportRequest(**d)


class SqlReportRequestRepository(_Repo):
    async def create(self, *, charge_point_id: str, kind: str, request_id: int, status: str, params: dict,
                     at: datetime) -> ReportRequest:
        """Record a request. One with the same (charge point, kind, request id) is an old one whose
        id came round again: it is replaced, parts and all."""
        values = {"charge_point_id": charge_point_id, "kind": kind, "request_id": request_id, "status": status,
                  "params": json.dumps(params, separators=(",", ":"), default=str), "parts_received": 0,
                  "created_at": at, "updated_at": at}
        same = (R.c.charge_point_id == charge_point_id, R.c.kind == kind, R.c.request_id == request_id)
        for _ in range(2):
            try:
                async with self.engine.begin() as s:
                    pk = (await s.execute(R.insert().values(**values))).inserted_primary_key[0]
                return await self.get_pk(pk)
            except IntegrityError:
                async with self.engine.begin() as s:
                    old = (await s.execute(select(R.c.id).where(*same))).scalar()
                    if old is not None:
                        await s.execute(delete(P).where(P.c.report_request_id == old))
                        await s.execute(delete(R).where(R.c.id == old))
        raise RuntimeError(f"could not record request {kind} {request_id} of {charge_point_id}")

    async def get_pk(self, pk: int) -> ReportRequest | None:
        return _request(await self._one(select(R).where(R.c.id == pk)))

    async def find(self, cp_id: str, request_id: int, kinds: tuple[str, ...] | None = None) -> ReportRequest | None:
        """The newest request of the charge point with this request id (and one of these kinds)."""
        where = [R.c.charge_point_id == cp_id, R.c.request_id == request_id]
        if kinds:
            where.append(R.c.kind.in_(kinds))
        return _request(await self._one(select(R).where(*where).order_by(R.c.id.desc()).limit(1)))

    async def delete(self, pk: int) -> None:
        async with self.engine.begin() as s:
            await s.execute(delete(P).where(P.c.report_request_id == pk))
            await s.execute(delete(R).where(R.c.id == pk))

    async def transition(self, pk: int, expected: str, **fields: Any) -> ReportRequest | None:
        """Set fields only if the status is still ``expected``; None if not."""
        n = await self._write(update(R).where(R.c.id == pk, R.c.status == expected).values(**fields))
        return await self.get_pk(pk) if n else None

    async def add_part(self, pk: int, part: Part) -> bool:
        """Store a part; False when this seqNo was stored already (a repeated notification)."""
        try:
            async with self.engine.begin() as s:
                await s.execute(P.insert().values(report_request_id=pk, seq_no=part.seq_no, tbc=part.tbc,
                                                  data=json.dumps(part.data, separators=(",", ":")),
                                                  received_at=part.received_at))
        except IntegrityError:
            return False
        return True

    async def seq_nos(self, pk: int) -> list[tuple[int, bool]]:
        async with self.engine.connect() as s:
            rows = (await s.execute(select(P.c.seq_no, P.c.tbc).where(P.c.report_request_id == pk)
                                    .order_by(P.c.seq_no))).all()
        return [(r.seq_no, bool(r.tbc)) for r in rows]

    async def parts(self, pk: int) -> list[Part]:
        async with self.engine.connect() as s:
            rows = (await s.execute(select(P).where(P.c.report_request_id == pk).order_by(P.c.seq_no))).all()
        return [Part(r.seq_no, bool(r.tbc), json.loads(r.data), r.received_at) for r in rows]

    async def list(self, cp_id: str, *, kind: str | None = None, status: str | None = None,
                   limit: int = 50, offset: int = 0) -> Page:
        where = [R.c.charge_point_id == cp_id]
        if kind:
            where.append(R.c.kind == kind)
        if status:
            where.append(R.c.status == status)
        async with self.engine.connect() as s:
            total = (await s.execute(select(func.count()).select_from(R).where(*where))).scalar_one()
            rows = (await s.execute(select(R).where(*where).order_by(R.c.id.desc()).limit(limit)
                                    .offset(offset))).all()
        return Page([_request(r) for r in rows], total, limit, offset)

    async def waiting(self, statuses: frozenset[str], before: datetime) -> list[ReportRequest]:
        """Requests in one of ``statuses`` that have not moved since ``before``."""
        async with self.engine.connect() as s:
            rows = (await s.execute(select(R).where(R.c.status.in_(sorted(statuses)), R.c.updated_at < before)
                                    .order_by(R.c.id).limit(1000))).all()
        return [_request(r) for r in rows]
