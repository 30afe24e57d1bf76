"""ISO 15118 charging needs and schedules (OCPP 2.0.1 K15, K16, K17), version-neutral.

- The EV's needs (NotifyEVChargingNeeds) are answered Accepted only when a schedule will follow: there is
  a running transaction on the EVSE (K15.FR.02/03). The CSMS then sends a TxProfile for that
  transaction and EVSE (K15.FR.05) whose limit never exceeds the EV's maximum (AC: evMaxCurrent in A;
  DC: evMaxPower, or evMaxCurrent x evMaxVoltage, in W) nor the site's limit at that time (the composite
  of the ChargingStationMax / TxDefault / external profiles the CSMS knows), until the departure time,
  in at most maxScheduleTuples periods (K15.FR.11/12/13).
- The EV's schedule (NotifyEVChargingSchedule) is checked against the TxProfile that was sent: within it
  at every instant -> Accepted; above it -> Rejected and a renegotiation: a new TxProfile is sent
  (K16.FR.06/07/08, K17.FR.02/03/05), at most MAX_RENEGOTIATIONS times per transaction.
- New needs while a renegotiation runs (the EV renegotiating, K16.FR.12/K17.FR.11-13) get a new
  SetChargingProfile like the first.

Each EVSE's negotiation follows NEGOTIATION (csms.domain.states style); it lives in memory on the node
holding the station's socket (the profile itself is stored as every profile the CSMS sends)."""

from __future__ import annotations

import itertools
import logging
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Awaitable, Callable

from csms.domain import events
from csms.domain.smart_charging import (EXTERNAL, MAX_PROFILE, TX_DEFAULT, TX_PROFILE, ChargingProfile,
                                        ChargingSchedule, SchedulePeriod)
from csms.domain.states import StateMachine
from csms.domain.repositories import TransactionRepository
from csms.services.clock import Clock
from csms.services.smart_charging import SmartChargingService
from csms.services.smart_charging_composite import ActiveTransaction, composite

log = logging.getLogger(__name__)

MAX_RENEGOTIATIONS = 3
DEFAULT_HORIZON = 24 * 3600          # seconds a schedule covers when the EV gives no departure time
STACK_LEVEL = 0
PHASES = {"AC_single_phase": 1, "AC_two_phase": 2, "AC_three_phase": 3}

# a negotiation per EVSE and transaction
NEGOTIATION = StateMachine("negotiation", {
    "NeedsReceived": {"ProfileSent"},
    "ProfileSent": {"Agreed", "Renegotiating", "NeedsReceived"},
    "Agreed": {"NeedsReceived", "Renegotiating"},
    "Renegotiating": {"ProfileSent", "NeedsReceived"},
})

_profile_ids = itertools.count(int(time.time()) % 100_000 * 10_000)


@dataclass(frozen=True)
class ChargingNeeds:
    evse_id: int
    energy_transfer: str                 # DC | AC_single_phase | AC_two_phase | AC_three_phase
    departure: datetime | None = None
    max_current: float | None = None     # A
    min_current: float | None = None     # A
    max_voltage: float | None = None     # V
    max_power: float | None = None       # W (DC)
    energy_wh: float | None = None
    max_schedule_tuples: int | None = None

    @property
    def unit(self) -> str:
        return "W" if self.energy_transfer == "DC" else "A"

    def ev_limit(self) -> float | None:
        if self.energy_transfer == "DC":
            if self.max_power is not None:
                return max(0.0, self.max_power)
            if self.max_current is not None and self.max_voltage is not None:
                return max(0.0, self.max_current * self.max_voltage)
            return None
        return None if self.max_current is None else max(0.0, self.max_current)


@dataclass(frozen=True)
class EVSchedule:
    evse_id: int
    time_base: datetime
    unit: str                            # A | W
    periods: tuple[SchedulePeriod, ...]
    duration: int | None = None


@dataclass
class Negotiation:
    transaction_id: int
    needs: ChargingNeeds
    state: str = "NeedsReceived"
    profile_id: int | None = None
    renegotiations: int = 0

    def move(self, target: str) -> None:
        self.state = NEGOTIATION.check(self.state, target)


FollowUp = Callable[[], Awaitable[dict]]


