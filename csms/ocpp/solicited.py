"""Which charge-point CALLs a CSMS CALL asks for: what a charge point whose BootNotification was
answered Pending may still send (B02.FR.09 and OCPP 1.6 4.2: nothing "unless it has been instructed
by the Central System to do so with a TriggerMessage"; the reports and notifications a request
causes are asked for as well). Pure functions over the version's payloads."""

from __future__ import annotations

import time
from typing import Protocol

SOLICITED_FOR = 300.0    # s: how long a message the CSMS asked for is admitted as solicited


class Connection(Protocol):
    state: dict

# TriggerMessage / ExtendedTriggerMessage requestedMessage -> the CALL it makes the charge point send
_TRIGGERED = {
    "SignChargePointCertificate": "SignCertificate", "SignChargingStationCertificate": "SignCertificate",
    "SignV2GCertificate": "SignCertificate", "SignCombinedCertificate": "SignCertificate",
}
# a request -> the notifications that answer it
_CAUSES = {
    "GetBaseReport": ("NotifyReport",), "GetReport": ("NotifyReport",),
    "GetMonitoringReport": ("NotifyMonitoringReport",), "CustomerInformation": ("NotifyCustomerInformation",),
    "GetDisplayMessages": ("NotifyDisplayMessages",), "GetChargingProfiles": ("ReportChargingProfiles",),
    "GetLog": ("LogStatusNotification",), "GetDiagnostics": ("DiagnosticsStatusNotification",),
    "UpdateFirmware": ("FirmwareStatusNotification",), "SignedUpdateFirmware": ("SignedFirmwareStatusNotification",),
    "PublishFirmware": ("PublishFirmwareStatusNotification",),
}


def solicited_by(action: str, payload: dict) -> tuple[str, ...]:
    """The actions the charge point may send because the CSMS sent ``action`` with ``payload``."""
    if action in ("TriggerMessage", "ExtendedTriggerMessage"):
        message = payload.get("requestedMessage", "")
        return (_TRIGGERED.get(message, message),)
    return _CAUSES.get(action, ())


def remember(conn: Connection, action: str, payload: dict) -> None:
    """The CSMS sends ``action`` on this connection: what it asks for is solicited for a while."""
    asked = solicited_by(action, payload)
    if asked:
        until = time.monotonic() + SOLICITED_FOR
        conn.state.setdefault("solicited", {}).update(dict.fromkeys(asked, until))


def asked_for(conn: Connection, action: str) -> bool:
    until = conn.state.get("solicited", {}).get(action)
    return until is not None and until > time.monotonic()
