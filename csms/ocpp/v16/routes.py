"""Every OCPP 1.6 action a charge point may send, and the handler that answers it: the whole table.
The dispatcher routes by it and by nothing else. An area that handles more actions adds its lines
here (docs/architecture.md, "Adding a feature"); an action listed twice fails at start-up."""

from __future__ import annotations

from csms.ocpp.routing import RouteTable
from csms.ocpp.v16.firmware import V16FirmwareHandlers
from csms.ocpp.v16.handlers import V16Handlers
from csms.ocpp.v16.security import V16SecurityHandlers
from csms.services.chargers import ChargerService
from csms.services.firmware import FirmwareService
from csms.services.security import SecurityEventService
from csms.services.security_certificates import CertificateService
from csms.services.transactions import TransactionService

VERSION = "ocpp1.6"


def routes(*, chargers: ChargerService, transactions: TransactionService, firmware: FirmwareService,
           security_events: SecurityEventService, certificates: CertificateService) -> RouteTable:
    core = V16Handlers(chargers, transactions)
    fw = V16FirmwareHandlers(firmware)
    sec = V16SecurityHandlers(security_events, certificates)
    return RouteTable(VERSION, [
        # Core profile (handlers.py)
        ("Authorize", core.authorize),
        ("BootNotification", core.boot_notification),
        ("DataTransfer", core.data_transfer),
        ("Heartbeat", core.heartbeat),
        ("MeterValues", core.meter_values),
        ("StartTransaction", core.start_transaction),
        ("StatusNotification", core.status_notification),
        ("StopTransaction", core.stop_transaction),
        # Firmware Management, diagnostics, and the security extension's signed firmware and logs (firmware.py)
        ("DiagnosticsStatusNotification", fw.diagnostics_status_notification),
        ("FirmwareStatusNotification", fw.firmware_status_notification),
        ("LogStatusNotification", fw.log_status_notification),
        ("SignedFirmwareStatusNotification", fw.signed_firmware_status_notification),
        # security extension: events and certificates (security.py)
        ("SecurityEventNotification", sec.security_event_notification),
        ("SignCertificate", sec.sign_certificate),
    ])
