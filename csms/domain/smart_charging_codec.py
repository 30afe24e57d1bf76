"""Neutral charging profiles and display messages <-> their neutral snake_case JSON form (the REST
body, the stored row, the API answer). Pure functions."""

from __future__ import annotations

from datetime import datetime

from csms.domain.smart_charging import (ChargingProfile, ChargingSchedule, DisplayMessage, SchedulePeriod)
from csms.domain.times import iso as _ts, parse_iso


def _time(value: str | None) -> datetime | None:
    return parse_iso(value) if value else None


def _number(x: float) -> float | int:
    """A whole number as an int (3.0 -> 3), within the range a float holds exactly; beyond it (a limit
    of 1.8e19 W is schema-valid) the float, which JSON and the database can keep."""
    return int(x) if float(x).is_integer() and abs(x) < 2**53 else float(x)


def schedule_from_dict(d: dict) -> ChargingSchedule:
    return ChargingSchedule(
        charging_rate_unit=d["charging_rate_unit"],
        periods=tuple(SchedulePeriod(p["start_period"], p["limit"], p.get("number_phases")) for p in d["periods"]),
        duration=d.get("duration"), start_schedule=_time(d.get("start_schedule")),
        min_charging_rate=d.get("min_charging_rate"))


def schedule_to_dict(s: ChargingSchedule) -> dict:
    out: dict = {"charging_rate_unit": s.charging_rate_unit,
                 "periods": [{"start_period": p.start_period, "limit": _number(p.limit),
                              **({"number_phases": p.number_phases} if p.number_phases is not None else {})}
                             for p in s.periods]}
    if s.duration is not None:
        out["duration"] = s.duration
    if s.start_schedule is not None:
        out["start_schedule"] = _ts(s.start_schedule)
    if s.min_charging_rate is not None:
        out["min_charging_rate"] = _number(s.min_charging_rate)
    return out


def profile_from_dict(d: dict) -> ChargingProfile:
    return ChargingProfile(
        id=d["id"], stack_level=d["stack_level"], purpose=d["purpose"], kind=d["kind"],
        schedule=schedule_from_dict(d["schedule"]), recurrency_kind=d.get("recurrency_kind"),
        valid_from=_time(d.get("valid_from")), valid_to=_time(d.get("valid_to")),
        transaction_id=d.get("transaction_id"))


def profile_to_dict(p: ChargingProfile) -> dict:
    out: dict = {"id": p.id, "stack_level": p.stack_level, "purpose": p.purpose, "kind": p.kind,
                 "schedule": schedule_to_dict(p.schedule)}
    for key, value in (("recurrency_kind", p.recurrency_kind), ("valid_from", _ts(p.valid_from)),
                       ("valid_to", _ts(p.valid_to)), ("transaction_id", p.transaction_id)):
        if value is not None:
            out[key] = value
    return out


def message_from_dict(d: dict, message_id: int) -> DisplayMessage:
    m = d["message"]
    return DisplayMessage(id=message_id, priority=d["priority"], format=m["format"], content=m["content"],
                          language=m.get("language"), state=d.get("state"), start_at=_time(d.get("start_date")),
                          end_at=_time(d.get("end_date")), transaction_id=d.get("transaction_id"),
                          evse_id=d.get("evse_id"))


def message_to_dict(m: DisplayMessage) -> dict:
    message = {"format": m.format, "content": m.content}
    if m.language is not None:
        message["language"] = m.language
    return {"id": m.id, "priority": m.priority, "message": message, "state": m.state,
            "start_date": _ts(m.start_at), "end_date": _ts(m.end_at), "transaction_id": m.transaction_id,
            "evse_id": m.evse_id, "source": m.source, "updated_at": _ts(m.updated_at)}
