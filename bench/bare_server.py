#!/usr/bin/env python3
"""The floor for the bench/ scripts: a bare `websockets` server (uvloop, orjson) answering each
OCPP 1.6J CALL with a canned CALLRESULT. No validation, no persistence, no authentication: what the
socket layer alone costs. Port from CSMS_OCPP_PORT."""

from __future__ import annotations

import asyncio
import itertools
import os
from datetime import datetime, timezone

import orjson
import uvloop
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

_tx = itertools.count(1)
_CANNED = {"StatusNotification": {}, "MeterValues": {}, "StopTransaction": {},
           "Authorize": {"idTagInfo": {"status": "Accepted"}}}


def reply(action: str) -> dict:
    if action in _CANNED:
        return _CANNED[action]
    now = datetime.now(timezone.utc).isoformat()
    if action == "BootNotification":
        return {"status": "Accepted", "currentTime": now, "interval": 3600}
    if action == "StartTransaction":
        return {"transactionId": next(_tx), "idTagInfo": {"status": "Accepted"}}
    return {"currentTime": now}


async def handler(ws) -> None:
    try:
        async for raw in ws:
            frame = orjson.loads(raw)
            if frame[0] == 2:
                await ws.send(orjson.dumps([3, frame[1], reply(frame[2])]).decode())
    except ConnectionClosed:
        pass


async def main() -> None:
    port = int(os.environ.get("CSMS_OCPP_PORT", "9000"))
    async with serve(handler, "127.0.0.1", port, subprotocols=["ocpp1.6"], compression=None, ping_interval=None,
                     backlog=4096):
        print(f"bare websockets server on {port}", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    uvloop.run(main())
