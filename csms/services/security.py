"""Security events and alarms, version-neutral.

A security event is stored once per (charge point, type, timestamp); a critical one raises an alarm.
Alarms follow the ALARM state machine (Raised -> Acknowledged -> Cleared; Raised -> Cleared)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Protocol

from csms.domain import events
from csms.domain.models import Page
from csms.domain.security import ALARM, Alarm, SecurityEvent, is_critical
from csms.domain.states import IllegalTransition
from csms.services.clock import Clock

log = logging.getLogger(__name__)


class SecurityEventRepository(Protocol):
    async def add(self, event: SecurityEvent) -> tuple[SecurityEvent, bool]: ...
    async def list(self, cp_id: str, *, limit: int = 50, offset: int = 0) -> Page: ...


class AlarmRepository(Protocol):
    async def add(self, *, charge_point_id: str, source: str, type: str, message: str, raised_at: datetime,
                  source_key: str | None = None) -> Alarm: ...
    async def get(self, alarm_id: int) -> Alarm | None: ...
    async def open_with_key(self, cp_id: str, source_key: str) -> list[Alarm]: ...
    async def transition(self, alarm_id: int, expected: str, **fields: Any) -> Alarm | None: ...
    async def list(self, *, charge_point_id: str | None = None, status: str | None = None,
                   limit: int = 50, offset: int = 0) -> Page: ...


class UnknownAlarm(Exception):
    pass


class AlarmService:
    def __init__(self, repo: AlarmRepository, bus, clock: Clock):
        self.repo = repo
        self.bus = bus
        self.clock = clock

    async def raise_(self, cp_id: str, source: str, type: str, message: str,
                     source_key: str | None = None) -> Alarm:
        if source_key is not None:          # one open alarm per problem
            open_ = await self.repo.open_with_key(cp_id, source_key)
            if open_:
                return open_[0]
        alarm = await self.repo.add(charge_point_id=cp_id, source=source, type=type, message=message,
                                    raised_at=self.clock.now(), source_key=source_key)
        log.warning("alarm %s raised for %s: %s", alarm.id, cp_id, message)
        self.bus.publish(events.ChargePointNotice(cp_id, "alarm_raised", {"alarm_id": alarm.id, "type": type,
                                                                          "message": message}, alarm.raised_at))
        return alarm

    async def _move(self, alarm_id: int, target: str) -> Alarm:
        for _ in range(3):                  # compare-and-set; retried if it changed under us
            alarm = await self.repo.get(alarm_id)
            if alarm is None:
                raise UnknownAlarm(f"alarm {alarm_id} not found")
            if alarm.status == target:
                return alarm                # acknowledging twice changes nothing
            ALARM.check(alarm.status, target)
            at = self.clock.now()
            fields = {"status": target, "acknowledged_at" if target == "Acknowledged" else "cleared_at": at}
            moved = await self.repo.transition(alarm_id, alarm.status, **fields)
            if moved is not None:
                return moved
        raise IllegalTransition("alarm", "changing", target)

    async def acknowledge(self, alarm_id: int) -> Alarm:
        return await self._move(alarm_id, "Acknowledged")

    async def clear(self, alarm_id: int) -> Alarm:
        return await self._move(alarm_id, "Cleared")

    async def clear_key(self, cp_id: str, source_key: str) -> list[Alarm]:
        """The charge point says a problem is over: clear its open alarms."""
        return [await self.clear(a.id) for a in await self.repo.open_with_key(cp_id, source_key)]

    async def list(self, **filters) -> Page:
        return await self.repo.list(**filters)


class SecurityEventService:
    def __init__(self, repo: SecurityEventRepository, alarms: AlarmService, bus, clock: Clock):
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
            await self.alarms.raise_(cp_id, "security_event", type, message)
        return event

    async def list(self, cp_id: str, *, limit: int = 50, offset: int = 0) -> Page:
        return await self.repo.list(cp_id, limit=limit, offset=offset)
