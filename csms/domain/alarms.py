"""Alarms and work orders (处理记录), version-neutral. No I/O.

An alarm is one problem of one thing: its dedup key is (kind, charge point, EVSE/connector, subject),
where the subject names what within a kind is wrong when a kind has several at once (a security event
type, a device component, a transaction, a payment stage). While an alarm is open (Raised or
Acknowledged) a repeat of its cause counts on it; once Resolved, the next occurrence is a new alarm.
A cause that clears resolves its alarm by itself (auto-cleared); one that clears within its kind's
debounce raises nothing at all (csms/services/alarms.py)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

# the kinds and severities, with their defaults (configuration overrides them: csms/alarm_kinds.py)
from csms.alarm_kinds import (BOOT_REJECTED, CHARGE_POINT_OFFLINE, CONNECTOR_FAULT, DEVICE_PROBLEM,  # noqa: F401
                              FIRMWARE_FAILURE, KINDS, METER_ANOMALY, PAYMENT_FAILURE, RECONCILIATION_MISMATCH,
                              SECURITY_EVENT, SEVERITIES, STUCK_TRANSACTION, severity_rank)
from csms.domain.states import StateMachine
from csms.domain.times import iso

# -- the alarm lifecycle ------------------------------------------------------------------------------
RAISED, ACKNOWLEDGED, RESOLVED = "Raised", "Acknowledged", "Resolved"
ALARM = StateMachine("alarm", {
    RAISED: {ACKNOWLEDGED, RESOLVED},       # a cause may clear (auto) before anyone acknowledged it
    ACKNOWLEDGED: {RESOLVED},
    RESOLVED: set(),
})
OPEN = (RAISED, ACKNOWLEDGED)
AUTO = "auto"                               # resolved_by of an alarm whose cause cleared

# what changed, as AlarmChanged.change says it (the live feed and the notification rules read it)
CHANGES = ("raised", "repeated", "acknowledged", "assigned", "resolved")

KEY_LIMIT = 160                             # a longer key is hashed (the column is indexed)


def dedup_key(kind: str, charge_point_id: str | None, evse_id: int, connector_id: int, subject: str = "") -> str:
    key = f"{kind}|{charge_point_id or '-'}|{evse_id}/{connector_id}|{subject}"
    if len(key) > KEY_LIMIT:
        key = f"{kind}|{hashlib.sha256(key.encode()).hexdigest()}"
    return key


@dataclass(frozen=True)
class Signal:
    """An observation: something is wrong (``AlarmService.observe``) or is over (``clear``). ``since``
    is when the condition began (the debounce counts from it); None: when it is observed."""
    kind: str
    charge_point_id: str | None = None
    evse_id: int = 0
    connector_id: int = 0                   # 0: the whole charge point (or none)
    subject: str = ""
    type: str = ""                          # the detail shown: error code, event type, component.variable
    message: str = ""
    since: datetime | None = None
    level: bool = False                     # a periodic check seeing the same condition again: not a repeat

    @property
    def key(self) -> str:
        return dedup_key(self.kind, self.charge_point_id, self.evse_id, self.connector_id, self.subject)


@dataclass(frozen=True)
class Alarm:
    id: int
    kind: str
    severity: str
    status: str
    dedup_key: str
    charge_point_id: str | None
    station_id: int | None
    evse_id: int
    connector_id: int
    subject: str
    type: str
    message: str
    count: int                              # occurrences while open (1 when raised)
    raised_at: datetime
    last_seen_at: datetime
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None          # an operator, or "auto" (the cause cleared)
    resolution: str | None = None
    cleared_at: datetime | None = None      # when the cause cleared (auto-resolved)


@dataclass(frozen=True)
class AlarmQuery:
    """Filters of the alarm list (every field optional)."""
    status: str | None = None
    severity: str | None = None
    kind: str | None = None
    station_id: int | None = None
    charge_point_id: str | None = None
    since: datetime | None = None           # raised at or after
    until: datetime | None = None           # raised before


# -- work orders --------------------------------------------------------------------------------------
WO_OPEN, WO_IN_PROGRESS, WO_RESOLVED, WO_CLOSED = "open", "in_progress", "resolved", "closed"
WORK_ORDER = StateMachine("work_order", {
    WO_OPEN: {WO_IN_PROGRESS, WO_RESOLVED, WO_CLOSED},
    WO_IN_PROGRESS: {WO_OPEN, WO_RESOLVED, WO_CLOSED},      # back to open: handed back unassigned
    WO_RESOLVED: {WO_CLOSED},                               # closed: checked and filed
    WO_CLOSED: set(),
})
WO_FINAL = (WO_RESOLVED, WO_CLOSED)


@dataclass(frozen=True)
class WorkNote:
    author: str
    text: str
    at: datetime
    id: int | None = None


@dataclass(frozen=True)
class WorkOrder:
    id: int
    alarm_id: int
    status: str
    station_id: int | None
    charge_point_id: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    assignee: str | None = None
    resolution: str | None = None
    started_at: datetime | None = None      # in_progress
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    notes: tuple[WorkNote, ...] = field(default_factory=tuple)


# -- MTTA / MTTR ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AlarmTiming:
    station_id: int | None
    raised_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    resolved_by: str | None


@dataclass(frozen=True)
class ResponseTimes:
    """Mean time to acknowledge / to resolve (seconds) of the alarms raised in a period."""
    station_id: int | None
    period: str | None                      # the period's first day (YYYY-MM-DD), None: the whole range
    alarms: int
    acknowledged: int
    resolved: int
    auto_resolved: int
    mtta_s: float | None
    mttr_s: float | None


def response_times(timings: list[AlarmTiming], station_id: int | None, period: str | None) -> ResponseTimes:
    acked = [(t.acknowledged_at - t.raised_at).total_seconds() for t in timings if t.acknowledged_at]
    done = [(t.resolved_at - t.raised_at).total_seconds() for t in timings if t.resolved_at]
    return ResponseTimes(station_id, period, len(timings), len(acked), len(done),
                         sum(1 for t in timings if t.resolved_by == AUTO),
                         round(sum(acked) / len(acked), 1) if acked else None,
                         round(sum(done) / len(done), 1) if done else None)


def place(alarm: Alarm) -> str:
    """Where, in a few characters: ``CP-1#2`` (connector 2), ``CP-1``, or ``-`` (the network)."""
    where = alarm.charge_point_id or "-"
    return f"{where}#{alarm.connector_id}" if alarm.connector_id else where


def as_json(alarm: Alarm) -> dict:
    """The alarm as the REST API, the operator feed and webhooks show it (docs/contract.md <alarm>)."""
    return {"id": alarm.id, "kind": alarm.kind, "severity": alarm.severity, "status": alarm.status,
            "charge_point_id": alarm.charge_point_id, "station_id": alarm.station_id, "evse_id": alarm.evse_id,
            "connector_id": alarm.connector_id, "type": alarm.type, "message": alarm.message, "count": alarm.count,
            "raised_at": iso(alarm.raised_at), "last_seen_at": iso(alarm.last_seen_at),
            "acknowledged_at": iso(alarm.acknowledged_at), "acknowledged_by": alarm.acknowledged_by,
            "resolved_at": iso(alarm.resolved_at), "resolved_by": alarm.resolved_by, "resolution": alarm.resolution,
            "cleared_at": iso(alarm.cleared_at)}
