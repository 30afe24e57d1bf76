"""A live charge-point socket, as the layers above see it: an id, a protocol, send and close."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

log = logging.getLogger(__name__)


class Connection:
    __slots__ = ("cp_id", "protocol", "ws", "remote", "tls", "connected_at", "last_frame_at", "state")

    def __init__(self, ws: ServerConnection, cp_id: str, protocol: str, tls: bool = False):
        self.ws = ws
        self.cp_id = cp_id
        self.protocol = protocol
        self.tls = tls
        addr = ws.remote_address
        self.remote = f"{addr[0]}:{addr[1]}" if addr else "?"
        self.connected_at = datetime.now(timezone.utc)
        self.last_frame_at = self.connected_at
        self.state: dict = {}          # slots for the layers above (pending calls, ...)

    async def send(self, text: str) -> None:
        try:
            await self.ws.send(text)
        except ConnectionClosed:
            log.debug("send to closed connection %s dropped", self.cp_id)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        await self.ws.close(code, reason)

    def __repr__(self) -> str:
        return f"<Connection {self.cp_id} {self.protocol} from {self.remote}>"
