"""Named behaviours of one simulated charge point (ChargePoint16 or ChargePoint201: they share the
session API), and the runner that keeps it alive.

Scenarios run until cancelled; the central system's commands are answered by the charge point's
handlers whatever the scenario:
  idle              boot, then heartbeats only
  charge            plug in -> authorize -> start -> meter values -> stop after session_s -> unplug, repeat
  plug-in-and-wait  cable plugged in (Preparing), waits for a RemoteStartTransaction; after the session
                    is stopped the driver unplugs and plugs in again
  fault             goes Faulted after fault_after_s, recovers after fault_duration_s, repeat
  remote            available, waits for remote commands; a finished session is unplugged after a moment
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Awaitable, Callable

from .station import FINISHING, SessionError, SessionRejected
from .station_runtime import StationChargePoint as ChargePoint  # ChargePoint16 / ChargePoint201

log = logging.getLogger("chargepoint_sim")


@dataclass
class ScenarioOptions:
    id_tag: str = "SIMTAG"
    connector_id: int = 1
    session_s: float = 60.0  # charge: how long a session lasts
    pause_s: float = 10.0  # charge: idle time between sessions
    fault_after_s: float = 30.0
    fault_duration_s: float = 15.0
    error_code: str = "GroundFailure"
    unplug_after_s: float = 2.0  # plug-in-and-wait / remote: driver leaves after a stopped session


async def _forever() -> None:
    await asyncio.Event().wait()


async def idle(cp: ChargePoint, opts: ScenarioOptions) -> None:
    await _forever()


async def charge(cp: ChargePoint, opts: ScenarioOptions) -> None:
    cid = opts.connector_id
    while True:
        try:
            await cp.plug_in(cid)
            await cp.start_session(cid, opts.id_tag)
            await asyncio.sleep(opts.session_s)
            if cp.connectors[cid].transaction is not None:
                await cp.stop_session(cid, reason="Local")
        except SessionRejected as exc:
            log.warning("%s: id tag %s rejected (%s)", cp.cp_id, opts.id_tag, exc.status)
        except SessionError as exc:
            log.info("%s: %s", cp.cp_id, exc)
        await asyncio.sleep(min(1.0, opts.pause_s))
        await cp.unplug(cid)
        await asyncio.sleep(opts.pause_s)


async def plug_in_and_wait(cp: ChargePoint, opts: ScenarioOptions) -> None:
    cid = opts.connector_id
    connector = cp.connectors[cid]
    while True:
        await cp.plug_in(cid)
        await cp.wait_for(lambda _: connector.transaction is not None, timeout=float("inf"), poll=1.0)
        await cp.wait_for(lambda _: connector.transaction is None, timeout=float("inf"), poll=1.0)
        await asyncio.sleep(opts.unplug_after_s)
        await cp.unplug(cid)
        await asyncio.sleep(opts.unplug_after_s)


async def fault(cp: ChargePoint, opts: ScenarioOptions) -> None:
    cid = opts.connector_id
    while True:
        await asyncio.sleep(opts.fault_after_s)
        await cp.fault(cid, error_code=opts.error_code)
        await asyncio.sleep(opts.fault_duration_s)
        await cp.clear_fault(cid)


async def remote(cp: ChargePoint, opts: ScenarioOptions) -> None:
    while True:
        finished = await cp.wait_for(
            lambda _: [c for c in cp.connectors[1:] if c.state == FINISHING and c.transaction is None],
            timeout=float("inf"), poll=1.0)
        await asyncio.sleep(opts.unplug_after_s)
        for connector in finished:
            if connector.state == FINISHING and connector.transaction is None:
                await cp.unplug(connector.id)


SCENARIOS: dict[str, Callable[[ChargePoint, ScenarioOptions], Awaitable[None]]] = {
    "idle": idle,
    "charge": charge,
    "plug-in-and-wait": plug_in_and_wait,
    "fault": fault,
    "remote": remote,
}


async def run_charge_point(cp: ChargePoint, scenario: str, opts: ScenarioOptions, stop: asyncio.Event) -> None:
    """Connect (retrying with backoff until ``stop``), run the scenario until ``stop``, then stop any
    running transaction and close."""
    behaviour = SCENARIOS[scenario]
    attempt = 0
    while not stop.is_set():
        try:
            await cp.connect()
            break
        except Exception as exc:  # noqa: BLE001 - server down, refused, ...: retry
            log.warning("%s: cannot connect to %s: %s", cp.cp_id, cp.url, exc or type(exc).__name__)
            try:
                async with asyncio.timeout(cp.backoff_delay(attempt)):
                    await stop.wait()
            except TimeoutError:
                pass
            attempt += 1
    if stop.is_set():
        await cp.close()
        return
    task = asyncio.get_running_loop().create_task(behaviour(cp, opts), name=f"scenario-{cp.cp_id}")
    stopper = asyncio.get_running_loop().create_task(stop.wait())
    await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    while not task.done():  # re-cancel: a cancellation can be lost in a racing await
        task.cancel()
        await asyncio.wait({task}, timeout=0.5)
    await asyncio.gather(task, stopper, return_exceptions=True)
    if task.done() and not task.cancelled() and task.exception() is not None:
        log.error("%s: scenario %s failed: %r", cp.cp_id, scenario, task.exception())
    for connector in cp.connectors[1:]:
        if connector.transaction is not None and cp.ready:
            try:
                async with asyncio.timeout(3):
                    await cp.stop_session(connector.id, reason="Local")
            except Exception:  # noqa: BLE001 - shutting down anyway
                pass
    await cp.close()
