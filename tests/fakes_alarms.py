"""In-memory stand-ins for the operations side's repositories (csms/db/repositories_alarms.py and
repositories_notifications.py), with the same rules: one open alarm per dedup key, compare-and-set
transitions, one work order per alarm, unique channel and rule names."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from csms.domain.alarms import AUTO, OPEN, RAISED, RESOLVED, Alarm, AlarmQuery, AlarmTiming, WorkNote, WorkOrder, WO_OPEN
from csms.domain.models import Page
from csms.domain.notifications import Channel, Delivery, Rule
from csms.domain.repositories import Conflict
from tests.fakes import FakeClock


def _page(items: list, limit: int, offset: int) -> Page:
    return Page(items[offset: offset + limit], len(items), limit, offset)


class FakeAlarmRepository:
    def __init__(self, clock: FakeClock | None = None):
        self.clock = clock or FakeClock()
        self.rows: dict[int, Alarm] = {}

    async def raise_(self, *, kind: str, severity: str, dedup_key: str, charge_point_id: str | None,
                     station_id: int | None, evse_id: int, connector_id: int, subject: str, type: str,
                     message: str, at: datetime) -> tuple[Alarm, bool]:
        existing = await self.open_for(dedup_key)
        if existing is not None:
            return existing, False
        alarm = Alarm(len(self.rows) + 1, kind, severity, RAISED, dedup_key, charge_point_id, station_id, evse_id,
                      connector_id, subject[:128], type[:128], message[:512], 1, at, at)
        self.rows[alarm.id] = alarm
        return alarm, True

    async def repeat(self, alarm_id: int, *, type: str, message: str, at: datetime) -> Alarm | None:
        alarm = self.rows.get(alarm_id)
        if alarm is None or alarm.status not in OPEN:
            return None
        self.rows[alarm_id] = replace(alarm, count=alarm.count + 1, last_seen_at=at, type=type[:128],
                                      message=message[:512])
        return self.rows[alarm_id]

    async def get(self, alarm_id: int) -> Alarm | None:
        return self.rows.get(alarm_id)

    async def open_for(self, dedup_key: str) -> Alarm | None:
        return next((a for a in self.rows.values() if a.dedup_key == dedup_key and a.status in OPEN), None)

    async def latest_for(self, dedup_key: str) -> Alarm | None:
        return max((a for a in self.rows.values() if a.dedup_key == dedup_key), key=lambda a: a.id, default=None)

    async def keys_not_quiet(self) -> set[str]:
        return {a.dedup_key for a in self.rows.values()
                if a.status in OPEN or (a.status == RESOLVED and a.resolved_by != AUTO and a.cleared_at is None)}

    async def open_of_kind(self, kind: str) -> list[Alarm]:
        return [a for a in sorted(self.rows.values(), key=lambda a: a.id) if a.kind == kind and a.status in OPEN]

    async def transition(self, alarm_id: int, expected: str, **fields: Any) -> Alarm | None:
        alarm = self.rows.get(alarm_id)
        if alarm is None or alarm.status != expected:
            return None
        self.rows[alarm_id] = replace(alarm, **fields)
        return self.rows[alarm_id]

    async def list(self, query: AlarmQuery, *, limit: int = 50, offset: int = 0) -> Page:
        def keep(a: Alarm) -> bool:
            return (all(value is None or getattr(a, name) == value for name, value in (
                ("status", query.status), ("severity", query.severity), ("kind", query.kind),
                ("station_id", query.station_id), ("charge_point_id", query.charge_point_id)))
                and (query.since is None or a.raised_at >= query.since)
                and (query.until is None or a.raised_at < query.until))
        return _page([a for a in sorted(self.rows.values(), key=lambda a: -a.id) if keep(a)], limit, offset)

    async def timings(self, *, since: datetime, until: datetime, station_id: int | None = None) -> list[AlarmTiming]:
        return [AlarmTiming(a.station_id, a.raised_at, a.acknowledged_at, a.resolved_at, a.resolved_by)
                for a in sorted(self.rows.values(), key=lambda a: (a.raised_at, a.id))
                if since <= a.raised_at < until and (station_id is None or a.station_id == station_id)]


class FakeWorkOrderRepository:
    def __init__(self, clock: FakeClock | None = None):
        self.clock = clock or FakeClock()
        self.rows: dict[int, WorkOrder] = {}

    async def create(self, *, alarm_id: int, station_id: int | None, charge_point_id: str | None, created_by: str,
                     assignee: str | None, at: datetime) -> tuple[WorkOrder, bool]:
        existing = await self.for_alarm(alarm_id)
        if existing is not None:
            return existing, False
        order = WorkOrder(len(self.rows) + 1, alarm_id, WO_OPEN, station_id, charge_point_id, created_by, at, at,
                          assignee=assignee)
        self.rows[order.id] = order
        return order, True

    async def get(self, work_order_id: int) -> WorkOrder | None:
        return self.rows.get(work_order_id)

    async def for_alarm(self, alarm_id: int) -> WorkOrder | None:
        return next((w for w in self.rows.values() if w.alarm_id == alarm_id), None)

    async def for_alarms(self, alarm_ids: list[int]) -> list[WorkOrder]:
        return [w for w in self.rows.values() if w.alarm_id in alarm_ids]

    async def transition(self, work_order_id: int, expected: str, **fields: Any) -> WorkOrder | None:
        order = self.rows.get(work_order_id)
        if order is None or order.status != expected:
            return None
        self.rows[work_order_id] = replace(order, **fields, updated_at=self.clock.now())
        return self.rows[work_order_id]

    async def add_note(self, work_order_id: int, note: WorkNote) -> WorkNote:
        order = self.rows[work_order_id]
        stored = replace(note, text=note.text[:2000], id=sum(len(w.notes) for w in self.rows.values()) + 1)
        self.rows[work_order_id] = replace(order, notes=(*order.notes, stored), updated_at=self.clock.now())
        return stored

    async def list(self, *, status: str | None = None, assignee: str | None = None, station_id: int | None = None,
                   charge_point_id: str | None = None, limit: int = 50, offset: int = 0) -> Page:
        items = [w for w in sorted(self.rows.values(), key=lambda w: -w.id)
                 if all(value is None or getattr(w, name) == value for name, value in (
                     ("status", status), ("assignee", assignee), ("station_id", station_id),
                     ("charge_point_id", charge_point_id)))]
        return _page(items, limit, offset)


class _FakeConfigured:
    cls: type = object

    def __init__(self, clock: FakeClock | None = None):
        self.clock = clock or FakeClock()
        self.rows: dict[int, Any] = {}

    async def create(self, **fields: Any):
        if any(r.name == fields["name"] for r in self.rows.values()):
            raise Conflict(f"{self.cls.__name__.lower()} exists")
        now = self.clock.now()
        item = self.cls(id=max(self.rows, default=0) + 1, **fields, created_at=now, updated_at=now)
        self.rows[item.id] = item
        return item

    async def get(self, item_id: int):
        return self.rows.get(item_id)

    async def list(self) -> list:
        return [self.rows[k] for k in sorted(self.rows)]

    async def update(self, item_id: int, **fields: Any):
        if item_id in self.rows and fields:
            if "name" in fields and any(r.name == fields["name"] and r.id != item_id for r in self.rows.values()):
                raise Conflict(f"{self.cls.__name__.lower()} exists")
            self.rows[item_id] = replace(self.rows[item_id], **fields, updated_at=self.clock.now())
        return self.rows.get(item_id)

    async def delete(self, item_id: int) -> bool:
        return self.rows.pop(item_id, None) is not None


class FakeChannelRepository(_FakeConfigured):
    cls = Channel

    async def create(self, *, name: str, type: str, targets: tuple[str, ...], enabled: bool) -> Channel:
        return await super().create(name=name, type=type, targets=tuple(targets), enabled=enabled)


class FakeRuleRepository(_FakeConfigured):
    cls = Rule


class FakeDeliveryRepository:
    def __init__(self, clock: FakeClock | None = None):
        self.rows: list[Delivery] = []

    async def add(self, delivery: Delivery) -> Delivery:
        stored = replace(delivery, id=len(self.rows) + 1, error=delivery.error[:512] if delivery.error else None)
        self.rows.append(stored)
        return stored

    async def list(self, *, alarm_id: int | None = None, channel_id: int | None = None, status: str | None = None,
                   limit: int = 50, offset: int = 0) -> Page:
        items = [d for d in reversed(self.rows) if all(value is None or getattr(d, name) == value for name, value in (
            ("alarm_id", alarm_id), ("channel_id", channel_id), ("status", status)))]
        return _page(items, limit, offset)


class FakeOperatorContactRepository:
    def __init__(self, clock: FakeClock | None = None):
        self.rows: dict[int, tuple[str, str, datetime]] = {}

    async def bind(self, operator_id: int, username: str, openid: str, at: datetime) -> None:
        self.rows[operator_id] = (username, openid, at)

    async def unbind(self, operator_id: int) -> bool:
        return self.rows.pop(operator_id, None) is not None

    async def get(self, operator_id: int) -> tuple[str, datetime] | None:
        found = self.rows.get(operator_id)
        return (found[1], found[2]) if found else None

    async def openids(self, usernames: tuple[str, ...] = ()) -> list[tuple[str, str]]:
        return sorted((u, o) for u, o, _ in self.rows.values() if not usernames or u in usernames)
