"""Smart charging, version-neutral: sending and clearing charging profiles with the stacking rules,
keeping what the CSMS believes is installed, composite schedules (asked of the station, or computed
from the store), and what stations report about limits and EV charging needs."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

from csms.domain import events
from csms.domain.repositories import TransactionRepository
from csms.domain.smart_charging import (TX_PROFILE, ChargingProfile, ChargingReport, ClearChargingProfile,
                                        GetChargingProfiles, GetCompositeSchedule, InstalledProfile, InvalidProfile,
                                        SetChargingProfile, check_profile)
from csms.domain.errors import CommandNotSent
from csms.services.clock import Clock
from csms.services.ids import next_request_id
from csms.services.commands import Gateway, UnknownTransaction
from csms.services.smart_charging_composite import ActiveTransaction, CompositeSchedule, composite



class ProfileRepository(Protocol):
    async def list(self, cp_id: str, evse_id: int | None = None) -> list[InstalledProfile]: ...
    async def put(self, ip: InstalledProfile) -> list[InstalledProfile]: ...
    async def remove(self, cp_id: str, *, profile_id: int | None = None, evse_id: int | None = None,
                     purpose: str | None = None, stack_level: int | None = None,
                     transaction_id: int | None = None) -> list[InstalledProfile]: ...


class ReportRepository(Protocol):
    async def add(self, report: ChargingReport) -> None: ...
    async def list(self, cp_id: str, kind: str | None = None, limit: int = 50) -> list[ChargingReport]: ...


class SmartChargingService:
    def __init__(self, gateway: Gateway, profiles: ProfileRepository, reports: ReportRepository,
                 transactions: TransactionRepository, clock: Clock):
        self.gateway = gateway
        self.profiles = profiles
        self.reports = reports
        self.transactions = transactions
        self.clock = clock

    # -- commands ----------------------------------------------------------------------------------
    async def set_profile(self, cp_id: str, evse_id: int, profile: ChargingProfile) -> dict:
        check_profile(profile, evse_id)
        ocpp_tx = None
        if profile.purpose == TX_PROFILE:
            tx = await self.transactions.get(profile.transaction_id)
            if tx is None or tx.charge_point_id != cp_id:
                raise UnknownTransaction(f"transaction {profile.transaction_id} is not one of {cp_id}")
            if tx.status != "Active":
                raise InvalidProfile(f"transaction {tx.id} is {tx.status}: a TxProfile needs a running one",
                                     "profile.transaction_id")
            if tx.evse_id != evse_id:
                raise InvalidProfile(f"transaction {tx.id} runs on connector {tx.evse_id}", "connector_id")
            ocpp_tx = tx.ocpp_tx_id or str(tx.id)
        result = await self.gateway.execute(cp_id, SetChargingProfile(evse_id, profile, ocpp_tx))
        if result["status"] == "Accepted":
            await self.profiles.put(InstalledProfile(cp_id, evse_id, profile, "CSO", ocpp_tx, self.clock.now()))
        return result

    async def clear_profile(self, cp_id: str, *, profile_id: int | None = None, evse_id: int | None = None,
                            purpose: str | None = None, stack_level: int | None = None) -> dict:
        result = await self.gateway.execute(cp_id, ClearChargingProfile(profile_id, evse_id, purpose, stack_level))
        # Accepted: cleared; Unknown: the station has none that match. Either way none is installed now.
        await self.profiles.remove(cp_id, profile_id=profile_id, evse_id=evse_id, purpose=purpose,
                                   stack_level=stack_level)
        return result

    async def station_composite(self, cp_id: str, evse_id: int, duration: int, unit: str | None = None) -> dict:
        return await self.gateway.execute(cp_id, GetCompositeSchedule(evse_id, duration, unit))

    async def request_profiles(self, cp_id: str, *, evse_id: int | None = None, purpose: str | None = None,
                               stack_level: int | None = None, profile_ids: tuple[int, ...] = ()) -> dict:
        """Ask the station to report its profiles (they arrive in ReportChargingProfiles); a version
        without GetChargingProfiles (1.6) is answered from the CSMS's store."""
        command = GetChargingProfiles(next_request_id(), evse_id, purpose, stack_level, profile_ids)
        try:
            result = await self.gateway.execute(cp_id, command)
            return {**result, "request_id": command.request_id}
        except CommandNotSent as exc:
            if not exc.unsupported:
                raise
        found = [ip for ip in await self.profiles.list(cp_id, evse_id)
                 if (purpose is None or ip.profile.purpose == purpose)
                 and (stack_level is None or ip.profile.stack_level == stack_level)
                 and (not profile_ids or ip.profile.id in profile_ids)]
        return {"status": "Accepted" if found else "NoProfiles", "source": "csms", "profiles": found}

    # -- what the CSMS knows -----------------------------------------------------------------------
    async def installed(self, cp_id: str, evse_id: int | None = None) -> list[InstalledProfile]:
        return await self.profiles.list(cp_id, evse_id)

    async def computed_composite(self, cp_id: str, evse_id: int, duration: int, unit: str | None = None,
                                 start: datetime | None = None) -> CompositeSchedule:
        start = start or self.clock.now().replace(microsecond=0)
        active = None
        if evse_id:
            running = await self.transactions.active_on(cp_id, evse_id)
            if running:
                tx = max(running, key=lambda t: t.started_at)
                active = ActiveTransaction(tx.id, tx.started_at)
        return composite(await self.profiles.list(cp_id), evse_id, start, duration, unit, active)

    # -- what stations report ----------------------------------------------------------------------
    async def reported_profiles(self, cp_id: str, evse_id: int, source: str, profiles: list[ChargingProfile],
                                ocpp_tx_ids: list[str | None]) -> None:
        """ReportChargingProfiles: the station's own view replaces ours, profile by profile."""
        for profile, ocpp_tx in zip(profiles, ocpp_tx_ids):
            if ocpp_tx is not None and profile.transaction_id is None:
                tx = await self.transactions.get_by_ocpp_id(cp_id, ocpp_tx)
                profile = replace(profile, transaction_id=tx.id if tx else None)
            await self.profiles.put(InstalledProfile(cp_id, evse_id, profile, source, ocpp_tx, self.clock.now()))

    async def report(self, cp_id: str, kind: str, evse_id: int | None, data: dict[str, Any]) -> None:
        await self.reports.add(ChargingReport(cp_id, kind, evse_id, data, self.clock.now()))

    async def on_transaction_stopped(self, event: events.TransactionStopped) -> None:
        """A TxProfile lives as long as its transaction (1.6 3.13.4 / 2.0.1 K01.FR.05)."""
        await self.profiles.remove(event.charge_point_id, transaction_id=event.transaction_id)

