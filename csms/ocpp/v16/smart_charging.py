"""OCPP 1.6 Smart Charging profile: neutral commands -> CALLs, answers -> neutral results. Pure."""

from __future__ import annotations

from csms.domain import smart_charging as sc
from csms.ocpp.frames import ocpp_time, parse_time


def _drop_none(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


def _time(dt):
    return ocpp_time(dt) if dt is not None else None


def schedule(s: sc.ChargingSchedule) -> dict:
    return _drop_none({
        "duration": s.duration, "startSchedule": _time(s.start_schedule), "chargingRateUnit": s.charging_rate_unit,
        "chargingSchedulePeriod": [_drop_none({"startPeriod": p.start_period, "limit": p.limit,
                                               "numberPhases": p.number_phases}) for p in s.periods],
        "minChargingRate": s.min_charging_rate})


def cs_charging_profile(p: sc.ChargingProfile, ocpp_tx_id: str | None) -> dict:
    return _drop_none({
        "chargingProfileId": p.id, "transactionId": int(ocpp_tx_id) if ocpp_tx_id is not None else None,
        "stackLevel": p.stack_level, "chargingProfilePurpose": p.purpose, "chargingProfileKind": p.kind,
        "recurrencyKind": p.recurrency_kind, "validFrom": _time(p.valid_from), "validTo": _time(p.valid_to),
        "chargingSchedule": schedule(p.schedule)})


def _set(cmd: sc.SetChargingProfile) -> tuple[str, dict]:
    return "SetChargingProfile", {"connectorId": cmd.evse_id,
                                  "csChargingProfiles": cs_charging_profile(cmd.profile, cmd.ocpp_transaction_id)}


def _clear(cmd: sc.ClearChargingProfile) -> tuple[str, dict]:
    return "ClearChargingProfile", _drop_none({"id": cmd.profile_id, "connectorId": cmd.evse_id,
                                               "chargingProfilePurpose": cmd.purpose, "stackLevel": cmd.stack_level})


def _composite(cmd: sc.GetCompositeSchedule) -> tuple[str, dict]:
    return "GetCompositeSchedule", _drop_none({"connectorId": cmd.evse_id, "duration": cmd.duration,
                                               "chargingRateUnit": cmd.charging_rate_unit})


def neutral_periods(periods: list[dict]) -> list[dict]:
    return [_drop_none({"start_period": p["startPeriod"], "limit": p["limit"], "number_phases": p.get("numberPhases")})
            for p in periods]


def _composite_result(cmd: sc.GetCompositeSchedule, resp: dict) -> dict:
    out: dict = {"status": resp["status"]}
    s = resp.get("chargingSchedule")
    if s is not None:
        start = resp.get("scheduleStart") or s.get("startSchedule")
        out["schedule"] = _drop_none({
            "evse_id": resp.get("connectorId", cmd.evse_id),
            "schedule_start": ocpp_time(parse_time(start)) if start else None,
            "duration": s.get("duration"), "charging_rate_unit": s["chargingRateUnit"],
            "periods": neutral_periods(s["chargingSchedulePeriod"])})
    return out


def _status(_cmd, resp: dict) -> dict:
    return {"status": resp["status"]}


ENCODERS = {
    sc.SetChargingProfile: (_set, _status),
    sc.ClearChargingProfile: (_clear, _status),
    sc.GetCompositeSchedule: (_composite, _composite_result),
}
