"""OCPP 2.0.1 payloads <-> neutral domain values. Pure functions."""

from __future__ import annotations

from decimal import Decimal

from csms.domain.models import IdTagInfo, MeterSample, SampledValue, TransactionEventAnswer, TransactionEventIn
from csms.ocpp.errors import OcppError
from csms.ocpp.times import ocpp_time, parse_time
from csms.ocpp.v16.mapping import refuse_unstorable

# a unitOfMeasure multiplier is a power of ten; beyond +-18 no reading fits a 64-bit register
MAX_MULTIPLIER = 18

# neutral id-tag status -> 2.0.1 AuthorizationStatusEnumType (Unknown: never heard of this token)
_AUTH = {"Accepted": "Accepted", "Blocked": "Blocked", "Expired": "Expired", "Invalid": "Invalid",
         "ConcurrentTx": "ConcurrentTx", "Unknown": "Unknown"}


def samples(meter_value: list[dict], field: str = "meterValue") -> list[MeterSample]:
    out = []
    for i, mv in enumerate(meter_value or ()):
        values = []
        for j, sv in enumerate(mv.get("sampledValue", ())):
            where = f"{field}[{i}].sampledValue[{j}]"
            unit = (sv.get("unitOfMeasure") or {}).get("unit", "Wh")
            multiplier = (sv.get("unitOfMeasure") or {}).get("multiplier", 0)
            if not -MAX_MULTIPLIER <= multiplier <= MAX_MULTIPLIER:
                raise OcppError("PropertyConstraintViolation", f"{where}.unitOfMeasure.multiplier {multiplier} is "
                                f"outside +-{MAX_MULTIPLIER}", {"field": f"{where}.unitOfMeasure.multiplier",
                                                                 "rule": "range"})
            value = Decimal(str(sv["value"])).scaleb(multiplier) if multiplier else Decimal(str(sv["value"]))
            sampled = SampledValue(
                value=_text(value), measurand=sv.get("measurand", "Energy.Active.Import.Register"),
                phase=sv.get("phase"), unit=unit, context=sv.get("context"), location=sv.get("location"),
                format="SignedData" if sv.get("signedMeterValue") else None)
            refuse_unstorable(sampled, f"{where}.value")
            values.append(sampled)
        out.append(MeterSample(parse_time(mv["timestamp"]), tuple(values)))
    return out


def _text(value: Decimal) -> str:
    if value.adjusted() > 18 or value.adjusted() < -18:
        return str(value)                    # refused or kept as text; never expanded digit by digit
    return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)


def transaction_event(req: dict) -> TransactionEventIn:
    info, evse = req["transactionInfo"], req.get("evse") or {}
    return TransactionEventIn(
        kind=req["eventType"].lower(), ocpp_tx_id=info["transactionId"], at=parse_time(req["timestamp"]),
        seq_no=req["seqNo"], offline=bool(req.get("offline")), evse_id=evse.get("id"),
        connector_id=evse.get("connectorId"), id_tag=(req.get("idToken") or {}).get("idToken"),
        stop_authorized=req.get("triggerReason") == "StopAuthorized", reservation_id=req.get("reservationId"),
        remote_start_id=info.get("remoteStartId"), stopped_reason=info.get("stoppedReason"),
        samples=tuple(samples(req.get("meterValue") or [])))


def transaction_event_response(answer: TransactionEventAnswer) -> dict:
    out: dict = {}
    if answer.id_tag_info is not None:       # idTokenInfo whenever the event carried an idToken
        out["idTokenInfo"] = id_token_info(answer.id_tag_info)
    if answer.total_cost_fen is not None:
        out["totalCost"] = total_cost(answer.total_cost_fen)
    return out


def total_cost(fen: int) -> float:
    """Fen as the decimal amount in the station's currency the 2.0.1 messages carry (2280 -> 22.8;
    the Currency variable says yuan)."""
    return round(fen / 100, 2)


def id_token_info(info: IdTagInfo) -> dict:
    out: dict = {"status": _AUTH.get(info.status, "Invalid")}
    if info.expiry_date is not None:
        out["cacheExpiryDateTime"] = ocpp_time(info.expiry_date)
    if info.group_id:
        out["groupIdToken"] = {"idToken": info.group_id, "type": "Central"}
    return out


# 1.6 configuration keys -> 2.0.1 (component, variable), so one API body serves both versions
KEY_ALIASES = {
    "HeartbeatInterval": ("OCPPCommCtrlr", "HeartbeatInterval"),
    "WebSocketPingInterval": ("OCPPCommCtrlr", "WebSocketPingInterval"),
    "MeterValueSampleInterval": ("SampledDataCtrlr", "TxUpdatedInterval"),
    "MeterValuesSampledData": ("SampledDataCtrlr", "TxUpdatedMeasurands"),
    "StopTxnSampledData": ("SampledDataCtrlr", "TxEndedMeasurands"),
    "ClockAlignedDataInterval": ("AlignedDataCtrlr", "Interval"),
    "MeterValuesAlignedData": ("AlignedDataCtrlr", "Measurands"),
    "ConnectionTimeOut": ("TxCtrlr", "EVConnectionTimeOut"),
    "StopTransactionOnEVSideDisconnect": ("TxCtrlr", "StopTxOnEVSideDisconnect"),
    "AuthorizeRemoteTxRequests": ("AuthCtrlr", "AuthorizeRemoteStart"),
    "LocalAuthorizeOffline": ("AuthCtrlr", "LocalAuthorizeOffline"),
    "LocalPreAuthorize": ("AuthCtrlr", "LocalPreAuthorize"),
    "AuthorizationCacheEnabled": ("AuthCacheCtrlr", "Enabled"),
    "LocalAuthListEnabled": ("LocalAuthListCtrlr", "Enabled"),
    "AuthorizationKey": ("SecurityCtrlr", "BasicAuthPassword"),
    "SecurityProfile": ("SecurityCtrlr", "SecurityProfile"),
    "ResetRetries": ("OCPPCommCtrlr", "ResetRetries"),
}


def component_variable(key: str) -> dict:
    """'HeartbeatInterval' | 'OCPPCommCtrlr.HeartbeatInterval' | 'EVSE/Power' | 'C.V.instance' ->
    {component: {name}, variable: {name[, instance]}}."""
    if key in KEY_ALIASES:
        comp, var = KEY_ALIASES[key]
        return {"component": {"name": comp}, "variable": {"name": var}}
    parts = key.replace("/", ".").split(".")
    if len(parts) == 1:
        return {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": parts[0]}}
    variable = {"name": parts[1]}
    if len(parts) > 2:
        variable["instance"] = ".".join(parts[2:])
    return {"component": {"name": parts[0]}, "variable": variable}


def key_of(component: dict, variable: dict) -> str:
    for alias, (comp, var) in KEY_ALIASES.items():
        if component.get("name") == comp and variable.get("name") == var and "instance" not in variable:
            return alias
    key = f"{component.get('name')}.{variable.get('name')}"
    return key + (f".{variable['instance']}" if variable.get("instance") else "")
