"""State shared by the non-core functional areas of both versions (reservations, local authorization
list, charging profiles, file transfers). Mixed into ChargePoint16 (through v16_features.py) and
ChargePoint201 (through v201_features.py); the version mixins translate the payloads.

- Reservations live on ``connector.reservation`` (station.py): a reserved connector rests in Reserved
  (its StatusNotification goes out when it settles); the reservation ends when cancelled, when it
  expires (``_reservation_expired`` hook) or when a transaction starts charging on the connector.
- ``local_list`` (id token -> token info) and ``local_list_version``.
- ``charging_profiles``: connector / EVSE id (0 = the whole station) -> profile id -> profile.
- File transfers (firmware, diagnostics, logs, publishing) are in file_transfers.py (a base of this mixin).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from .file_transfers import FileTransfers
from .protocol import parse_time
from .station import TX_STATES, Connector

log = logging.getLogger("chargepoint_sim")

VOLTAGE = 230.0  # for W <-> A conversions of composite schedules
DEFAULT_PHASES = 3


def convert_limit(limit: float, from_unit: str, to_unit: str, phases: int | None) -> float:
    if from_unit == to_unit:
        return limit
    factor = VOLTAGE * (phases or DEFAULT_PHASES)
    return round(limit * factor, 1) if to_unit == "W" else round(limit / factor, 1)


def limit_at(periods: list[dict], unit: str, to_unit: str, t: int) -> float | None:
    """The limit (in ``to_unit``) a schedule's periods set at second ``t`` (None before the first)."""
    current = None
    for period in sorted(periods, key=lambda p: p["startPeriod"]):
        if period["startPeriod"] <= t:
            current = convert_limit(period["limit"], unit, to_unit, period.get("numberPhases"))
    return current


def composite_periods(limiting: list[tuple[str, list[dict]]], duration: int, unit: str) -> list[dict]:
    """The composite of schedules (each: its unit and periods): at every period start the lowest limit.
    Consecutive equal limits are merged; only starts before ``duration`` count."""
    starts = sorted({p["startPeriod"] for _, periods in limiting for p in periods if p["startPeriod"] < duration})
    result: list[dict] = []
    for start in starts:
        limits = [v for u, periods in limiting if (v := limit_at(periods, u, unit, start)) is not None]
        if not limits:
            continue
        limit = min(limits)
        if not result or result[-1]["limit"] != limit:
            result.append({"startPeriod": start, "limit": limit})
    return result


