"""OCPP 1.6 payloads <-> neutral domain values. Pure functions."""

from __future__ import annotations

from csms.domain.models import IdTagInfo, MeterSample, SampledValue
from csms.ocpp.errors import OcppError
from csms.ocpp.times import ocpp_time, parse_time
from csms.services import meter


def samples(meter_value: list[dict], field: str = "meterValue") -> list[MeterSample]:
    out = []
    for i, mv in enumerate(meter_value or ()):
        values = []
        for j, sv in enumerate(mv.get("sampledValue", ())):
            value = SampledValue(value=str(sv["value"]), measurand=sv.get("measurand", "Energy.Active.Import.Register"),
                                 phase=sv.get("phase"), unit=sv.get("unit"), context=sv.get("context"),
                                 location=sv.get("location"), format=sv.get("format"))
            refuse_unstorable(value, f"{field}[{i}].sampledValue[{j}].value")
            values.append(value)
        out.append(MeterSample(parse_time(mv["timestamp"]), tuple(values)))
    return out


def refuse_unstorable(value: SampledValue, field: str) -> None:
    """A reading the CSMS cannot keep is refused, naming the field, never stored (nor half-stored)."""
    why = meter.unstorable(value)
    if why is not None:
        raise OcppError("PropertyConstraintViolation", f"{field}: {why}", {"field": field, "rule": "range"})


def id_tag_info(info: IdTagInfo) -> dict:
    out: dict = {"status": "Invalid" if info.status == "Unknown" else info.status}
    if info.expiry_date is not None:
        out["expiryDate"] = ocpp_time(info.expiry_date)
    if info.group_id:
        out["parentIdTag"] = info.group_id
    return out
