"""OCPP 2.0.1 core inbound actions: one short handler each (parse, one service call, map the answer)
onto the same neutral services as 1.6, and the pure translations they use."""

from __future__ import annotations

from decimal import Decimal

from csms.domain.models import (
    IdTagInfo,
    MeterSample,
    SampledValue,
    TransactionEventAnswer,
    TransactionEventIn,
)
from csms.ocpp.errors import OcppError
from csms.ocpp.frames import ocpp_time, parse_time, refuse_unstorable
from csms.ocpp.routing import CallContext
from csms.ocpp.v201.iso15118 import certificate_id
from csms.services.chargers import BootInfo, ChargerService
from csms.services.ocsp import ContractValidation
from csms.services.transactions import TransactionService

VERSION = "ocpp2.0.1"
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


class V201Handlers:
    def __init__(self, chargers: ChargerService, transactions: TransactionService,
                 vendor_ids: frozenset[str] = frozenset(), contracts: ContractValidation | None = None):
        self.chargers = chargers
        self.transactions = transactions
        self.vendor_ids = vendor_ids
        self.contracts = contracts          # ISO 15118 contract certificates (C07): revocation over OCSP

    async def boot_notification(self, ctx: CallContext, req: dict) -> dict:
        station = req["chargingStation"]
        result = await self.chargers.boot(ctx.cp_id, BootInfo(
            vendor=station["vendorName"], model=station["model"], serial_number=station.get("serialNumber"),
            firmware_version=station.get("firmwareVersion")))
        return {"status": result.status, "currentTime": ocpp_time(result.current_time), "interval": result.interval}

    async def heartbeat(self, ctx: CallContext, req: dict) -> dict:
        return {"currentTime": ocpp_time(self.chargers.heartbeat(ctx.cp_id))}

    async def status_notification(self, ctx: CallContext, req: dict) -> dict:
        await self.chargers.status(ctx.cp_id, req["evseId"], req["connectorId"], status=req["connectorStatus"],
                                   error_code="NoError", at=parse_time(req["timestamp"]))
        return {}

    async def authorize(self, ctx: CallContext, req: dict) -> dict:
        info = await self.transactions.authorize(ctx.cp_id, req["idToken"]["idToken"])
        hash_data = req.get("iso15118CertificateHashData")
        if self.contracts is None or ("certificate" not in req and not hash_data):
            return {"idTokenInfo": id_token_info(info)}
        info, status = await self.contracts.authorize(info, req.get("certificate"),
                                                      [certificate_id(d) for d in hash_data or ()])
        return {"idTokenInfo": id_token_info(info), "certificateStatus": status}

    async def meter_values(self, ctx: CallContext, req: dict) -> dict:
        await self.transactions.meter_values(ctx.cp_id, evse_id=req["evseId"], connector_id=0 if req["evseId"] == 0 else 1,
                                         transaction_id=None, samples=samples(req["meterValue"]))
        return {}

    async def transaction_event(self, ctx: CallContext, req: dict) -> dict:
        answer = await self.transactions.event(ctx.cp_id, transaction_event(req))
        return transaction_event_response(answer)

    async def data_transfer(self, ctx: CallContext, req: dict) -> dict:
        await self.chargers.notice(ctx.cp_id, "data_transfer", req)
        if req["vendorId"] not in self.vendor_ids:
            return {"status": "UnknownVendorId"}
        return {"status": "UnknownMessageId"}
