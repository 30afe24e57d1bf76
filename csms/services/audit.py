"""The audit log of operator actions (csms/domain/audit.py): what the API's request pipeline records
for every staff request that changes something, with the request body and the before/after views the
endpoint gives, secrets masked as in the logs (csms/log_redact.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from csms.domain.audit import AuditQuery, AuditRecord, AuditRepository
from csms.domain.clock import Clock
from csms.domain.models import Page
from csms.log_redact import Redactor, redacted_json

MAX_JSON = 60_000          # characters kept of one body (a tariff or a local list is far below)


@dataclass(frozen=True)
class Action:
    """One request as the audit log records it."""
    actor_id: str
    actor: str
    role: str
    action: str
    method: str
    path: str
    status: int
    request_id: str
    target_type: str | None = None
    target_id: str | None = None
    params: Any = None
    before: Any = None
    after: Any = None
    remote: str | None = None


class AuditLog:
    def __init__(self, repo: AuditRepository, clock: Clock):
        self.repo = repo
        self.clock = clock
        self._redact = Redactor()

    def _json(self, value: Any) -> str | None:
        if value is None:
            return None
        text = redacted_json(value, self._redact, ensure_ascii=False, default=str, sort_keys=True)
        return text if len(text) <= MAX_JSON else json.dumps({"truncated": text[:MAX_JSON]}, ensure_ascii=False)

    async def record(self, a: Action) -> AuditRecord:
        return await self.repo.add(AuditRecord(
            id=0, at=self.clock.now(), actor_id=a.actor_id[:64], actor=a.actor[:64], role=a.role[:16],
            action=a.action[:160], method=a.method, path=a.path[:512], status=a.status,
            request_id=a.request_id[:128], target_type=a.target_type, target_id=_cut(a.target_id, 128),
            params=self._json(a.params), before=self._json(a.before), after=self._json(a.after),
            remote=_cut(a.remote, 64)))

    async def list(self, query: AuditQuery, limit: int = 50, offset: int = 0) -> Page:
        return await self.repo.list(query, limit=limit, offset=offset)


def _cut(text: str | None, n: int) -> str | None:
    return None if text is None else str(text)[:n]
