"""OCPP 2.0.1 block I (tariff and cost), on csms.services.tariffs.TransactionCosts: the
TransactionEventResponse carries ``totalCost`` at a station with a tariff, the running cost for
Updated events (I02.FR.01 allows it instead of CostUpdated) and the final cost for Ended (I03), in
yuan (fen / 100) as the Currency variable says."""

from __future__ import annotations

import logging
from datetime import datetime

from csms.domain.models import MeterSample
from csms.ocpp.dispatcher import CallContext, Handler
from csms.ocpp.v201 import mapping
from csms.services import meter
from csms.services.tariffs import TransactionCosts

log = logging.getLogger(__name__)


def register_samples(samples: list[MeterSample]) -> list[tuple[datetime, int]]:
    """(time, Wh) of each sample carrying the total energy import register."""
    out = []
    for sample in samples:
        wh = next((v for v in map(meter.energy_wh, sample.values) if v is not None), None)
        if wh is not None:
            out.append((sample.timestamp, wh))
    return out


def total_cost(fen: int) -> float:
    """Fen as the decimal yuan amount the 2.0.1 messages carry (2280 -> 22.8)."""
    return round(fen / 100, 2)


def transaction_event(core: Handler, costs: TransactionCosts, sessions) -> Handler:
    """The TransactionEvent handler before it, then the cost: never a reason to fail the event."""
    async def handler(ctx: CallContext, req: dict) -> dict:
        response = await core(ctx, req)
        kind = req["eventType"]
        if kind == "Started":
            return response
        try:
            tx = await sessions.find(ctx.cp_id, ocpp_tx_id=req["transactionInfo"]["transactionId"])
            if tx is None:
                return response
            if kind == "Ended":
                bill = await costs.final(tx)
            elif tx.status == "Active":
                bill = await costs.running(tx, register_samples(mapping.samples(req.get("meterValue") or [])))
            else:
                return response
        except Exception:
            log.exception("%s: cost of transaction %s", ctx.cp_id, req["transactionInfo"].get("transactionId"))
            return response
        if bill is not None:
            response = {**response, "totalCost": total_cost(bill.total_fen)}
        return response
    return handler
