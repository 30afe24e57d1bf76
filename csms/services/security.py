"""Security events, version-neutral.

A security event is stored once per (charge point, type, timestamp); a critical one raises an alarm
of kind security_event (csms/services/alarms.py), one open alarm per charge point and event type."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from csms.domain import events
from csms.domain.alarms import SECURITY_EVENT, Signal
from csms.domain.models import Page
from csms.domain.security import SecurityEvent, is_critical
from csms.services.clock import Clock


class SecurityEventRepository(Protocol):
    async def add(self, event: SecurityEvent) -> tuple[SecurityEvent, bool]: ...
    async def list(self, cp_id: str, *, limit: int = 50, offset: int = 0) -> Page: ...


class AlarmObserver(Protocol):
    """csms/services/alarms.py AlarmService: what raises alarms."""
    async def observe(self, signal: Signal) -> Any: ...
    async def clear(self, signal: Signal) -> Any: ...


class SecurityEventService:
    def __init__(self, repo: SecurityEventRepository, alarms: AlarmObserver, bus, clock: Clock):
        self.repo = repo
        self.alarms = alarms
        self.bus = bus
        self.clock = clock

    async def record(self, cp_id: str, type: str, timestamp: datetime, tech_info: str | None = None) -> SecurityEvent:
        event, created = await self.repo.add(SecurityEvent(cp_id, type, timestamp, tech_info, self.clock.now()))
        if not created:
            return event                    # a retried notification: stored and alarmed already
        self.bus.publish(events.ChargePointNotice(cp_id, "security_event", {"type": type, "tech_info": tech_info},
                                                  timestamp))
        if is_critical(type):
            message = f"security event {type}" + (f": {tech_info}" if tech_info else "")
            await self.alarms.observe(Signal(SECURITY_EVENT, cp_id, subject=type, type=type, message=message))
        return event

    async def list(self, cp_id: str, *, limit: int = 50, offset: int = 0) -> Page:
        return await self.repo.list(cp_id, limit=limit, offset=offset)
