"""The ISO 15118 EV of a simulated 2.0.1 station (OCPP 2.0.1 K15, K16, K17): with ``iso15118=EV15118(...)``
the EV talks High Level Communication. When a session starts the station sends NotifyEVChargingNeeds
(the EV's AC or DC parameters, departure time, maxScheduleTuples); every TxProfile the CSMS then sets
for that EVSE's transaction is handed to the EV, which answers with its own charging schedule, sent as
NotifyEVChargingSchedule: the profile's limits capped at the EV's maximum (raised by ``overshoot`` for
the first ``overshoot_times`` schedules, to play an EV that asks for more than it was given). A new
TxProfile during a session is a CSMS-initiated renegotiation (K16); ``renegotiate()`` is the EV's (K17).
Mixed into ChargePoint201 (v201.py); ``negotiation`` records what was sent and answered."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from .protocol import utc_now

log = logging.getLogger("chargepoint_sim")


@dataclass(frozen=True)
class EV15118:
    energy_transfer: str = "AC_three_phase"   # DC | AC_single_phase | AC_two_phase | AC_three_phase
    max_current: int = 32                      # A
    min_current: int = 6                       # A (AC)
    max_voltage: int = 400                     # V
    max_power: int | None = None               # W (DC)
    energy_wh: int = 30_000
    departure_in: int | None = 3600            # seconds from now; None: no departure time
    max_schedule_tuples: int = 3
    overshoot: float = 0.0                     # added to the profile's limits in the EV's schedule
    overshoot_times: int = 0

    def needs(self) -> dict:
        if self.energy_transfer == "DC":
            parameters = {"dcChargingParameters": {
                "evMaxCurrent": self.max_current, "evMaxVoltage": self.max_voltage, "energyAmount": self.energy_wh,
                **({"evMaxPower": self.max_power} if self.max_power is not None else {})}}
        else:
            parameters = {"acChargingParameters": {
                "energyAmount": self.energy_wh, "evMinCurrent": self.min_current, "evMaxCurrent": self.max_current,
                "evMaxVoltage": self.max_voltage}}
        needs = {"requestedEnergyTransfer": self.energy_transfer, **parameters}
        if self.departure_in is not None:
            departure = datetime.now(UTC) + timedelta(seconds=self.departure_in)
            needs["departureTime"] = departure.strftime("%Y-%m-%dT%H:%M:%SZ")
        return needs

    def limit(self, unit: str) -> float:
        if unit == "W":
            return float(self.max_power if self.max_power is not None else self.max_current * self.max_voltage)
        return float(self.max_current)


class Iso15118EV:
    """Mixin; relies on ChargePoint201 (call, connectors, after_reply, notify, on_SetChargingProfile)."""

    def __init__(self, *args, iso15118: EV15118 | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.ev15118 = iso15118
        self.negotiation: list[tuple[str, object]] = []   # ("needs"|"schedule", status) and ("profile", payload)
        self._overshoots_left = iso15118.overshoot_times if iso15118 else 0

    async def start_session(self, connector_id: int, id_tag: str, **kwargs) -> str:
        tx_id = await super().start_session(connector_id, id_tag, **kwargs)
        if self.ev15118 is not None and self.ready:
            await self.send_charging_needs(connector_id)
        return tx_id

    async def send_charging_needs(self, evse_id: int) -> str:
        """NotifyEVChargingNeeds with the EV's parameters; returns the CSMS's status."""
        ev = self.ev15118 or EV15118()
        response = await self.call("NotifyEVChargingNeeds", {
            "evseId": evse_id, "maxScheduleTuples": ev.max_schedule_tuples, "chargingNeeds": ev.needs()})
        self.negotiation.append(("needs", response.get("status")))
        self.notify()
        return response.get("status")

    async def renegotiate(self, evse_id: int, **changes) -> str:
        """The EV asks for something else (K17): new parameters, new needs."""
        self.ev15118 = replace(self.ev15118 or EV15118(), **changes)
        return await self.send_charging_needs(evse_id)

    async def on_SetChargingProfile(self, payload: dict) -> dict:
        response = await super().on_SetChargingProfile(payload)
        raw, evse_id = payload["chargingProfile"], payload["evseId"]
        if (self.ev15118 is not None and response.get("status") == "Accepted"
                and raw["chargingProfilePurpose"] == "TxProfile"):
            self.negotiation.append(("profile", payload))
            self.after_reply(self._send_ev_schedule(evse_id, raw))
        return response

    def ev_schedule(self, raw_profile: dict) -> dict:
        """The EV's schedule for a TxProfile: its periods, each capped at the EV's maximum."""
        schedule = raw_profile["chargingSchedule"][0]
        unit = schedule["chargingRateUnit"]
        extra = 0.0
        if self._overshoots_left > 0:
            self._overshoots_left -= 1
            extra = self.ev15118.overshoot
        periods = [{"startPeriod": p["startPeriod"], "limit": min(p["limit"], self.ev15118.limit(unit)) + extra}
                   for p in schedule["chargingSchedulePeriod"]]
        out = {"id": schedule["id"], "chargingRateUnit": unit, "chargingSchedulePeriod": periods}
        if schedule.get("duration") is not None:
            out["duration"] = schedule["duration"]
        return out

    async def _send_ev_schedule(self, evse_id: int, raw_profile: dict) -> None:
        time_base = raw_profile["chargingSchedule"][0].get("startSchedule") or utc_now()
        response = await self.call("NotifyEVChargingSchedule", {
            "evseId": evse_id, "timeBase": time_base, "chargingSchedule": self.ev_schedule(raw_profile)})
        self.negotiation.append(("schedule", response.get("status")))
        log.info("%s: EV charging schedule for EVSE %d %s", self.cp_id, evse_id, response.get("status"))
        self.notify()
