#!/usr/bin/env python3
"""Reference point for bench/load.py: a central system written with the `ocpp` library's defaults
(jsonschema validation, its routing), answering the load mix with canned replies and persisting
nothing. `python bench/load.py --server ocpp-lib` runs the same load against it."""

from __future__ import annotations

import asyncio
import itertools
import os
from datetime import datetime, timezone

import websockets
from ocpp.routing import on
from ocpp.v16 import ChargePoint as Cp
from ocpp.v16 import call_result
from ocpp.v16.enums import Action, AuthorizationStatus, RegistrationStatus

_tx = itertools.count(1)


def now() -> str:
    return datetime.now(timezone.utc).isoformat()


class CentralSystemCp(Cp):
    @on(Action.boot_notification)
    async def on_boot(self, charge_point_vendor, charge_point_model, **kw):
        return call_result.BootNotification(current_time=now(), interval=3600, status=RegistrationStatus.accepted)

    @on(Action.heartbeat)
    async def on_heartbeat(self, **kw):
        return call_result.Heartbeat(current_time=now())

    @on(Action.status_notification)
    async def on_status(self, **kw):
        return call_result.StatusNotification()

    @on(Action.meter_values)
    async def on_meter_values(self, **kw):
        return call_result.MeterValues()

    @on(Action.authorize)
    async def on_authorize(self, id_tag, **kw):
        return call_result.Authorize(id_tag_info={"status": AuthorizationStatus.accepted})

    @on(Action.start_transaction)
    async def on_start(self, **kw):
        return call_result.StartTransaction(transaction_id=next(_tx), id_tag_info={"status": AuthorizationStatus.accepted})

    @on(Action.stop_transaction)
    async def on_stop(self, **kw):
        return call_result.StopTransaction()


async def handler(ws):
    cp_id = ws.request.path.rstrip("/").rsplit("/", 1)[-1]
    try:
        await CentralSystemCp(cp_id, ws).start()
    except websockets.exceptions.ConnectionClosed:
        pass


async def main() -> None:
    port = int(os.environ.get("CSMS_OCPP_PORT", "9000"))
    async with websockets.serve(handler, "127.0.0.1", port, subprotocols=["ocpp1.6"], compression=None,
                                ping_interval=None):
        print(f"ocpp-lib reference server on {port}", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main())
