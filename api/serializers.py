"""Domain records -> JSON dicts. Times as ISO 8601 UTC with Z; energy in Wh, power in W."""

from __future__ import annotations


import orjson

from csms.domain.models import ChargePoint, Connector, IdTag, MessageLogEntry, Station, Transaction
from csms.domain.times import iso as ts


def station(s: Station) -> dict:
    return {"id": s.id, "name": s.name, "address": s.address, "lat": s.lat, "lng": s.lng,
            "coordinate_system": "GCJ-02", "timezone": s.timezone, "created_at": ts(s.created_at)}


def connector(c: Connector) -> dict:
    return {"evse_id": c.evse_id, "connector_id": c.connector_id, "status": c.status, "error_code": c.error_code,
            "info": c.info, "vendor_error_code": c.vendor_error_code, "type": c.type,
            "max_power_w": c.max_power_w, "status_at": ts(c.status_at)}


def charge_point(cp: ChargePoint, connectors: list[Connector]) -> dict:
    return {
        "id": cp.id, "station_id": cp.station_id, "online": cp.online, "protocol": cp.protocol,
        "vendor": cp.vendor, "model": cp.model, "serial_number": cp.serial_number,
        "firmware_version": cp.firmware_version, "last_seen": ts(cp.last_seen), "last_boot_at": ts(cp.last_boot_at),
        "registration_status": cp.registration_status, "security_profile": cp.security_profile,
        "has_password": bool(cp.password_hash), "status": cp.status, "error_code": cp.error_code,
        "firmware_status": cp.firmware_status, "diagnostics_status": cp.diagnostics_status, "tolerant": cp.tolerant,
        "connectors": [connector(c) for c in connectors], "created_at": ts(cp.created_at),
    }


def id_tag(t: IdTag) -> dict:
    return {"id_tag": t.id_tag, "status": t.status, "expiry_date": ts(t.expiry_date), "group_id": t.group_id}


def transaction(t: Transaction) -> dict:
    if t.energy_wh is not None:
        energy = t.energy_wh
    elif t.last_meter_wh is not None:
        energy = max(0, t.last_meter_wh - t.meter_start_wh)
    else:
        energy = 0
    return {
        "id": t.id, "charge_point_id": t.charge_point_id, "evse_id": t.evse_id, "connector_id": t.connector_id,
        "id_tag": t.id_tag, "status": t.status, "started_at": ts(t.started_at), "stopped_at": ts(t.stopped_at),
        "meter_start_wh": t.meter_start_wh, "meter_stop_wh": t.meter_stop_wh, "energy_wh": energy,
        "stop_reason": t.stop_reason, "stop_id_tag": t.stop_id_tag, "anomaly": t.anomaly,
        "ocpp_transaction_id": t.ocpp_tx_id or str(t.id), "reservation_id": t.reservation_id,
        "last_meter_wh": t.last_meter_wh, "power_w": t.power_w, "soc": t.soc,
        "remote_start_id": t.remote_start_id, "seq_no": t.seq_no, "offline": t.offline, "updated_at": ts(t.updated_at),
    }


def meter_value(row: dict) -> dict:
    return {**row, "timestamp": ts(row["timestamp"])}


def message(m: MessageLogEntry) -> dict:
    try:
        frame = orjson.loads(m.payload)
    except orjson.JSONDecodeError:
        frame = None
    return {"id": m.id, "direction": m.direction, "message_type": m.message_type, "unique_id": m.unique_id,
            "action": m.action, "at": ts(m.at), "frame": frame, "raw": m.payload if frame is None else None}
