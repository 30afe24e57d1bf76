"""Builders for smart-charging tests: fill in what a test does not care about."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from csms.domain.smart_charging import ChargingProfile, ChargingSchedule, InstalledProfile, SchedulePeriod

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def periods(*pairs: tuple[int, float]) -> tuple[SchedulePeriod, ...]:
    return tuple(SchedulePeriod(start, limit) for start, limit in pairs)


def a_profile(**overrides: Any) -> ChargingProfile:
    schedule = overrides.pop("schedule", None) or ChargingSchedule(
        charging_rate_unit=overrides.pop("unit", "A"), periods=overrides.pop("periods", periods((0, 16))),
        duration=overrides.pop("duration", None),
        start_schedule=overrides.pop("start_schedule", None if overrides.get("kind") == "Relative" else T0))
    fields = {"id": 1, "stack_level": 0, "purpose": "TxDefaultProfile", "kind": "Absolute", "schedule": schedule}
    fields.update(overrides)
    return ChargingProfile(**fields)


def installed(profile: ChargingProfile | None = None, evse_id: int = 0, cp_id: str = "CP1",
              **overrides) -> InstalledProfile:
    return InstalledProfile(cp_id, evse_id, profile or a_profile(**overrides))
