"""Routing rules and quiet hours (no I/O)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from csms.domain.alarms import Alarm
from csms.domain.notifications import Rule, matches, quiet, target_problem
from tests.fakes import EPOCH

ALARM = Alarm(1, "connector_fault", "major", "Raised", "k", "CP1", 7, 1, 1, "", "GroundFailure", "m", 1, EPOCH, EPOCH)
RULE = Rule(1, "r", (1,))


def utc(hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 5, 1, hour, minute, tzinfo=timezone.utc)


def test_a_rule_matches_by_severity_station_kind_and_change():
    assert matches(RULE, ALARM, "raised") and not matches(RULE, ALARM, "resolved")
    assert not matches(replace(RULE, min_severity="critical"), ALARM, "raised")
    assert matches(replace(RULE, min_severity="major"), ALARM, "raised")
    assert matches(replace(RULE, station_ids=(7, 8)), ALARM, "raised")
    assert not matches(replace(RULE, station_ids=(8,)), ALARM, "raised")
    assert not matches(replace(RULE, station_ids=(8,)), replace(ALARM, station_id=None), "raised")
    assert not matches(replace(RULE, kinds=("charge_point_offline",)), ALARM, "raised")
    assert not matches(replace(RULE, enabled=False), ALARM, "raised")


def test_quiet_hours_across_midnight_in_the_rules_time_zone():
    night = replace(RULE, quiet_start="22:00", quiet_end="07:00")           # Asia/Shanghai: UTC+8
    assert quiet(night, ALARM, utc(14, 0))                                  # 22:00 local
    assert quiet(night, ALARM, utc(22, 59))                                 # 06:59 local
    assert not quiet(night, ALARM, utc(23, 0))                              # 07:00 local: over
    assert not quiet(night, ALARM, utc(13, 59))
    assert not quiet(night, replace(ALARM, severity="critical"), utc(16))   # critical passes
    lunch = replace(RULE, quiet_start="12:00", quiet_end="13:30", timezone="UTC")
    assert quiet(lunch, ALARM, utc(12, 30)) and not quiet(lunch, ALARM, utc(13, 30))
    assert not quiet(RULE, ALARM, utc(2))                                   # no quiet hours


def test_targets_are_checked_per_channel_type():
    assert target_problem("sms", "+8613800138000") is None and target_problem("sms", "call me")
    assert target_problem("email", "ops@example.com") is None and target_problem("email", "ops")
    assert target_problem("webhook", "https://x.example/h") is None and target_problem("webhook", "ftp://x")
