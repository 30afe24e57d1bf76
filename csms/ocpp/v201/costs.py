"""OCPP 2.0.1 block I: the encoder of the neutral CostUpdated command. ``totalCost`` is in the
station's currency unit (yuan: fen / 100, as the TransactionEventResponse's totalCost); the empty
CostUpdatedResponse maps to status Accepted (the station has it)."""

from __future__ import annotations

from csms.domain.costs import CostUpdated
from csms.ocpp.v201.handlers import total_cost


def _cost_updated(cmd: CostUpdated) -> tuple[str, dict]:
    return "CostUpdated", {"totalCost": total_cost(cmd.total_fen), "transactionId": cmd.ocpp_tx_id}


def _result(cmd: CostUpdated, resp: dict) -> dict:
    return {"status": "Accepted", "transaction_id": cmd.transaction_id, "total_cost": cmd.total_fen}


ENCODERS = {CostUpdated: (_cost_updated, _result)}
