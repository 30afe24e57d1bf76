"""Cost updates (OCPP 2.0.1 block I): the operator (or a service) tells a charging station the running
total cost of one of its active transactions. 1.6 has no such message (the command answers 400
unknown_action there)."""

from __future__ import annotations

from dataclasses import replace

from csms.domain.costs import CostUpdated
from csms.domain.repositories import TransactionRepository
from csms.services.commands import CommandService, UnknownTransaction


class TransactionNotActive(Exception):
    """The transaction has ended: its final cost went with the TransactionEventResponse (Ended)."""


class CostUpdates:
    """Sends CostUpdated for a transaction of ours, translated to the station's transactionId."""

    def __init__(self, transaction_repo: TransactionRepository, commands: CommandService):
        self.transaction_repo = transaction_repo
        self.commands = commands

    async def send(self, cp_id: str, transaction_id: int, total_fen: int) -> dict:
        tx = await self.transaction_repo.get(transaction_id)
        if tx is None or tx.charge_point_id != cp_id:
            raise UnknownTransaction(f"transaction {transaction_id} is not one of {cp_id}")
        if tx.status != "Active":
            raise TransactionNotActive(f"transaction {transaction_id} is {tx.status}")
        command = CostUpdated(transaction_id, total_fen)
        return await self.commands.send(cp_id, replace(command, ocpp_tx_id=tx.ocpp_tx_id or str(tx.id)))
