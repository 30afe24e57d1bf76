"""Pure builders of the OCPP 2.0.1 payloads a charging station sends (no I/O), and the mapping of the
shared connector model (1.6 state names, station.py) onto 2.0.1 ConnectorStatus and chargingState.

An EVSE of the simulator has exactly one connector (connectorId 1): ``connectors[i]`` is EVSE i.
"""

from __future__ import annotations

from .protocol import utc_now
from .station import (
    AVAILABLE,
    CHARGING,
    FAULTED,
    PREPARING,
    RESERVED,
    SUSPENDED_EV,
    SUSPENDED_EVSE,
    UNAVAILABLE,
    Connector,
    Meter,
    Transaction,
)
from .v16_messages import MEASURAND_UNITS

# ReasonEnumType, and what the 1.6-style reasons of the shared API become
STOP_REASONS = frozenset({
    "DeAuthorized", "EmergencyStop", "EnergyLimitReached", "EVDisconnected", "GroundFault", "ImmediateReset", "Local",
    "LocalOutOfCredit", "MasterPass", "Other", "OvercurrentFault", "PowerLoss", "PowerQuality", "Reboot", "Remote",
    "SOCLimitReached", "StoppedByEV", "TimeLimitReached", "Timeout",
})
REASONS_FROM_16 = {"HardReset": "ImmediateReset", "SoftReset": "ImmediateReset", "UnlockCommand": "Other"}
# the triggerReason of the Ended event for each stoppedReason
STOP_TRIGGERS = {
    "Local": "StopAuthorized", "Remote": "RemoteStop", "EVDisconnected": "EVCommunicationLost",
    "DeAuthorized": "Deauthorized", "ImmediateReset": "ResetCommand", "Reboot": "ResetCommand",
    "EnergyLimitReached": "EnergyLimitReached", "TimeLimitReached": "TimeLimitReached",
    "SOCLimitReached": "EnergyLimitReached", "StoppedByEV": "ChargingStateChanged", "Timeout": "EVConnectTimeout",
    "EmergencyStop": "AbnormalCondition", "GroundFault": "AbnormalCondition", "OvercurrentFault": "AbnormalCondition",
    "PowerLoss": "AbnormalCondition", "PowerQuality": "AbnormalCondition", "Other": "AbnormalCondition",
}


def stop_reason(reason: str) -> str:
    reason = REASONS_FROM_16.get(reason, reason)
    if reason not in STOP_REASONS:
        raise ValueError(f"{reason!r} is not an OCPP 2.0.1 stoppedReason")
    return reason


def connector_status(connector: Connector) -> str:
    """ConnectorStatusEnumType of a connector: Occupied when a cable is in or a transaction runs."""
    state = connector.state
    if state in (FAULTED, UNAVAILABLE, RESERVED):
        return state
    if state == AVAILABLE or (state == PREPARING and not connector.plugged and connector.transaction is None):
        return AVAILABLE
    return "Occupied"


def charging_state(connector: Connector) -> str:
    """ChargingStateEnumType of the connector's transaction."""
    if not connector.plugged:
        return "Idle"
    if connector.state in (CHARGING, SUSPENDED_EV, SUSPENDED_EVSE):
        return connector.state
    if connector.state == FAULTED and connector.transaction is not None:
        return SUSPENDED_EVSE
    return "EVConnected"


def boot_notification(reason: str, vendor: str, model: str, serial: str | None, firmware: str | None) -> dict:
    station: dict = {"model": model[:20], "vendorName": vendor[:50]}
    if serial:
        station["serialNumber"] = serial[:25]
    if firmware:
        station["firmwareVersion"] = firmware[:50]
    return {"reason": reason, "chargingStation": station}


def status_notification(evse_id: int, status: str, timestamp: str | None = None) -> dict:
    return {"timestamp": timestamp or utc_now(), "connectorStatus": status, "evseId": evse_id, "connectorId": 1}


def id_token(token: str, token_type: str = "ISO14443") -> dict:
    return {"idToken": token[:36], "type": token_type}


