"""Work orders on fakes with a fake clock: acknowledging opens one; assignee, notes, the lifecycle
open -> in_progress -> resolved / closed with its times; resolving the alarm or the work order
resolves the other; an alarm that resolves itself leaves a note."""

from __future__ import annotations

from datetime import timedelta

import pytest

from csms.domain.alarms import CONNECTOR_FAULT, Signal
from csms.domain.events import AlarmChanged, WorkOrderChanged
from csms.domain.states import IllegalTransition
from csms.services.alarms import UnknownAlarm
from csms.services.work_orders import NoWorkOrder, UnknownAssignee, UnknownWorkOrder
from tests.fakes import EPOCH
from tests.unit.csms.services.operations_world import STATION, ops

FAULT = Signal(CONNECTOR_FAULT, "CP1", 1, 1, type="GroundFailure")


@pytest.fixture
async def o():
    o = ops(debounce={"connector_fault": 0})
    o.alarm = await o.alarms.observe(FAULT)
    return o


def order_changes(o) -> list[str]:
    return [e.change for e in o.bus.of(WorkOrderChanged)]


async def test_acknowledging_opens_one_work_order_assigned_to_whoever_acknowledged(o):
    o.clock.advance(30)
    alarm, order = await o.work_orders.acknowledge(o.alarm.id, "alice", note="on my way")
    assert alarm.status == "Acknowledged"
    assert (order.status, order.assignee, order.created_by, order.station_id, order.charge_point_id) == (
        "open", "alice", "alice", STATION, "CP1")
    assert [(n.author, n.text, n.at) for n in order.notes] == [("alice", "on my way", EPOCH + timedelta(seconds=30))]
    again_alarm, again = await o.work_orders.acknowledge(o.alarm.id, "bob")
    assert again.id == order.id and again_alarm.acknowledged_by == "alice"
    assert order_changes(o) == ["opened", "noted"]


async def test_acknowledging_with_an_assignee_who_is_no_active_operator_changes_nothing(o):
    with pytest.raises(UnknownAssignee):
        await o.work_orders.acknowledge(o.alarm.id, "alice", assignee="gone")
    assert (await o.alarms.get(o.alarm.id)).status == "Raised" and await o.work_orders.for_alarm(o.alarm.id) is None


async def test_assign_and_note_need_the_work_order(o):
    with pytest.raises(NoWorkOrder):
        await o.work_orders.assign(o.alarm.id, "bob", "alice")
    with pytest.raises(NoWorkOrder):
        await o.work_orders.note(o.alarm.id, "alice", "looked at it")
    with pytest.raises(UnknownAlarm):
        await o.work_orders.note(404, "alice", "?")
    await o.work_orders.acknowledge(o.alarm.id, "alice")
    order = await o.work_orders.assign(o.alarm.id, "bob", "alice")
    assert order.assignee == "bob"
    assert [e.change for e in o.bus.of(AlarmChanged)][-1] == "assigned"      # the feed's alarm rows show it
    with pytest.raises(UnknownAssignee):
        await o.work_orders.assign(o.alarm.id, "nobody", "alice")
    order = await o.work_orders.note(o.alarm.id, "bob", "RCD tripped")
    assert [n.text for n in order.notes] == ["RCD tripped"]


async def test_the_lifecycle_with_its_times(o):
    _, order = await o.work_orders.acknowledge(o.alarm.id, "alice")
    o.clock.advance(60)
    order = await o.work_orders.update(order.id, "alice", status="in_progress")
    assert (order.status, order.started_at) == ("in_progress", EPOCH + timedelta(seconds=60))
    o.clock.advance(600)
    order = await o.work_orders.update(order.id, "alice", status="resolved", resolution="replaced the RCD")
    assert (order.status, order.resolution, order.resolved_at) == ("resolved", "replaced the RCD",
                                                                  EPOCH + timedelta(seconds=660))
    alarm = await o.alarms.get(o.alarm.id)
    assert (alarm.status, alarm.resolved_by, alarm.resolution) == ("Resolved", "alice", "replaced the RCD")
    with pytest.raises(IllegalTransition):
        await o.work_orders.update(order.id, "alice", status="in_progress")
    o.clock.advance(60)
    order = await o.work_orders.update(order.id, "bob", status="closed")
    assert (order.status, order.closed_at) == ("closed", EPOCH + timedelta(seconds=720))
    assert order_changes(o) == ["opened", "in_progress", "resolved", "closed"]
    with pytest.raises(UnknownWorkOrder):
        await o.work_orders.update(999, "bob", status="closed")


async def test_resolving_the_alarm_resolves_its_work_order(o):
    _, order = await o.work_orders.acknowledge(o.alarm.id, "alice")
    alarm, order = await o.work_orders.resolve_alarm(o.alarm.id, "alice", "reset remotely")
    assert (alarm.status, order.status, order.resolution) == ("Resolved", "resolved", "reset remotely")


async def test_an_alarm_resolved_without_a_work_order_has_none(o):
    alarm, order = await o.work_orders.resolve_alarm(o.alarm.id, "alice", None)
    assert alarm.status == "Resolved" and order is None


async def test_a_cause_that_clears_notes_it_on_the_open_work_order(o):
    _, order = await o.work_orders.acknowledge(o.alarm.id, "alice")
    o.clock.advance(120)
    cleared = await o.alarms.clear(FAULT)
    await o.work_orders.on_alarm_changed(AlarmChanged(cleared, "resolved", o.clock.now()))
    order = await o.work_orders.get(order.id)
    assert order.status == "open" and order.notes[-1].author == "system"
    assert "the alarm resolved itself" in order.notes[-1].text
    await o.work_orders.on_alarm_changed(AlarmChanged(cleared, "repeated", o.clock.now()))    # other changes: nothing
    assert len((await o.work_orders.get(order.id)).notes) == 1


async def test_the_list_filters(o):
    await o.work_orders.acknowledge(o.alarm.id, "alice", assignee="bob")
    other = await o.alarms.observe(Signal(CONNECTOR_FAULT, "CP2", 1, 1))
    await o.work_orders.acknowledge(other.id, "alice")
    assert [w.alarm_id for w in (await o.work_orders.list(assignee="bob")).items] == [o.alarm.id]
    assert [w.alarm_id for w in (await o.work_orders.list(charge_point_id="CP2")).items] == [other.id]
    assert (await o.work_orders.list(status="open")).total == 2
    assert set(await o.work_orders.for_alarms([o.alarm.id, other.id])) == {o.alarm.id, other.id}
