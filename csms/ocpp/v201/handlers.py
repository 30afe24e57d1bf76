"""OCPP 2.0.1 inbound actions: one short handler each, onto the same neutral services as 1.6."""

from __future__ import annotations

from csms.ocpp.routing import CallContext
from csms.ocpp.v201 import mapping
from csms.ocpp.times import ocpp_time, parse_time
from csms.ocpp.v201.iso15118 import certificate_id
from csms.services.chargers import BootInfo, ChargerService
from csms.services.ocsp import ContractValidation
from csms.services.transactions import TransactionService

VERSION = "ocpp2.0.1"


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
            return {"idTokenInfo": mapping.id_token_info(info)}
        info, status = await self.contracts.authorize(info, req.get("certificate"),
                                                      [certificate_id(d) for d in hash_data or ()])
        return {"idTokenInfo": mapping.id_token_info(info), "certificateStatus": status}

    async def meter_values(self, ctx: CallContext, req: dict) -> dict:
        await self.transactions.meter_values(ctx.cp_id, evse_id=req["evseId"], connector_id=0 if req["evseId"] == 0 else 1,
                                         transaction_id=None, samples=mapping.samples(req["meterValue"]))
        return {}

    async def transaction_event(self, ctx: CallContext, req: dict) -> dict:
        answer = await self.transactions.event(ctx.cp_id, mapping.transaction_event(req))
        return mapping.transaction_event_response(answer)

    async def data_transfer(self, ctx: CallContext, req: dict) -> dict:
        await self.chargers.notice(ctx.cp_id, "data_transfer", req)
        if req["vendorId"] not in self.vendor_ids:
            return {"status": "UnknownVendorId"}
        return {"status": "UnknownMessageId"}
