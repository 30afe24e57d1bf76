"""OCPP 2.0.1 Smart Charging (block K): neutral commands -> CALLs, answers -> neutral results, and
the station's reports (profiles, limits, EV charging needs and schedules) -> the neutral service."""

from __future__ import annotations

from csms.domain import smart_charging as sc
from csms.ocpp.routing import CallContext
from csms.ocpp.v16.smart_charging import neutral_periods
from csms.ocpp.frames import ocpp_time, parse_time
from csms.services.charging_needs import ChargingNeeds, ChargingNeedsService, EVSchedule
from csms.services.smart_charging import SmartChargingService

_PURPOSE_OUT = {sc.MAX_PROFILE: "ChargingStationMaxProfile"}
_PURPOSE_IN = {"ChargingStationMaxProfile": sc.MAX_PROFILE}


def _drop_none(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


def _time(dt):
    return ocpp_time(dt) if dt is not None else None


def purpose_out(purpose: str | None) -> str | None:
    return _PURPOSE_OUT.get(purpose, purpose) if purpose is not None else None


def charging_profile(p: sc.ChargingProfile, ocpp_tx_id: str | None) -> dict:
    s = p.schedule
    return _drop_none({
        "id": p.id, "stackLevel": p.stack_level, "chargingProfilePurpose": purpose_out(p.purpose),
        "chargingProfileKind": p.kind, "recurrencyKind": p.recurrency_kind, "validFrom": _time(p.valid_from),
        "validTo": _time(p.valid_to), "transactionId": ocpp_tx_id,
        "chargingSchedule": [_drop_none({
            "id": p.id, "startSchedule": _time(s.start_schedule), "duration": s.duration,
            "chargingRateUnit": s.charging_rate_unit, "minChargingRate": s.min_charging_rate,
            "chargingSchedulePeriod": [_drop_none({"startPeriod": x.start_period, "limit": x.limit,
                                                   "numberPhases": x.number_phases}) for x in s.periods]})]})


def profile_in(d: dict) -> tuple[sc.ChargingProfile, str | None]:
    """A reported 2.0.1 chargingProfile -> (neutral profile, the station's transaction id). The first
    of its schedules is kept (a station sends more than one only for ISO 15118 negotiations)."""
    s = d["chargingSchedule"][0]
    schedule = sc.ChargingSchedule(
        charging_rate_unit=s["chargingRateUnit"], duration=s.get("duration"),
        periods=tuple(sc.SchedulePeriod(x["startPeriod"], x["limit"], x.get("numberPhases"))
                      for x in s["chargingSchedulePeriod"]),
        start_schedule=parse_time(s["startSchedule"]) if s.get("startSchedule") else None,
        min_charging_rate=s.get("minChargingRate"))
    profile = sc.ChargingProfile(
        id=d["id"], stack_level=d["stackLevel"], purpose=_PURPOSE_IN.get(d["chargingProfilePurpose"],
                                                                         d["chargingProfilePurpose"]),
        kind=d["chargingProfileKind"], schedule=schedule, recurrency_kind=d.get("recurrencyKind"),
        valid_from=parse_time(d["validFrom"]) if d.get("validFrom") else None,
        valid_to=parse_time(d["validTo"]) if d.get("validTo") else None)
    return profile, d.get("transactionId")


def _set(cmd: sc.SetChargingProfile) -> tuple[str, dict]:
    return "SetChargingProfile", {"evseId": cmd.evse_id,
                                  "chargingProfile": charging_profile(cmd.profile, cmd.ocpp_transaction_id)}


def _clear(cmd: sc.ClearChargingProfile) -> tuple[str, dict]:
    if cmd.profile_id is not None:
        return "ClearChargingProfile", {"chargingProfileId": cmd.profile_id}
    criteria = _drop_none({"evseId": cmd.evse_id, "chargingProfilePurpose": purpose_out(cmd.purpose),
                           "stackLevel": cmd.stack_level})
    return "ClearChargingProfile", {"chargingProfileCriteria": criteria} if criteria else {}


def _get_profiles(cmd: sc.GetChargingProfiles) -> tuple[str, dict]:
    criterion = _drop_none({"chargingProfilePurpose": purpose_out(cmd.purpose), "stackLevel": cmd.stack_level,
                            "chargingProfileId": list(cmd.profile_ids) or None,
                            "chargingLimitSource": list(cmd.sources) or None})
    return "GetChargingProfiles", _drop_none({"requestId": cmd.request_id, "evseId": cmd.evse_id,
                                              "chargingProfile": criterion})


def _composite(cmd: sc.GetCompositeSchedule) -> tuple[str, dict]:
    return "GetCompositeSchedule", _drop_none({"duration": cmd.duration, "evseId": cmd.evse_id,
                                               "chargingRateUnit": cmd.charging_rate_unit})


def _composite_result(cmd: sc.GetCompositeSchedule, resp: dict) -> dict:
    out: dict = {"status": resp["status"]}
    s = resp.get("schedule")
    if s is not None:
        out["schedule"] = {"evse_id": s["evseId"], "schedule_start": ocpp_time(parse_time(s["scheduleStart"])),
                           "duration": s["duration"], "charging_rate_unit": s["chargingRateUnit"],
                           "periods": neutral_periods(s["chargingSchedulePeriod"])}
    return out


def _status(_cmd, resp: dict) -> dict:
    return {"status": resp["status"]}


ENCODERS = {
    sc.SetChargingProfile: (_set, _status),
    sc.ClearChargingProfile: (_clear, _status),
    sc.GetChargingProfiles: (_get_profiles, _status),
    sc.GetCompositeSchedule: (_composite, _composite_result),
}


def _without_custom(req: dict) -> dict:
    return {k: v for k, v in req.items() if k != "customData"}


def needs_in(req: dict) -> ChargingNeeds:
    n = req["chargingNeeds"]
    ac, dc = n.get("acChargingParameters") or {}, n.get("dcChargingParameters") or {}
    return ChargingNeeds(
        evse_id=req["evseId"], energy_transfer=n["requestedEnergyTransfer"],
        departure=parse_time(n["departureTime"]) if n.get("departureTime") else None,
        max_current=ac.get("evMaxCurrent", dc.get("evMaxCurrent")), min_current=ac.get("evMinCurrent"),
        max_voltage=ac.get("evMaxVoltage", dc.get("evMaxVoltage")), max_power=dc.get("evMaxPower"),
        energy_wh=ac.get("energyAmount", dc.get("energyAmount")), max_schedule_tuples=req.get("maxScheduleTuples"))


def ev_schedule_in(req: dict) -> EVSchedule:
    s = req["chargingSchedule"]
    return EVSchedule(req["evseId"], parse_time(req["timeBase"]), s["chargingRateUnit"],
                      tuple(sc.SchedulePeriod(x["startPeriod"], x["limit"], x.get("numberPhases"))
                            for x in s["chargingSchedulePeriod"]), s.get("duration"))


class V201SmartChargingHandlers:
    def __init__(self, smart_charging: SmartChargingService, charging_needs: ChargingNeedsService):
        self.sc = smart_charging
        self.needs = charging_needs

    async def report_charging_profiles(self, ctx: CallContext, req: dict) -> dict:
        pairs = [profile_in(p) for p in req["chargingProfile"]]
        await self.sc.reported_profiles(ctx.cp_id, req["evseId"], req["chargingLimitSource"],
                                        [p for p, _ in pairs], [tx for _, tx in pairs])
        return {}

    async def notify_charging_limit(self, ctx: CallContext, req: dict) -> dict:
        await self.sc.report(ctx.cp_id, "charging_limit", req.get("evseId"), _without_custom(req))
        return {}

    async def cleared_charging_limit(self, ctx: CallContext, req: dict) -> dict:
        await self.sc.report(ctx.cp_id, "charging_limit_cleared", req.get("evseId"), _without_custom(req))
        return {}

    async def notify_ev_charging_needs(self, ctx: CallContext, req: dict) -> dict:
        await self.sc.report(ctx.cp_id, "ev_charging_needs", req["evseId"], _without_custom(req))
        status, follow_up = await self.needs.needs_received(ctx.cp_id, needs_in(req))
        if follow_up is not None:
            ctx.then(follow_up)          # SetChargingProfile once the answer is sent (K15.FR.05)
        return {"status": status}

    async def notify_ev_charging_schedule(self, ctx: CallContext, req: dict) -> dict:
        await self.sc.report(ctx.cp_id, "ev_charging_schedule", req["evseId"], _without_custom(req))
        status, follow_up = await self.needs.schedule_received(ctx.cp_id, ev_schedule_in(req))
        if follow_up is not None:
            ctx.then(follow_up)          # the renegotiation's new TxProfile (K16/K17)
        return {"status": status}
