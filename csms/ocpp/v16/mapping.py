"""OCPP 1.6 payloads <-> neutral domain values. Pure functions."""

from __future__ import annotations

from csms.domain.models import IdTagInfo, MeterSample, SampledValue
from csms.ocpp.times import ocpp_time, parse_time


def samples(meter_value: list[dict]) -> list[MeterSample]:
    out = []
    for mv in meter_value or ():
        values = tuple(
            SampledValue(value=str(sv["value"]), measurand=sv.get("measurand", "Energy.Active.Import.Register"),
                         phase=sv.get("phase"), unit=sv.get("unit"), context=sv.get("context"),
                         location=sv.get("location"), format=sv.get("format"))
            for sv in mv.get("sampledValue", ()))
        out.append(MeterSample(parse_time(mv["timestamp"]), values))
    return out


def id_tag_info(info: IdTagInfo) -> dict:
    out: dict = {"status": "Invalid" if info.status == "Unknown" else info.status}
    if info.expiry_date is not None:
        out["expiryDate"] = ocpp_time(info.expiry_date)
    if info.group_id:
        out["parentIdTag"] = info.group_id
    return out
