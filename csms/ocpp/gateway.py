"""Sends commands to charge points connected to this node: neutral command -> the charge point's
version encoder (csms/ocpp/<version>/encoders.py) -> CALL -> answer -> neutral result. Failures
come back as the domain's errors (csms/domain/errors.py), so services never see OCPP frames.
(Several nodes: csms/cluster/routing.py RoutedGateway forwards to the node holding the socket.)"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from csms.domain.errors import CommandNotSent, NotConnected
from csms.ocpp import frames
from csms.ocpp.calls import Caller, Connection
from csms.ocpp.errors import OcppError

Encoders = Mapping[str, Mapping[type, tuple]]     # version -> neutral command type -> (encode, decode)


class Connections(Protocol):
    """The live sockets of this node by charge point id (csms/transport/registry.py)."""
    def get(self, cp_id: str) -> Connection | None: ...


class LocalGateway:
    def __init__(self, connections: Connections, caller: Caller, encoders: Encoders, timeout: float):
        self.connections = connections
        self.caller = caller
        self.encoders = encoders
        self.timeout = timeout

    def protocol_of(self, cp_id: str) -> str | None:
        conn = self.connections.get(cp_id)
        return conn.protocol if conn else None

    def _conn(self, cp_id: str) -> Connection:
        conn = self.connections.get(cp_id)
        if conn is None:
            raise NotConnected(f"charge point {cp_id} is not connected")
        return conn

    async def call(self, cp_id: str, action: str, payload: dict, timeout: float | None = None) -> dict:
        """The raw CALL, payload in the charge point's own version."""
        return await self.caller.call(self._conn(cp_id), action, payload, timeout or self.timeout)

    def validate(self, cp_id: str, action: str, payload: dict) -> None:
        self.caller.validate_call(self._conn(cp_id).protocol, action, payload)

    def _encode(self, conn: Connection, command: Any) -> tuple[str, dict, Any]:
        return self._encode_in(conn.protocol, command)

    def _encode_in(self, protocol: str, command: Any) -> tuple[str, dict, Any]:
        pair = self.encoders.get(protocol, {}).get(type(command))
        if pair is None:
            raise CommandNotSent("NotSupported", f"{type(command).__name__} is not available for {protocol}")
        encode, decode = pair
        try:
            action, payload = encode(command)
        except OcppError as exc:       # the command cannot be said in this version (e.g. a field it lacks)
            raise CommandNotSent(exc.code, exc.description, exc.details) from None
        return action, payload, decode

    def encoded_size(self, cp_id: str, command: Any) -> int:
        """Bytes of the CALL frame that would carry ``command`` (with the longest message id we send)."""
        return self.encoded_size_in(self._conn(cp_id).protocol, command)

    def encoded_size_in(self, protocol: str, command: Any) -> int:
        """The same for a charge point connected in ``protocol`` (to another node)."""
        action, payload, _ = self._encode_in(protocol, command)
        return len(frames.call("0" * 36, action, payload).encode())

    async def execute(self, cp_id: str, command: Any, timeout: float | None = None) -> dict:
        conn = self._conn(cp_id)
        action, payload, decode = self._encode(conn, command)
        response = await self.caller.call(conn, action, payload, timeout or self.timeout)
        return decode(command, response)
