"""Feature module: smart charging (1.6 Smart Charging profile / 2.0.1 block K), display messages
(2.0.1 block O), firmware (1.6 Firmware Management + security extension / 2.0.1 block L) and logs
(2.0.1 block N). See csms/features/__init__.py."""

from __future__ import annotations

from csms.db import repositories_smart_charging as repos
from csms.domain.events import TransactionStopped
from csms.ocpp.v16 import firmware as v16_firmware
from csms.ocpp.v16 import smart_charging as v16_sc
from csms.ocpp.v201 import firmware as v201_firmware
from csms.ocpp.v201 import smart_charging as v201_sc
from csms.ocpp.v201 import smart_charging_display as v201_display
from csms.services.charging_needs import ChargingNeedsService
from csms.services.firmware import FirmwareService
from csms.services.smart_charging import SmartChargingService
from csms.services.smart_charging_display import DisplayMessageService

V16, V201 = "ocpp1.6", "ocpp2.0.1"


def install(container) -> None:
    sf = container.sessions_factory
    container.smart_charging = SmartChargingService(
        container.gateway, repos.SqlChargingProfileRepository(sf), repos.SqlChargingReportRepository(sf),
        container.transactions, container.clock)
    container.display_messages = DisplayMessageService(
        container.gateway, repos.SqlDisplayMessageRepository(sf), container.clock)
    container.firmware = FirmwareService(
        container.gateway, repos.SqlFirmwareJobRepository(sf), repos.SqlLogJobRepository(sf),
        container.chargers.notice)

    for version, encoders in ((V16, v16_sc.ENCODERS), (V16, v16_firmware.ENCODERS), (V201, v201_sc.ENCODERS),
                              (V201, v201_display.ENCODERS), (V201, v201_firmware.ENCODERS)):
        container.encoders[version].update(encoders)

    container.routes[V16].update(v16_firmware.V16FirmwareHandlers(container.firmware).routes())
    container.charging_needs = ChargingNeedsService(container.smart_charging, container.transactions, container.clock)
    container.routes[V201].update(v201_sc.V201SmartChargingHandlers(container.smart_charging,
                                                                    container.charging_needs).routes())
    container.routes[V201].update(v201_display.V201DisplayHandlers(container.display_messages).routes())
    container.routes[V201].update(v201_firmware.V201FirmwareHandlers(container.firmware).routes())
    container.bus.subscribe(TransactionStopped, container.smart_charging.on_transaction_stopped)
    container.bus.subscribe(TransactionStopped, container.charging_needs.on_transaction_stopped)