def sampled_values(meter: Meter, measurands: list[str], context: str, *, ev_connected: bool = True) -> list[dict]:
    values = []
    for measurand in measurands:
        if measurand == "Energy.Active.Import.Register":
            value: float = meter.energy_wh
        elif measurand == "Power.Active.Import":
            value = meter.power_w
        elif measurand == "Current.Import":
            value = round(meter.current_a, 1)
        elif measurand == "Voltage":
            value = round(meter.voltage_v, 1)
        elif measurand == "SoC":
            if not ev_connected:
                continue
            value = int(meter.soc)
        elif measurand == "Power.Offered":
            value = int(meter.max_power_w)
        elif measurand == "Current.Offered":
            value = round(meter.max_power_w / meter.voltage_v, 1)
        else:
            continue
        values.append({
            "value": value,
            "context": context,
            "measurand": measurand,
            "location": "EV" if measurand == "SoC" else "Outlet",
            "unitOfMeasure": {"unit": MEASURAND_UNITS[measurand]},
        })
    return values


def meter_value(meter: Meter, measurands: list[str], context: str, *, ev_connected: bool = True,
                timestamp: str | None = None) -> dict | None:
    """One MeterValueType, or None if no measurand could be sampled (sampledValue needs one item)."""
    values = sampled_values(meter, measurands, context, ev_connected=ev_connected)
    return {"timestamp": timestamp or utc_now(), "sampledValue": values} if values else None


def meter_values(evse_id: int, meter_values_: list[dict]) -> dict:
    return {"evseId": evse_id, "meterValue": meter_values_}


def transaction_event(
    event_type: str,
    tx: Transaction,
    trigger: str,
    seq_no: int,
    *,
    timestamp: str | None = None,
    charging_state: str | None = None,
    stopped_reason: str | None = None,
    remote_start_id: int | None = None,
    evse_id: int | None = None,
    token: dict | None = None,
    meter: list[dict] | None = None,
    offline: bool = False,
) -> dict:
    info: dict = {"transactionId": tx.id}
    if charging_state:
        info["chargingState"] = charging_state
    if stopped_reason:
        info["stoppedReason"] = stopped_reason
    if remote_start_id is not None:
        info["remoteStartId"] = remote_start_id
    payload: dict = {"eventType": event_type, "timestamp": timestamp or utc_now(), "triggerReason": trigger,
                     "seqNo": seq_no, "transactionInfo": info}
    if offline:
        payload["offline"] = True
    if evse_id is not None:
        payload["evse"] = {"id": evse_id, "connectorId": 1}
    if token is not None:
        payload["idToken"] = token
    if meter:
        payload["meterValue"] = meter
    return payload


def problem_event(seq_no: int, event_id: int, evse_id: int, active: bool, *, tech_code: str | None = None,
                  tech_info: str | None = None, transaction_id: str | None = None) -> dict:
    """NotifyEvent for the Problem variable of a connector (``evse_id`` 0: the station) going on/off."""
    component: dict = {"name": "ChargingStation"} if evse_id == 0 else {
        "name": "Connector", "evse": {"id": evse_id, "connectorId": 1}}
    now = utc_now()
    event: dict = {"eventId": event_id, "timestamp": now, "trigger": "Delta", "actualValue": str(active).lower(),
                   "cleared": not active, "eventNotificationType": "HardWiredNotification",
                   "component": component, "variable": {"name": "Problem"}}
    if tech_code:
        event["techCode"] = tech_code[:50]
    if tech_info:
        event["techInfo"] = tech_info[:500]
    if transaction_id:
        event["transactionId"] = transaction_id
    return {"generatedAt": now, "seqNo": seq_no, "eventData": [event]}


def notify_reports(request_id: int, report_data: list[dict], per_message: int) -> list[dict]:
    """NotifyReport payloads carrying ``report_data`` in chunks of ``per_message`` (tbc on all but the last)."""
    per_message = max(1, per_message)
    chunks = [report_data[i:i + per_message] for i in range(0, len(report_data), per_message)] or [[]]
    now = utc_now()
    payloads = []
    for seq_no, chunk in enumerate(chunks):
        payload: dict = {"requestId": request_id, "generatedAt": now, "seqNo": seq_no,
                         "tbc": seq_no < len(chunks) - 1}
        if chunk:
            payload["reportData"] = chunk
        payloads.append(payload)
    return payloads
