"""Pure builders of the OCPP 1.6 payloads a charge point sends (no I/O)."""

from __future__ import annotations

from .protocol import utc_now
from .station import Connector, Meter

MEASURAND_UNITS = {
    "Energy.Active.Import.Register": "Wh",
    "Power.Active.Import": "W",
    "Current.Import": "A",
    "Voltage": "V",
    "SoC": "Percent",
    "Power.Offered": "W",
    "Current.Offered": "A",
}


def boot_notification(vendor: str, model: str, serial: str | None, firmware: str | None) -> dict:
    payload = {"chargePointVendor": vendor[:20], "chargePointModel": model[:20]}
    if serial:
        payload["chargePointSerialNumber"] = serial[:25]
        payload["chargeBoxSerialNumber"] = serial[:25]
        payload["meterSerialNumber"] = f"M-{serial}"[:25]
    if firmware:
        payload["firmwareVersion"] = firmware[:50]
    payload["meterType"] = "SimMeter"
    return payload


def status_notification(connector: Connector, timestamp: str | None = None) -> dict:
    payload = {
        "connectorId": connector.id,
        "errorCode": connector.error_code,
        "status": connector.state,
        "timestamp": timestamp or utc_now(),
    }
    if connector.info:
        payload["info"] = connector.info[:50]
    return payload


def sampled_values(meter: Meter, measurands: list[str], context: str, *, ev_connected: bool = True) -> list[dict]:
    values = []
    for measurand in measurands:
        if measurand == "Energy.Active.Import.Register":
            value = str(meter.energy_wh)
        elif measurand == "Power.Active.Import":
            value = str(meter.power_w)
        elif measurand == "Current.Import":
            value = f"{meter.current_a:.1f}"
        elif measurand == "Voltage":
            value = f"{meter.voltage_v:.1f}"
        elif measurand == "SoC":
            if not ev_connected:
                continue
            value = str(int(meter.soc))
        elif measurand == "Power.Offered":
            value = str(int(meter.max_power_w))
        elif measurand == "Current.Offered":
            value = f"{meter.max_power_w / meter.voltage_v:.1f}"
        else:
            continue
        item = {
            "value": value,
            "context": context,
            "format": "Raw",
            "measurand": measurand,
            "location": "EV" if measurand == "SoC" else "Outlet",
            "unit": MEASURAND_UNITS[measurand],
        }
        values.append(item)
    return values


def meter_values(
    connector_id: int,
    meter: Meter,
    measurands: list[str],
    context: str = "Sample.Periodic",
    *,
    transaction_id: int | None = None,
    ev_connected: bool = True,
    timestamp: str | None = None,
) -> dict:
    payload: dict = {
        "connectorId": connector_id,
        "meterValue": [
            {
                "timestamp": timestamp or utc_now(),
                "sampledValue": sampled_values(meter, measurands, context, ev_connected=ev_connected),
            }
        ],
    }
    if transaction_id is not None:
        payload["transactionId"] = transaction_id
    return payload


def start_transaction(connector_id: int, id_tag: str, meter_start: int, timestamp: str) -> dict:
    return {"connectorId": connector_id, "idTag": id_tag, "meterStart": meter_start, "timestamp": timestamp}


def stop_transaction(
    meter_stop: int,
    timestamp: str,
    reason: str,
    *,
    id_tag: str | None = None,
    begin: list[dict] | None = None,
    begin_timestamp: str | None = None,
    end: list[dict] | None = None,
) -> dict:
    """StopTransaction.req without its transactionId (filled in when the message is sent)."""
    payload: dict = {"meterStop": meter_stop, "timestamp": timestamp, "reason": reason}
    if id_tag:
        payload["idTag"] = id_tag
    data = []
    if begin:
        data.append({"timestamp": begin_timestamp or timestamp, "sampledValue": begin})
    if end:
        data.append({"timestamp": timestamp, "sampledValue": end})
    if data:
        payload["transactionData"] = data
    return payload