class ChargingNeedsService:
    def __init__(self, smart_charging: SmartChargingService, transactions: TransactionRepository, clock: Clock):
        self.smart_charging = smart_charging
        self.transactions = transactions
        self.clock = clock
        self._negotiations: dict[tuple[str, int], Negotiation] = {}

    def negotiation(self, cp_id: str, evse_id: int) -> Negotiation | None:
        return self._negotiations.get((cp_id, evse_id))

    async def _running(self, cp_id: str, evse_id: int):
        page = await self.transactions.list(charge_point_id=cp_id, status="Active", limit=50)
        running = [tx for tx in page.items if tx.evse_id == evse_id]
        return max(running, key=lambda tx: tx.started_at) if running else None

    async def needs_received(self, cp_id: str, needs: ChargingNeeds) -> tuple[str, FollowUp | None]:
        """(status to answer, what to send once answered)."""
        tx = await self._running(cp_id, needs.evse_id)
        if tx is None:
            log.info("%s EVSE %s: EV charging needs without a running transaction: no schedule", cp_id, needs.evse_id)
            return "Rejected", None
        key = (cp_id, needs.evse_id)
        current = self._negotiations.get(key)
        if current is None or current.transaction_id != tx.id:
            current = self._negotiations[key] = Negotiation(tx.id, needs)
        else:
            current.move("NeedsReceived")
            current.needs = needs
        return "Accepted", lambda: self._send_profile(cp_id, current, tx)

    async def _send_profile(self, cp_id: str, negotiation: Negotiation, tx) -> dict:
        profile = await self.profile_for(cp_id, negotiation.needs, tx)
        result = await self.smart_charging.set_profile(cp_id, negotiation.needs.evse_id, profile)
        if result.get("status") == "Accepted":
            negotiation.profile_id = profile.id
            negotiation.move("ProfileSent")
        else:
            log.warning("%s EVSE %s refused the ISO 15118 TxProfile: %s", cp_id, negotiation.needs.evse_id, result)
        return result

    async def profile_for(self, cp_id: str, needs: ChargingNeeds, tx) -> ChargingProfile:
        """The TxProfile within the EV's and the site's limits (K15.FR.05/11/12/13)."""
        start = self.clock.now().replace(microsecond=0)
        duration = DEFAULT_HORIZON
        if needs.departure is not None and needs.departure > start:
            duration = max(60, int((needs.departure - start).total_seconds()))
        site = [ip for ip in await self.smart_charging.installed(cp_id)
                if ip.profile.purpose in (MAX_PROFILE, TX_DEFAULT, EXTERNAL)]
        phases = PHASES.get(needs.energy_transfer)
        site_schedule = composite(site, needs.evse_id, start, duration, needs.unit,
                                  ActiveTransaction(tx.id, tx.started_at))
        ev = needs.ev_limit()
        periods = []
        for p in site_schedule.periods:
            limits = [x for x in (p.limit, ev) if x is not None]
            limit = round(min(limits), 1) if limits else _unlimited(needs)
            offset = max(0, p.start_period)       # a period that began before now applies from now
            if periods and periods[-1].start_period == offset:
                periods.pop()
            if periods and periods[-1].limit == limit:
                continue
            periods.append(SchedulePeriod(offset, limit, phases))
        periods = _fit(periods, needs.max_schedule_tuples)
        return ChargingProfile(id=next(_profile_ids), stack_level=STACK_LEVEL, purpose=TX_PROFILE, kind="Absolute",
                               schedule=ChargingSchedule(needs.unit, tuple(periods), duration, start),
                               transaction_id=tx.id)

    async def schedule_received(self, cp_id: str, schedule: EVSchedule) -> tuple[str, FollowUp | None]:
        """(status to answer, the renegotiation to send once answered)."""
        negotiation = self._negotiations.get((cp_id, schedule.evse_id))
        tx = await self._running(cp_id, schedule.evse_id)
        if negotiation is None or tx is None or negotiation.transaction_id != tx.id:
            return "Rejected", None           # no profile of ours to hold it against
        sent = [ip for ip in await self.smart_charging.installed(cp_id, schedule.evse_id)
                if ip.profile.purpose == TX_PROFILE and ip.profile.transaction_id == tx.id]
        if not sent:
            return "Rejected", None
        if within(schedule, sent, tx):
            if negotiation.state != "Agreed":
                negotiation.move("Agreed")
            return "Accepted", None
        log.info("%s EVSE %s: the EV's schedule exceeds the TxProfile sent", cp_id, schedule.evse_id)
        if negotiation.renegotiations >= MAX_RENEGOTIATIONS:
            return "Rejected", None
        negotiation.renegotiations += 1
        negotiation.move("Renegotiating")
        return "Rejected", lambda: self._send_profile(cp_id, negotiation, tx)

    async def on_transaction_stopped(self, event: events.TransactionStopped) -> None:
        for key, negotiation in list(self._negotiations.items()):
            if key[0] == event.charge_point_id and negotiation.transaction_id == event.transaction_id:
                del self._negotiations[key]


def _unlimited(needs: ChargingNeeds) -> float:
    # neither the EV nor the site names a maximum: the EVSE's own rating applies; 32 A / 350 kW are the
    # largest AC and DC ratings the CSMS hands out rather than sending no period at all
    return 32.0 if needs.unit == "A" else 350_000.0


def _fit(periods: list[SchedulePeriod], max_tuples: int | None) -> list[SchedulePeriod]:
    """At most ``max_tuples`` periods: the tail is folded into the last one at its lowest limit, so the
    shorter schedule never allows more than the full one."""
    if not max_tuples or len(periods) <= max_tuples:
        return periods
    head, tail = periods[:max_tuples - 1], periods[max_tuples - 1:]
    return head + [replace(tail[0], limit=min(p.limit for p in tail))]


def within(schedule: EVSchedule, sent, tx) -> bool:
    """The EV's schedule never exceeds the TxProfile(s) sent, at any instant it covers."""
    starts = [schedule.time_base + timedelta(seconds=p.start_period) for p in schedule.periods]
    horizon = schedule.duration or DEFAULT_HORIZON
    end = schedule.time_base + timedelta(seconds=horizon)
    for i, period in enumerate(schedule.periods):
        begin = starts[i]
        until = starts[i + 1] if i + 1 < len(starts) else end
        seconds = int((until - begin).total_seconds())
        if seconds <= 0:
            continue
        allowed = composite(sent, sent[0].evse_id, begin, seconds, schedule.unit,
                            ActiveTransaction(tx.id, tx.started_at))
        for p in allowed.periods:
            if p.limit is not None and period.limit > p.limit + 0.05:
                return False
    return True
