"""The OCPP message log: every frame in and out, written in batches, kept for a retention period."""

from __future__ import annotations

from datetime import datetime, timedelta

from csms.domain.repositories import BatchSink, MessageLogRepository
from csms.services.clock import Clock


class MessageLog:
    def __init__(self, batch: BatchSink, repo: MessageLogRepository, clock: Clock, retention_days: int,
                 max_payload: int = 65536):
        self.batch = batch
        self.repo = repo
        self.clock = clock
        self.retention_days = retention_days
        self.max_payload = max_payload

    def observe(self, cp_id: str, direction: str, message_type: int, unique_id: str | None, action: str | None,
                raw: str, at: datetime) -> None:
        self.batch.insert("ocpp_messages", {
            "charge_point_id": cp_id, "direction": direction, "message_type": message_type,
            "unique_id": (unique_id or "")[:64] or None, "action": (action or "")[:64] or None,
            "payload": raw if len(raw) <= self.max_payload else raw[: self.max_payload] + "...(truncated)",
            "at": at,
        })

    async def list(self, cp_id: str, **filters):
        await self.batch.flush()
        return await self.repo.list(cp_id, **filters)

    async def purge(self) -> int:
        return await self.repo.purge_before(self.clock.now() - timedelta(days=self.retention_days))
