"""The OCPP message log: every frame in and out, written in batches, kept for a retention period.
Live taps (``watch``) hand the frames of one charge point to whoever watches it (the operator
console's live tail): a charge point nobody watches costs one dict lookup per frame.

What is stored follows ``sample`` (setting ``ocpp.message_log``): 1 (``all``) every frame; 0 (``off``)
none; N (``sample:N``) one exchange in N (a CALL and its answer together, chosen by a hash of the charge point
and message id) plus every CALLERROR and every frame that could not be parsed. Live taps see every
frame whatever the mode. The log is the largest write volume of the CSMS (two rows per call)."""

from __future__ import annotations

import json
import logging
import zlib
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
                 max_payload: int = 65536, sample: int = 1):
        self.batch = batch
        self._sample = sample        # 1: all, 0: off, N: one exchange in N
        self.repo = repo
        self.clock = clock
        self.retention_days = retention_days
        self.max_payload = max_payload
        self._taps: dict[str, list[Tap]] = {}

    def observe(self, cp_id: str, direction: str, message_type: int, unique_id: str | None, action: str | None,
                raw: str, at: datetime) -> None:
        taps = self._taps.get(cp_id)
        sample = self._sample
        if sample != 1 and not taps:
            if sample == 0 or (message_type in (2, 3) and unique_id is not None
                               and zlib.crc32(f"{cp_id}\0{unique_id}".encode()) % sample):
                return
        raw = redacted(raw)
        row = {
            "charge_point_id": cp_id, "direction": direction, "message_type": message_type,
            "unique_id": (unique_id or "")[:64] or None, "action": (action or "")[:64] or None,
            "payload": raw if len(raw) <= self.max_payload else raw[: self.max_payload] + "...(truncated)",
            "at": at,
        }
        if sample == 1 or (sample and (message_type not in (2, 3) or unique_id is None
                                       or not zlib.crc32(f"{cp_id}\0{unique_id}".encode()) % sample)):
            self.batch.insert("ocpp_messages", row)
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

