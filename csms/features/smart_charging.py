"""Feature: smart charging (1.6 Smart Charging profile, 2.0.1 block K), display messages (2.0.1
block O), firmware (1.6 Firmware Management and the security extension, 2.0.1 block L) and logs
(2.0.1 block N), with ISO 15118 charging needs and schedules (K15-K17)."""

from __future__ import annotations

from dataclasses import dataclass

from csms.db.catalog import Repositories
from csms.services.chargers import ChargerService
from csms.services.charging_needs import ChargingNeedsService
from csms.services.clock import Clock
from csms.services.commands import Gateway
from csms.services.firmware import FirmwareService
from csms.services.requests import ReportRequestService
from csms.services.smart_charging import SmartChargingService
from csms.services.smart_charging_display import DisplayMessageService


@dataclass(frozen=True)
class SmartCharging:
    smart_charging: SmartChargingService
    display_messages: DisplayMessageService
    firmware: FirmwareService
    charging_needs: ChargingNeedsService


def build(repos: Repositories, *, gateway: Gateway, chargers: ChargerService, report_requests: ReportRequestService,
          clock: Clock) -> SmartCharging:
    smart_charging = SmartChargingService(gateway, repos.charging_profiles, repos.charging_reports,
                                          repos.transactions, clock)
    return SmartCharging(
        smart_charging=smart_charging,
        charging_needs=ChargingNeedsService(smart_charging, repos.transactions, clock),
        display_messages=DisplayMessageService(gateway, repos.display_messages, clock, report_requests),
        firmware=FirmwareService(gateway, repos.firmware_jobs, repos.log_jobs, chargers.notice, report_requests))
