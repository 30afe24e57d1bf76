"""The alarm and work order lifecycles, dedup keys and the MTTA / MTTR arithmetic (no I/O)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from csms.domain.alarms import (ALARM, KINDS, SEVERITIES, WORK_ORDER, AlarmTiming, Signal, dedup_key,
                                response_times)
from csms.domain.states import IllegalTransition
from tests.fakes import EPOCH


def test_the_alarm_lifecycle():
    assert ALARM.can("Raised", "Acknowledged") and ALARM.can("Acknowledged", "Resolved")
    assert ALARM.can("Raised", "Resolved")                       # a cause may clear before anyone acknowledged
    for current, target in (("Resolved", "Raised"), ("Resolved", "Acknowledged"), ("Acknowledged", "Raised")):
        with pytest.raises(IllegalTransition):
            ALARM.check(current, target)


def test_the_work_order_lifecycle():
    assert [s for s in ("in_progress", "resolved", "closed") if WORK_ORDER.can("open", s)] == [
        "in_progress", "resolved", "closed"]
    assert WORK_ORDER.can("in_progress", "open") and WORK_ORDER.can("resolved", "closed")
    assert not WORK_ORDER.can("closed", "open") and not WORK_ORDER.can("resolved", "in_progress")


def test_every_kind_has_a_known_severity_and_a_debounce():
    assert all(seconds >= 0 and severity in SEVERITIES for seconds, severity in KINDS.values())


def test_dedup_keys_name_kind_charge_point_connector_and_subject():
    assert Signal("connector_fault", "CP1", 1, 2).key == "connector_fault|CP1|1/2|"
    assert Signal("payment_failure", None, subject="prepay").key == "payment_failure|-|0/0|prepay"
    long = dedup_key("device_problem", "CP-" + "x" * 44, 1, 1, "Component" * 20)
    assert len(long) <= 160 and long.startswith("device_problem|")
    assert long == dedup_key("device_problem", "CP-" + "x" * 44, 1, 1, "Component" * 20)


def test_response_times_average_what_happened():
    t = [AlarmTiming(1, EPOCH, EPOCH + timedelta(seconds=10), EPOCH + timedelta(seconds=70), "alice"),
         AlarmTiming(1, EPOCH, None, EPOCH + timedelta(seconds=30), "auto"),
         AlarmTiming(1, EPOCH, EPOCH + timedelta(seconds=21), None, None)]
    r = response_times(t, 1, "2024-05-01")
    assert (r.alarms, r.acknowledged, r.resolved, r.auto_resolved, r.mtta_s, r.mttr_s) == (3, 2, 2, 1, 15.5, 50.0)
    empty = response_times([], None, None)
    assert (empty.alarms, empty.mtta_s, empty.mttr_s) == (0, None, None)
