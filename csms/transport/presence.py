"""The services' view of live sockets on this node (csms.services.chargers.Presence)."""

from __future__ import annotations

from datetime import datetime

from csms.transport.registry import Registry


class RegistryPresence:
    def __init__(self, registry: Registry):
        self.registry = registry

    def is_connected(self, cp_id: str) -> bool:
        return self.registry.get(cp_id) is not None

    def last_frame_at(self, cp_id: str) -> datetime | None:
        conn = self.registry.get(cp_id)
        return conn.last_frame_at if conn else None

    def protocol_of(self, cp_id: str) -> str | None:
        conn = self.registry.get(cp_id)
        return conn.protocol if conn else None

    def connected(self) -> list[tuple[str, datetime]]:
        return [(conn.cp_id, conn.last_frame_at) for conn in self.registry]

    async def close(self, cp_id: str, reason: str) -> None:
        conn = self.registry.get(cp_id)
        if conn is not None:
            await conn.close(1001, reason)
