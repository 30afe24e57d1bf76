"""OCPP 2.0.1 inbound actions: one short handler each, onto the same neutral services as 1.6."""

from __future__ import annotations

from csms.ocpp.dispatcher import CallContext, Handler
from csms.ocpp.v201 import mapping
from csms.services import meter
from csms.services.chargers import BootInfo, ChargerService
from csms.services.clock import ocpp_time, parse_time
from csms.services.sessions import SessionService

VERSION = "ocpp2.0.1"


class V201Handlers:
    def __init__(self, chargers: ChargerService, sessions: SessionService, vendor_ids: frozenset[str] = frozenset()):
        self.chargers = chargers
        self.sessions = sessions
        self.vendor_ids = vendor_ids

    def routes(self) -> dict[str, Handler]:
        routes: dict[str, Handler] = {
            "Authorize": self.authorize,
            "BootNotification": self.boot_notification,
            "DataTransfer": self.data_transfer,
            "Heartbeat": self.heartbeat,
            "MeterValues": self.meter_values,
            "StatusNotification": self.status_notification,
            "TransactionEvent": self.transaction_event,
        }
        return routes



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
        info = await self.sessions.authorize(ctx.cp_id, req["idToken"]["idToken"])
        return {"idTokenInfo": mapping.id_token_info(info)}

    async def meter_values(self, ctx: CallContext, req: dict) -> dict:
        await self.sessions.meter_values(ctx.cp_id, evse_id=req["evseId"], connector_id=0 if req["evseId"] == 0 else 1,
                                         transaction_id=None, samples=mapping.samples(req["meterValue"]))
        return {}

    async def transaction_event(self, ctx: CallContext, req: dict) -> dict:
        info = req["transactionInfo"]
        at = parse_time(req["timestamp"])
        samples = mapping.samples(req.get("meterValue") or [])
        register = meter.latest(samples)[0]
        token = (req.get("idToken") or {}).get("idToken")
        evse = req.get("evse") or {}
        ended = req["eventType"] == "Ended"
        id_info = None       # idTokenInfo is answered whenever the event carries an idToken
        tx = await self.sessions.find(ctx.cp_id, ocpp_tx_id=info["transactionId"])
        if tx is None:   # Started, or the first event to arrive of a transaction (out of order)
            tx, id_info = await self.sessions.start(
                ctx.cp_id, evse_id=evse.get("id", 1), connector_id=evse.get("connectorId", 1), id_tag=token,
                meter_start_wh=register if register is not None else 0, started_at=at,
                reservation_id=req.get("reservationId"), ocpp_tx_id=info["transactionId"],
                remote_start_id=info.get("remoteStartId"))
        else:
            if req["eventType"] == "Started":
                await self.sessions.correct_start(tx, started_at=at, meter_start_wh=register)
            if token and not ended:
                if req.get("triggerReason") == "StopAuthorized":    # the token that stops it (group, master pass)
                    id_info = await self.sessions.authorize(ctx.cp_id, token)
                else:
                    id_info = await self.sessions.assign_id_tag(tx, token)
        fresh = self.sessions.sequence(tx, req["seqNo"], bool(req.get("offline")))
        if ended:
            stop_wh = register if register is not None else (tx.last_meter_wh or tx.meter_start_wh)
            _done, stop_info = await self.sessions.stop(
                ctx.cp_id, transaction_id=tx.id, meter_stop_wh=stop_wh, stopped_at=at,
                reason=info.get("stoppedReason", "Local"), id_tag=token, samples=samples)
            id_info = id_info or stop_info
        elif samples and fresh:     # a repeated event (same seqNo) adds nothing twice
            await self.sessions.meter_values(ctx.cp_id, evse_id=tx.evse_id, connector_id=tx.connector_id,
                                             transaction_id=tx.id, samples=samples)
        return {"idTokenInfo": mapping.id_token_info(id_info)} if token and id_info is not None else {}

    async def data_transfer(self, ctx: CallContext, req: dict) -> dict:
        await self.chargers.notice(ctx.cp_id, "data_transfer", req)
        if req["vendorId"] not in self.vendor_ids:
            return {"status": "UnknownVendorId"}
        return {"status": "UnknownMessageId"}
