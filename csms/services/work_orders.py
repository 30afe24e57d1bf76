"""Work orders (处理记录): acknowledging an alarm opens one; it has an assignee, notes, a status
(csms.domain.alarms WORK_ORDER: open -> in_progress -> resolved / closed), a resolution and the
times of each step. Resolving either the alarm or its work order resolves the other."""

from __future__ import annotations

from datetime import datetime

from csms.domain import alarms as a
from csms.domain.alarms import Alarm, WorkNote, WorkOrder
from csms.domain.events import AlarmChanged, WorkOrderChanged
from csms.domain.models import Page
from csms.domain.repositories import OperatorRepository
from csms.domain.repositories_alarms import WorkOrderRepository
from csms.services.alarms import AlarmService
from csms.services.clock import Clock

SYSTEM = "system"                       # the author of notes nobody typed
STAMPS = {a.WO_IN_PROGRESS: "started_at", a.WO_RESOLVED: "resolved_at", a.WO_CLOSED: "closed_at"}


class UnknownWorkOrder(Exception):
    pass


class NoWorkOrder(Exception):
    """The alarm has no work order yet: it is opened by acknowledging the alarm."""


class UnknownAssignee(Exception):
    pass


class WorkOrderService:
    def __init__(self, repo: WorkOrderRepository, alarms: AlarmService, operators: OperatorRepository, bus,
                 clock: Clock):
        self.repo = repo
        self.alarms = alarms
        self.operators = operators
        self.bus = bus
        self.clock = clock

    # -- from the alarm ------------------------------------------------------------------------------
    async def acknowledge(self, alarm_id: int, by: str, *, assignee: str | None = None,
                          note: str | None = None) -> tuple[Alarm, WorkOrder]:
        """Acknowledge the alarm and open its work order (assigned to ``assignee``, else to whoever
        acknowledged). Again: the same alarm and work order (a note is still added)."""
        if assignee is not None:
            await self._check_assignee(assignee)
        alarm = await self.alarms.acknowledge(alarm_id, by)
        now = self.clock.now()
        order, created = await self.repo.create(alarm_id=alarm.id, station_id=alarm.station_id,
                                                charge_point_id=alarm.charge_point_id, created_by=by,
                                                assignee=assignee or by, at=now)
        if created:
            self._publish(order, "opened", now)
        if note:
            order = await self._note(order, by, note)
        return alarm, order

    async def assign(self, alarm_id: int, assignee: str, by: str) -> WorkOrder:
        await self._check_assignee(assignee)
        order = await self._of_alarm(alarm_id)
        return await self.update(order.id, by, assignee=assignee)

    async def note(self, alarm_id: int, by: str, text: str) -> WorkOrder:
        return await self._note(await self._of_alarm(alarm_id), by, text)

    async def resolve_alarm(self, alarm_id: int, by: str, resolution: str | None) -> tuple[Alarm, WorkOrder | None]:
        alarm = await self.alarms.resolve(alarm_id, by, resolution)
        order = await self.repo.for_alarm(alarm_id)
        if order is not None and order.status not in a.WO_FINAL:
            order = await self._move(order, a.WO_RESOLVED, resolution=resolution or alarm.resolution)
        return alarm, order

    async def on_alarm_changed(self, e: AlarmChanged) -> None:
        """An alarm whose cause cleared by itself: its open work order says so (the operator closes it)."""
        if e.change != "resolved" or e.alarm.resolved_by != a.AUTO:
            return
        order = await self.repo.for_alarm(e.alarm.id)
        if order is not None and order.status not in a.WO_FINAL:
            await self._note(order, SYSTEM, f"the cause cleared at {e.at.isoformat()}; the alarm resolved itself")

    # -- the work order itself -----------------------------------------------------------------------
    async def update(self, work_order_id: int, by: str, *, status: str | None = None, assignee: str | None = None,
                     resolution: str | None = None, note: str | None = None) -> WorkOrder:
        """Change what is given. Moving it to ``resolved`` resolves its alarm too (if still open)."""
        order = await self.get(work_order_id)
        if assignee is not None and assignee != order.assignee:
            await self._check_assignee(assignee)
            order = await self._set(order, "assigned", assignee=assignee)
            alarm = await self.alarms.get(order.alarm_id)
            self.alarms.changed(alarm, "assigned")
        if resolution is not None and status is None:
            order = await self._set(order, "updated", resolution=resolution)
        if note:
            order = await self._note(order, by, note)
        if status is not None and status != order.status:
            a.WORK_ORDER.check(order.status, status)
            order = await self._move(order, status, resolution=resolution or order.resolution)
            if status == a.WO_RESOLVED:
                alarm = await self.alarms.get(order.alarm_id)
                if alarm.status in a.OPEN:
                    await self.alarms.resolve(alarm.id, by, order.resolution)
        return order

    async def get(self, work_order_id: int) -> WorkOrder:
        order = await self.repo.get(work_order_id)
        if order is None:
            raise UnknownWorkOrder(f"work order {work_order_id} not found")
        return order

    async def for_alarm(self, alarm_id: int) -> WorkOrder | None:
        return await self.repo.for_alarm(alarm_id)

    async def for_alarms(self, alarm_ids: list[int]) -> dict[int, WorkOrder]:
        return {w.alarm_id: w for w in await self.repo.for_alarms(alarm_ids)}

    async def list(self, **filters) -> Page:
        return await self.repo.list(**filters)

    # -- steps -------------------------------------------------------------------------------------
    async def _of_alarm(self, alarm_id: int) -> WorkOrder:
        await self.alarms.get(alarm_id)             # UnknownAlarm first
        order = await self.repo.for_alarm(alarm_id)
        if order is None:
            raise NoWorkOrder(f"alarm {alarm_id} has no work order: acknowledge it first")
        return order

    async def _check_assignee(self, username: str) -> None:
        operator = await self.operators.get_by_username(username)
        if operator is None or not operator.active:
            raise UnknownAssignee(f"no active operator {username!r}")

    async def _note(self, order: WorkOrder, by: str, text: str) -> WorkOrder:
        now = self.clock.now()
        await self.repo.add_note(order.id, WorkNote(by, text, now))
        order = await self.get(order.id)
        self._publish(order, "noted", now)
        return order

    async def _set(self, order: WorkOrder, change: str, **fields) -> WorkOrder:
        for _ in range(3):                  # compare-and-set on the status it had
            moved = await self.repo.transition(order.id, order.status, **fields)
            if moved is not None:
                self._publish(moved, change, self.clock.now())
                return moved
            order = await self.get(order.id)
        raise RuntimeError(f"work order {order.id} keeps changing")

    async def _move(self, order: WorkOrder, status: str, **fields) -> WorkOrder:
        now = self.clock.now()
        a.WORK_ORDER.check(order.status, status)
        stamps = {STAMPS[status]: now} if status in STAMPS else {}
        moved = await self.repo.transition(order.id, order.status, status=status, **stamps, **fields)
        if moved is None:                   # moved under us: decide again on what it is now
            fresh = await self.get(order.id)
            return fresh if fresh.status == status else await self._move(fresh, status, **fields)
        self._publish(moved, status, now)
        return moved

    def _publish(self, order: WorkOrder, change: str, at: datetime) -> None:
        self.bus.publish(WorkOrderChanged(order, change, at))
