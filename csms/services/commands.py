"""Operator and service commands to charge points, version-neutral."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Protocol

from csms.domain import commands as neutral
from csms.domain.repositories import TransactionRepository
from csms.services.charger_passwords import ChargerPasswords, changed_password
from csms.services.ids import next_remote_start_id


class UnknownTransaction(Exception):
    pass


class Gateway(Protocol):
    def protocol_of(self, cp_id: str) -> str | None: ...
    async def call(self, cp_id: str, action: str, payload: dict, timeout: float | None = None) -> dict: ...
    async def execute(self, cp_id: str, command: Any, timeout: float | None = None) -> dict: ...
    def encoded_size(self, cp_id: str, command: Any) -> int: ...


# (version, action, payload, response) -> the password a raw CALL set and the charge point accepted
RawPassword = Callable[[str | None, str, dict, dict], str | None]


class CommandService:
    def __init__(self, gateway: Gateway, transactions: TransactionRepository,
                 passwords: ChargerPasswords | None = None, raw_password: RawPassword | None = None):
        self.gateway = gateway
        self.transactions = transactions
        self.passwords = passwords            # every accepted password change is stored (none locks a charger out)
        self.raw_password = raw_password

    async def send(self, cp_id: str, command: Any) -> dict:
        if isinstance(command, neutral.RemoteStart) and command.remote_start_id is None:
            command = replace(command, remote_start_id=next_remote_start_id())
        if isinstance(command, neutral.GetTransactionStatus) and command.transaction_id is not None:
            tx = await self.transactions.get(command.transaction_id)
            if tx is None or tx.charge_point_id != cp_id:
                raise UnknownTransaction(f"transaction {command.transaction_id} is not one of {cp_id}")
            command = replace(command, ocpp_tx_id=tx.ocpp_tx_id or str(tx.id))
        if isinstance(command, neutral.RemoteStop):
            tx = await self.transactions.get(command.transaction_id)
            if tx is None or tx.charge_point_id != cp_id:
                raise UnknownTransaction(f"transaction {command.transaction_id} is not one of {cp_id}")
            command = replace(command, ocpp_tx_id=tx.ocpp_tx_id or str(tx.id))
        result = await self.gateway.execute(cp_id, command)
        await self._password_changed(cp_id, changed_password(command, result))
        return result

    async def size(self, cp_id: str, command: Any) -> int:
        """Bytes of the frame that would carry ``command`` to this charge point (message size limits)."""
        return self.gateway.encoded_size(cp_id, command)

    async def call(self, cp_id: str, action: str, payload: dict) -> dict:
        """The raw CALL, payload in the charge point's own version."""
        version = self.gateway.protocol_of(cp_id)
        response = await self.gateway.call(cp_id, action, payload)
        if self.raw_password is not None:
            await self._password_changed(cp_id, self.raw_password(version, action, payload, response))
        return response

    async def _password_changed(self, cp_id: str, password: str | None) -> None:
        if password is not None and self.passwords is not None:
            await self.passwords.accepted(cp_id, password)
