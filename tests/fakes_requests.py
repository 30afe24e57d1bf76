"""In-memory fake of the report request repository (csms.services.requests.ReportRequestRepository)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from csms.domain.models import Page
from csms.domain.requests import Part, ReportRequest


class FakeReportRequestRepository:
    def __init__(self):
        self.rows: dict[int, ReportRequest] = {}
        self.parts_of: dict[int, dict[int, Part]] = {}
        self._next = 1

    async def create(self, *, charge_point_id: str, kind: str, request_id: int, status: str, params: dict,
                     at: datetime) -> ReportRequest:
        for old in [r for r in self.rows.values()
                    if (r.charge_point_id, r.kind, r.request_id) == (charge_point_id, kind, request_id)]:
            await self.delete(old.id)
        req = ReportRequest(self._next, charge_point_id, kind, request_id, status, dict(params),
                            created_at=at, updated_at=at)
        self.rows[req.id] = req
        self.parts_of[req.id] = {}
        self._next += 1
        return req

    async def get_pk(self, pk: int) -> ReportRequest | None:
        return self.rows.get(pk)

    async def find(self, cp_id: str, request_id: int, kinds: tuple[str, ...] | None = None) -> ReportRequest | None:
        found = [r for r in self.rows.values() if r.charge_point_id == cp_id and r.request_id == request_id
                 and (not kinds or r.kind in kinds)]
        return max(found, key=lambda r: r.id, default=None)

    async def delete(self, pk: int) -> None:
        self.rows.pop(pk, None)
        self.parts_of.pop(pk, None)

    async def transition(self, pk: int, expected: str, **fields: Any) -> ReportRequest | None:
        req = self.rows.get(pk)
        if req is None or req.status != expected:
            return None
        self.rows[pk] = replace(req, **fields)
        return self.rows[pk]

    async def add_part(self, pk: int, part: Part) -> bool:
        parts = self.parts_of.setdefault(pk, {})
        if part.seq_no in parts:
            return False
        parts[part.seq_no] = part
        return True

    async def seq_nos(self, pk: int) -> list[tuple[int, bool]]:
        return sorted((p.seq_no, p.tbc) for p in self.parts_of.get(pk, {}).values())

    async def parts(self, pk: int) -> list[Part]:
        return sorted(self.parts_of.get(pk, {}).values(), key=lambda p: p.seq_no)

    async def list(self, cp_id: str, *, kind: str | None = None, status: str | None = None,
                   limit: int = 50, offset: int = 0) -> Page:
        items = [r for r in sorted(self.rows.values(), key=lambda r: r.id, reverse=True)
                 if r.charge_point_id == cp_id and (not kind or r.kind == kind) and (not status or r.status == status)]
        return Page(items[offset: offset + limit], len(items), limit, offset)

    async def waiting(self, statuses: frozenset[str], before: datetime) -> list[ReportRequest]:
        return [r for r in self.rows.values() if r.status in statuses and r.updated_at < before]