class FeatureState(FileTransfers):
    """Mixin: the state and the version-neutral steps. Relies on the StationChargePoint helpers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.local_list: dict[str, dict] = {}
        self.local_list_version = 0
        self.charging_profiles: dict[int, dict[int, dict]] = {}

    # ------------------------------------------------------------------ reservations
    async def on_CancelReservation(self, payload: dict) -> dict:
        """The same in 1.6 and 2.0.1."""
        connector = self._reservation(payload["reservationId"])
        if connector is None:
            return {"status": "Rejected"}
        connector.reservation = None  # at once: a second cancel is Rejected
        self.after_reply(self._unreserve(connector))
        return {"status": "Accepted"}

    def _reservation(self, reservation_id: int) -> Connector | None:
        for connector in self.connectors:
            if connector.reservation is not None and connector.reservation["id"] == reservation_id:
                return connector
        return None

    async def _reserve(self, connector: Connector, reservation: dict) -> None:
        """Put ``reservation`` (with ``id`` and ``expiry`` text) on the connector, announce, watch expiry."""
        previous = self._reservation(reservation["id"])
        if previous is not None and previous is not connector:  # the same id again: it moves here
            previous.reservation = None
            await self._settle(previous)
        connector.reservation = reservation
        self.notify()
        await self._settle(connector)
        expiry = parse_time(reservation.get("expiry"))
        if expiry is not None:
            self.spawn(self._expire_later(connector, reservation, expiry), name=f"reservation-{reservation['id']}")

    async def _expire_later(self, connector: Connector, reservation: dict, expiry: datetime) -> None:
        await asyncio.sleep(max(0.0, (expiry - datetime.now(UTC)).total_seconds()))
        if connector.reservation is reservation:
            log.info("%s: reservation %s expired", self.cp_id, reservation["id"])
            await self._unreserve(connector)
            await self._reservation_expired(reservation)

    async def _reservation_expired(self, reservation: dict) -> None:
        """Hook: tell the central system (2.0.1 ReservationStatusUpdate)."""

    async def _unreserve(self, connector: Connector) -> None:
        connector.reservation = None
        self.notify()
        await self._settle(connector)

    def _reservation_fault(self, connector: Connector, reservation_id: int) -> str | None:
        """Why the connector cannot take a reservation (1.6 / 2.0.1 status), None if it can."""
        if connector.faulted or (self.connectors[0].faulted and connector.id):
            return "Faulted"
        if not connector.operative or not self.connectors[0].operative:
            return "Unavailable"
        other = connector.reservation
        if other is not None and other["id"] != reservation_id:
            return "Occupied"
        if connector.id and (connector.transaction is not None or connector.plugged
                             or connector.state not in ("Available", "Reserved") or connector.id in self._starting):
            return "Occupied"
        return None

    async def _state_changed(self, connector: Connector, old: str, reported: bool) -> None:
        if connector.state in TX_STATES and connector.reservation is not None:
            log.info("%s: reservation %s used on connector %d", self.cp_id, connector.reservation["id"], connector.id)
            connector.reservation = None  # a transaction started on the reserved connector
        await super()._state_changed(connector, old, reported)

    # ------------------------------------------------------------------ local authorization list
    def _update_local_list(self, version: int, update_type: str, entries: list[tuple[str, dict | None]]) -> str:
        """Apply a SendLocalList; ``entries`` are (token, info or None = remove). Returns the status."""
        if update_type == "Differential" and version <= self.local_list_version:
            return "VersionMismatch"
        if update_type == "Full":
            self.local_list = {token: info for token, info in entries if info is not None}
        else:
            for token, info in entries:
                if info is None:
                    self.local_list.pop(token, None)
                else:
                    self.local_list[token] = info
        self.local_list_version = version
        self.notify()
        return "Accepted"

    # ------------------------------------------------------------------ charging profiles
    def _store_profile(self, where: int, profile: dict) -> None:
        """Install a profile; it replaces the one with its id, and one of the same stack level and purpose."""
        for profiles in self.charging_profiles.values():
            profiles.pop(profile["id"], None)
        here = self.charging_profiles.setdefault(where, {})
        for other_id, other in list(here.items()):
            if other["stackLevel"] == profile["stackLevel"] and other["purpose"] == profile["purpose"]:
                del here[other_id]
        here[profile["id"]] = profile
        self.notify()

    def _remove_profiles(self, match) -> int:
        """Remove the stored profiles ``match(where, profile)`` selects; return how many."""
        removed = 0
        for where, profiles in self.charging_profiles.items():
            for profile_id, profile in list(profiles.items()):
                if match(where, profile):
                    del profiles[profile_id]
                    removed += 1
        if removed:
            self.notify()
        return removed

    def _limiting_profiles(self, where: int, tx_purpose: str, max_purpose: str) -> list[dict]:
        """The profiles that limit connector/EVSE ``where``: the highest-stack Tx (else TxDefault) profile
        of the connector (else of the station), and the highest-stack station maximum profile."""
        own = list(self.charging_profiles.get(where, {}).values()) if where else []
        station = list(self.charging_profiles.get(0, {}).values())
        chosen = []
        for purpose, pool in ((tx_purpose, own), ("TxDefaultProfile", own), ("TxDefaultProfile", station)):
            candidates = [p for p in pool if p["purpose"] == purpose]
            if candidates:
                chosen.append(max(candidates, key=lambda p: p["stackLevel"]))
                break
        maxima = [p for p in station if p["purpose"] == max_purpose]
        if maxima:
            chosen.append(max(maxima, key=lambda p: p["stackLevel"]))
        return chosen
