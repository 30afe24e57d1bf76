"""Every OCPP 2.0.1 action a charging station may send, and the handler that answers it: the whole
table. The dispatcher routes by it and by nothing else. An area that handles more actions adds its
lines here (docs/architecture.md, "Adding a feature"); an action listed twice fails at start-up."""

from __future__ import annotations

from csms.ocpp.routing import RouteTable
from csms.ocpp.v201.firmware import V201FirmwareHandlers
from csms.ocpp.v201.handlers import V201Handlers
from csms.ocpp.v201.iso15118 import V201Iso15118Handlers
from csms.ocpp.v201.provisioning import V201ProvisioningHandlers
from csms.ocpp.v201.reservations import V201ReservationHandlers
from csms.ocpp.v201.security import V201SecurityHandlers
from csms.ocpp.v201.smart_charging import V201SmartChargingHandlers
from csms.ocpp.v201.smart_charging_display import V201DisplayHandlers
from csms.services.chargers import ChargerService
from csms.services.charging_needs import ChargingNeedsService
from csms.services.contract_certificates import ContractCertificatePool
from csms.services.firmware import FirmwareService
from csms.services.ocsp import ContractValidation, OcspClient
from csms.services.provisioning import ProvisioningService
from csms.services.reservations import ReservationService
from csms.services.security import SecurityEventService
from csms.services.security_certificates import CertificateService
from csms.services.smart_charging import SmartChargingService
from csms.services.smart_charging_display import DisplayMessageService
from csms.services.transactions import TransactionService

VERSION = "ocpp2.0.1"


def routes(*, chargers: ChargerService, transactions: TransactionService, reservations: ReservationService,
           smart_charging: SmartChargingService, display_messages: DisplayMessageService,
           firmware: FirmwareService, security_events: SecurityEventService, certificates: CertificateService,
           provisioning: ProvisioningService, charging_needs: ChargingNeedsService,
           contract_validation: ContractValidation, ocsp: OcspClient,
           contract_pool: ContractCertificatePool) -> RouteTable:
    core = V201Handlers(chargers, transactions, contracts=contract_validation)
    res = V201ReservationHandlers(reservations)
    sc = V201SmartChargingHandlers(smart_charging, charging_needs)
    iso = V201Iso15118Handlers(ocsp, contract_pool)
    display = V201DisplayHandlers(display_messages)
    fw = V201FirmwareHandlers(firmware)
    sec = V201SecurityHandlers(security_events, certificates)
    prov = V201ProvisioningHandlers(provisioning)
    return RouteTable(VERSION, [
        # core: blocks B (boot), C (authorization, with C07 contract certificates), E (transactions),
        # G (availability), J (meter values)
        ("Authorize", core.authorize),
        ("BootNotification", core.boot_notification),
        ("DataTransfer", core.data_transfer),
        ("Heartbeat", core.heartbeat),
        ("MeterValues", core.meter_values),
        ("StatusNotification", core.status_notification),
        ("TransactionEvent", core.transaction_event),
        # block H: reservation (reservations.py)
        ("ReservationStatusUpdate", res.reservation_status_update),
        # block K: smart charging (smart_charging.py); K15-K17 ISO 15118 charging needs
        ("ClearedChargingLimit", sc.cleared_charging_limit),
        ("NotifyChargingLimit", sc.notify_charging_limit),
        ("NotifyEVChargingNeeds", sc.notify_ev_charging_needs),
        ("NotifyEVChargingSchedule", sc.notify_ev_charging_schedule),
        ("ReportChargingProfiles", sc.report_charging_profiles),
        # block O: display messages (smart_charging_display.py)
        ("NotifyDisplayMessages", display.notify_display_messages),
        # blocks L and N: firmware and logs (firmware.py)
        ("FirmwareStatusNotification", fw.firmware_status_notification),
        ("LogStatusNotification", fw.log_status_notification),
        ("PublishFirmwareStatusNotification", fw.publish_firmware_status_notification),
        # blocks A and M: security events and certificates (security.py)
        ("SecurityEventNotification", sec.security_event_notification),
        ("SignCertificate", sec.sign_certificate),
        # block M: ISO 15118 certificates, OCSP and the contract-certificate pool (iso15118.py)
        ("Get15118EVCertificate", iso.get_15118_ev_certificate),
        ("GetCertificateStatus", iso.get_certificate_status),
        # blocks B and N: device model reports, monitoring, events, customer information (provisioning.py)
        ("NotifyCustomerInformation", prov.notify_customer_information),
        ("NotifyEvent", prov.notify_event),
        ("NotifyMonitoringReport", prov.notify_monitoring_report),
        ("NotifyReport", prov.notify_report),
    ])
