"""A hand-written OCPP-J client for tests: send exact frames, expect exact answers."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json

from websockets.asyncio.client import ClientConnection, connect


class RawClient:
    def __init__(self, ws: ClientConnection):
        self.ws = ws
        self._ids = itertools.count(1)
        self.incoming_calls: asyncio.Queue = asyncio.Queue()

    @classmethod
    async def open(cls, base_url: str, cp_id: str, protocol: str = "ocpp1.6", password: str | None = None,
                   **kw) -> "RawClient":
        headers = {}
        if password is not None:
            headers["Authorization"] = "Basic " + base64.b64encode(f"{cp_id}:{password}".encode()).decode()
        ws = await connect(f"{base_url}/{cp_id}", subprotocols=[protocol], additional_headers=headers, **kw)
        return cls(ws)

    async def send(self, frame) -> None:
        await self.ws.send(frame if isinstance(frame, (str, bytes)) else json.dumps(frame))

    async def recv(self, timeout: float = 5) -> list:
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def call(self, action: str, payload: dict, timeout: float = 5) -> list:
        """Send a CALL, return the whole answer frame ([3, id, payload] or [4, id, code, ...]).
        CALLs the server sends meanwhile are queued in ``incoming_calls``."""
        uid = f"t{next(self._ids)}"
        await self.send([2, uid, action, payload])
        while True:
            frame = await self.recv(timeout)
            if frame[0] == 2:
                await self.incoming_calls.put(frame)
                continue
            assert frame[1] == uid, f"answer to {frame[1]} while waiting for {uid}"
            return frame

    async def result(self, action: str, payload: dict) -> dict:
        frame = await self.call(action, payload)
        assert frame[0] == 3, f"{action} answered {frame}"
        return frame[2]

    async def next_call(self, timeout: float = 5) -> list:
        if not self.incoming_calls.empty():
            return self.incoming_calls.get_nowait()
        frame = await self.recv(timeout)
        assert frame[0] == 2, f"expected a CALL from the server, got {frame}"
        return frame

    async def reply(self, call_frame: list, payload: dict) -> None:
        await self.send([3, call_frame[1], payload])

    async def close(self) -> None:
        await self.ws.close()
