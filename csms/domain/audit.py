"""The audit log: one record per operator action that changes something (commands to charge points,
master data, money, alarm handling, drivers' accounts), refused attempts included. Written by the
API's request pipeline (api/app.py), read by admins (GET /api/v1/admin/audit). Records never change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from csms.domain.models import Page


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: datetime
    actor_id: str              # the operator's id (the token's subject)
    actor: str                 # the operator's user name (the id when the token has none)
    role: str
    action: str                # the endpoint's OpenAPI operationId
    method: str
    path: str                  # as requested (ids filled in)
    status: int                # the HTTP status answered
    request_id: str
    target_type: str | None = None
    target_id: str | None = None
    params: str | None = None  # the request body, JSON, secrets masked
    before: str | None = None  # JSON, where the endpoint knows it
    after: str | None = None
    remote: str | None = None


@dataclass(frozen=True)
class AuditQuery:
    actor: str | None = None          # user name or id
    action: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    since: datetime | None = None     # at >= since
    until: datetime | None = None     # at < until


class AuditRepository(Protocol):
    async def add(self, record: AuditRecord) -> AuditRecord:
        """Store a record (its ``id`` is assigned); the stored one."""
    async def list(self, query: AuditQuery, *, limit: int = 50, offset: int = 0) -> Page:
        """Newest first."""
