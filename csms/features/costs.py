"""Feature module: cost updates (see csms/features/__init__.py).

OCPP 2.0.1 block I: the operator (or a service) tells a charging station the running total cost of
one of its active transactions (CostUpdated, csms/ocpp/v201/costs.py); REST view in api/views/costs.py.
1.6 has no such message (the command answers 400 unknown_action there)."""

from __future__ import annotations

from dataclasses import replace

from csms.domain.costs import CostUpdated
from csms.ocpp.v201 import costs as v201
from csms.services.commands import UnknownTransaction


class TransactionNotActive(Exception):
    """The transaction has ended: its final cost went with the TransactionEventResponse (Ended)."""


class CostUpdates:
    """Sends CostUpdated for a transaction of ours, translated to the station's transactionId."""

    def __init__(self, transactions, commands):
        self.transactions = transactions
        self.commands = commands

    async def send(self, cp_id: str, transaction_id: int, total_fen: int) -> dict:
        tx = await self.transactions.get(transaction_id)
        if tx is None or tx.charge_point_id != cp_id:
            raise UnknownTransaction(f"transaction {transaction_id} is not one of {cp_id}")
        if tx.status != "Active":
            raise TransactionNotActive(f"transaction {transaction_id} is {tx.status}")
        command = CostUpdated(transaction_id, total_fen)
        return await self.commands.send(cp_id, replace(command, ocpp_tx_id=tx.ocpp_tx_id or str(tx.id)))


def install(container) -> None:
    container.cost_updates = CostUpdates(container.transactions, container.commands)
    container.encoders["ocpp2.0.1"].update(v201.ENCODERS)
