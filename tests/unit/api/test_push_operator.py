"""The operator feed's role scoping and its alarm / work order messages (api/push_operator.py)."""

from __future__ import annotations

from dataclasses import replace

from api import push_operator
from api.auth import GRANTS, ROLES
from csms.domain.alarms import Alarm, WorkOrder
from csms.domain.events import AlarmChanged, WorkOrderChanged
from tests.fakes import EPOCH

ALARM = Alarm(4, "connector_fault", "major", "Raised", "k", "CP1", 7, 1, 1, "", "GroundFailure", "m", 1, EPOCH, EPOCH)


def test_every_role_sees_alarms_and_only_operators_and_up_tail_ocpp_frames():
    for role in ROLES:
        assert push_operator.may_see(role, "alarm") and push_operator.may_see(role, "work_order")
        assert push_operator.may_see(role, "message") == ("operator" in GRANTS[role])
    assert push_operator.may_see("viewer", "alarm") and push_operator.may_see("viewer", "connector")
    assert not push_operator.may_see("viewer", "message")       # a read-only role (issue 11's viewer)


def test_alarm_and_work_order_messages():
    message = push_operator.FEED[AlarmChanged](AlarmChanged(replace(ALARM, count=3), "repeated", EPOCH))
    assert (message["type"], message["event"], message["data"]["id"], message["data"]["count"]) == (
        "alarm", "repeated", 4, 3)
    assert message["data"]["raised_at"] == "2024-05-01T08:00:00.000Z" and "work_order" not in message["data"]
    order = WorkOrder(9, 4, "open", 7, "CP1", "alice", EPOCH, EPOCH, assignee="bob")
    message = push_operator.FEED[WorkOrderChanged](WorkOrderChanged(order, "assigned", EPOCH))
    assert (message["type"], message["event"], message["data"]["assignee"], message["data"]["notes"]) == (
        "work_order", "assigned", "bob", [])
