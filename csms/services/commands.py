"""Operator and service commands to charge points, version-neutral."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Protocol

from csms.domain import commands as c
from csms.domain.repositories import TransactionRepository
from csms.services.ids import next_remote_start_id




class UnknownTransaction(Exception):
    pass


class Gateway(Protocol):
    def protocol_of(self, cp_id: str) -> str | None: ...
    async def call(self, cp_id: str, action: str, payload: dict, timeout: float | None = None) -> dict: ...
    async def execute(self, cp_id: str, command: Any, timeout: float | None = None) -> dict: ...


class CommandService:
    def __init__(self, gateway: Gateway, transactions: TransactionRepository):
        self.gateway = gateway
        self.transactions = transactions

    async def send(self, cp_id: str, command: Any) -> dict:
        if isinstance(command, c.RemoteStart) and command.remote_start_id is None:
            command = replace(command, remote_start_id=next_remote_start_id())
        if isinstance(command, c.GetTransactionStatus) and command.transaction_id is not None:
            tx = await self.transactions.get(command.transaction_id)
            if tx is None or tx.charge_point_id != cp_id:
                raise UnknownTransaction(f"transaction {command.transaction_id} is not one of {cp_id}")
            command = replace(command, ocpp_tx_id=tx.ocpp_tx_id or str(tx.id))
        if isinstance(command, c.RemoteStop):
            tx = await self.transactions.get(command.transaction_id)
            if tx is None or tx.charge_point_id != cp_id:
                raise UnknownTransaction(f"transaction {command.transaction_id} is not one of {cp_id}")
            command = replace(command, ocpp_tx_id=tx.ocpp_tx_id or str(tx.id))
        return await self.gateway.execute(cp_id, command)

    async def call(self, cp_id: str, action: str, payload: dict) -> dict:
        """The raw CALL, payload in the charge point's own version."""
        return await self.gateway.call(cp_id, action, payload)
