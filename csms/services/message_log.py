"""The OCPP message log: every frame in and out, written in batches, kept for a retention period.
Live taps (``watch``) hand the frames of one charge point to whoever watches it (the operator
console's live tail): a charge point nobody watches costs one dict lookup per frame."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Callable

from csms.domain.models import MessageLogEntry
from csms.domain.repositories import BatchSink, MessageLogRepository
from csms.services.clock import Clock

log = logging.getLogger(__name__)
Tap = Callable[[MessageLogEntry], None]
# frames that carry a charge point's password (1.6 AuthorizationKey, 2.0.1 SecurityCtrlr.BasicAuthPassword,
# an APN password): stored and shown with the value masked
_SECRET_NAMES = ("AuthorizationKey", "BasicAuthPassword", "apnPassword")
MASK = "***"


def redacted(raw: str) -> str:
    """``raw`` with the password values of a ChangeConfiguration / SetVariables / SetNetworkProfile masked."""
    if not any(name in raw for name in _SECRET_NAMES):
        return raw
    try:
        frame = json.loads(raw)
        _mask(frame)
    except (ValueError, RecursionError):
        return MASK                       # unreadable but naming a secret: keep nothing of it
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def _mask(node) -> None:
    if isinstance(node, list):
        for item in node:
            _mask(item)
    elif isinstance(node, dict):
        if node.get("key") == "AuthorizationKey" and "value" in node:                       # 1.6
            node["value"] = MASK
        if (node.get("variable") or {}).get("name") == "BasicAuthPassword" and "attributeValue" in node:  # 2.0.1
            node["attributeValue"] = MASK
        if "apnPassword" in node:
            node["apnPassword"] = MASK
        for value in node.values():
            _mask(value)


class MessageLog:
    def __init__(self, batch: BatchSink, repo: MessageLogRepository, clock: Clock, retention_days: int,
                 max_payload: int = 65536):
        self.batch = batch
        self.repo = repo
        self.clock = clock
        self.retention_days = retention_days
        self.max_payload = max_payload
        self._taps: dict[str, list[Tap]] = {}

    def observe(self, cp_id: str, direction: str, message_type: int, unique_id: str | None, action: str | None,
                raw: str, at: datetime) -> None:
        raw = redacted(raw)
        row = {
            "charge_point_id": cp_id, "direction": direction, "message_type": message_type,
            "unique_id": (unique_id or "")[:64] or None, "action": (action or "")[:64] or None,
            "payload": raw if len(raw) <= self.max_payload else raw[: self.max_payload] + "...(truncated)",
            "at": at,
        }
        self.batch.insert("ocpp_messages", row)
        taps = self._taps.get(cp_id)
        if taps:
            entry = MessageLogEntry(**row)       # not stored yet: no id
            for tap in tuple(taps):
                try:
                    tap(entry)
                except Exception:                # a watcher never breaks the OCPP path
                    log.exception("message log tap failed for %s", cp_id)

    def watch(self, cp_id: str, tap: Tap) -> Callable[[], None]:
        """Call ``tap`` with every frame of ``cp_id`` observed on this node from now on (frames are
        logged where the charge point's socket is); returns the function that stops it."""
        self._taps.setdefault(cp_id, []).append(tap)

        def stop() -> None:
            taps = self._taps.get(cp_id)
            if taps and tap in taps:
                taps.remove(tap)
                if not taps:
                    del self._taps[cp_id]
        return stop

    async def list(self, cp_id: str, **filters):
        await self.batch.flush()
        return await self.repo.list(cp_id, **filters)

    async def purge(self) -> int:
        return await self.repo.purge_before(self.clock.now() - timedelta(days=self.retention_days))
