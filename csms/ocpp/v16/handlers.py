"""OCPP 1.6J core inbound actions: one short handler each (parse, one service call, map the answer),
and the pure translations they use."""

from __future__ import annotations

from csms.domain.models import IdTagInfo, MeterSample, SampledValue
from csms.ocpp.frames import ocpp_time, parse_time, refuse_unstorable
from csms.ocpp.routing import CallContext
from csms.services.chargers import BootInfo, ChargerService
from csms.services.transactions import TransactionService

VERSION = "ocpp1.6"


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


def id_tag_info(info: IdTagInfo) -> dict:
    out: dict = {"status": "Invalid" if info.status == "Unknown" else info.status}
    if info.expiry_date is not None:
        out["expiryDate"] = ocpp_time(info.expiry_date)
    if info.group_id:
        out["parentIdTag"] = info.group_id
    return out


class V16Handlers:
    def __init__(self, chargers: ChargerService, transactions: TransactionService,
                 vendor_ids: frozenset[str] = frozenset()):
        self.chargers = chargers
        self.transactions = transactions
        self.vendor_ids = vendor_ids

    async def boot_notification(self, ctx: CallContext, req: dict) -> dict:
        result = await self.chargers.boot(ctx.cp_id, BootInfo(
            vendor=req["chargePointVendor"], model=req["chargePointModel"],
            serial_number=req.get("chargePointSerialNumber") or req.get("chargeBoxSerialNumber"),
            firmware_version=req.get("firmwareVersion")))
        return {"status": result.status, "currentTime": ocpp_time(result.current_time), "interval": result.interval}

    async def heartbeat(self, ctx: CallContext, req: dict) -> dict:
        return {"currentTime": ocpp_time(self.chargers.heartbeat(ctx.cp_id))}

    async def status_notification(self, ctx: CallContext, req: dict) -> dict:
        connector = req["connectorId"]
        at = parse_time(req["timestamp"]) if req.get("timestamp") else ctx.received_at
        await self.chargers.status(ctx.cp_id, connector, connector, status=req["status"], error_code=req["errorCode"],
                                   info=req.get("info"), vendor_error_code=req.get("vendorErrorCode"), at=at)
        return {}

    async def authorize(self, ctx: CallContext, req: dict) -> dict:
        info = await self.transactions.authorize(ctx.cp_id, req["idTag"])
        return {"idTagInfo": id_tag_info(info)}

    async def start_transaction(self, ctx: CallContext, req: dict) -> dict:
        connector = req["connectorId"]
        tx, info = await self.transactions.start(
            ctx.cp_id, evse_id=connector, connector_id=connector, id_tag=req["idTag"],
            meter_start_wh=int(req["meterStart"]), started_at=parse_time(req["timestamp"]),
            reservation_id=req.get("reservationId"))
        return {"transactionId": tx.id, "idTagInfo": id_tag_info(info)}

    async def meter_values(self, ctx: CallContext, req: dict) -> dict:
        connector = req["connectorId"]
        await self.transactions.meter_values(ctx.cp_id, evse_id=connector, connector_id=connector,
                                         transaction_id=req.get("transactionId"),
                                         samples=samples(req["meterValue"]))
        return {}

    async def stop_transaction(self, ctx: CallContext, req: dict) -> dict:
        tx, info = await self.transactions.stop(
            ctx.cp_id, transaction_id=req["transactionId"], meter_stop_wh=int(req["meterStop"]),
            stopped_at=parse_time(req["timestamp"]), reason=req.get("reason", "Local"), id_tag=req.get("idTag"),
            samples=samples(req.get("transactionData") or [], "transactionData"))
        return {"idTagInfo": id_tag_info(info)} if info is not None else {}

    async def data_transfer(self, ctx: CallContext, req: dict) -> dict:
        await self.chargers.notice(ctx.cp_id, "data_transfer", req)
        if req["vendorId"] not in self.vendor_ids:
            return {"status": "UnknownVendorId"}
        return {"status": "UnknownMessageId"}
