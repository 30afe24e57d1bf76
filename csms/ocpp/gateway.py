"""Sends commands to charge points connected to this node: neutral command -> the charge point's
version encoder -> CALL -> answer -> neutral result. (Multi-node: a Redis-backed gateway with the
same interface forwards to the node holding the socket.)"""

from __future__ import annotations

from typing import Any

from csms.ocpp import frames
from csms.ocpp.dispatcher import Dispatcher
from csms.ocpp.errors import NotConnected, OcppError
from csms.transport.registry import Registry


class LocalGateway:
    def __init__(self, registry: Registry, dispatcher: Dispatcher, encoders: dict[str, dict[type, tuple]],
                 timeout: float):
        self.registry = registry
        self.dispatcher = dispatcher
        self.encoders = encoders
        self.timeout = timeout

    def protocol_of(self, cp_id: str) -> str | None:
        conn = self.registry.get(cp_id)
        return conn.protocol if conn else None

    def _conn(self, cp_id: str):
        conn = self.registry.get(cp_id)
        if conn is None:
            raise NotConnected(f"charge point {cp_id} is not connected")
        return conn

    async def call(self, cp_id: str, action: str, payload: dict, timeout: float | None = None) -> dict:
        conn = self._conn(cp_id)
        return await self.dispatcher.call(conn, action, payload, timeout or self.timeout)

    def validate(self, cp_id: str, action: str, payload: dict) -> None:
        conn = self._conn(cp_id)
        self.dispatcher.validate_call(conn.protocol, action, payload)

    def _pair(self, conn, command: Any) -> tuple:
        pair = self.encoders.get(conn.protocol, {}).get(type(command))
        if pair is None:
            raise OcppError("NotSupported", f"{type(command).__name__} is not available for {conn.protocol}")
        return pair

    def encoded_size(self, cp_id: str, command: Any) -> int:
        """Bytes of the CALL frame that would carry ``command`` (with the longest message id we send)."""
        action, payload = self._pair(self._conn(cp_id), command)[0](command)
        return len(frames.call("0" * 36, action, payload).encode())

    async def execute(self, cp_id: str, command: Any, timeout: float | None = None) -> dict:
        conn = self._conn(cp_id)
        encode, decode = self._pair(conn, command)
        action, payload = encode(command)
        response = await self.dispatcher.call(conn, action, payload, timeout or self.timeout)
        return decode(command, response)
