"""Every simulator scenario, in both OCPP versions, run by the real command line (``python -m
chargepoint_sim``, a process of its own) against a running CSMS: what the CSMS sees while the scenario
runs (boot, heartbeats, sessions, remote start/stop, faults), and a clean stop on Ctrl-C (SIGINT)."""

from __future__ import annotations

import asyncio
import signal
import sys

import pytest

from chargepoint_sim.scenarios import SCENARIOS
from tests.e2e.helpers import eventually, new_id

VERSIONS = ["ocpp1.6", "ocpp2.0.1"]
FAST = {  # short durations per scenario
    "idle": ["--heartbeat-interval", "0.3"],
    "charge": ["--session-duration", "0.8", "--pause", "0.3", "--meter-interval", "0.2", "--time-scale", "60"],
    "plug-in-and-wait": ["--unplug-after", "0.2", "--meter-interval", "0.2", "--time-scale", "60"],
    "fault": ["--fault-after", "0.3", "--fault-duration", "0.6"],
    "remote": ["--unplug-after", "0.2", "--meter-interval", "0.2", "--time-scale", "60"],
}
PLUGGED = {"Preparing", "Occupied"}   # 1.6 / 2.0.1 word for a connector with a cable in, no session


def test_every_scenario_has_short_settings_here():
    assert set(FAST) == set(SCENARIOS)


async def run_cli(csms, version: str, scenario: str, cp_id: str, id_tag: str):
    argv = ["--url", csms.ocpp_url, "--id", cp_id, "--protocol", version, "--scenario", scenario,
            "--connectors", "1", "--id-tag", id_tag, "--duration", "60", "-q", *FAST[scenario]]
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "chargepoint_sim", *argv,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def view(csms, cp_id: str) -> dict:
    status, body = await csms.get(f"/api/v1/admin/charge-points/{cp_id}")
    assert status == 200, body
    return body


async def connector_status(csms, cp_id: str) -> str | None:
    connectors = (await view(csms, cp_id))["connectors"]
    return next((c["status"] for c in connectors if c["evse_id"] == 1), None)


async def transactions(csms, cp_id: str, status: str | None = None) -> list[dict]:
    query = f"charge_point_id={cp_id}" + (f"&status={status}" if status else "")
    code, body = await csms.get(f"/api/v1/admin/transactions?{query}")
    assert code == 200, body
    return body


async def status_becomes(csms, cp_id: str, wanted: set[str], timeout: float = 10) -> str:
    async def check():
        status = await connector_status(csms, cp_id)
        return status if status in wanted else None
    return await eventually(check, timeout=timeout, what=f"connector 1 {wanted}")


async def remote_session(csms, cp_id: str, id_tag: str) -> dict:
    """Remote start on connector 1, wait for the session, remote stop it; the completed transaction."""
    status, started = await csms.post(f"/api/v1/admin/charge-points/{cp_id}/commands/remote-start",
                                      {"id_tag": id_tag, "connector_id": 1})
    assert (status, started["status"]) == (200, "Accepted"), started
    [tx] = await eventually(lambda: transactions(csms, cp_id, "Active"), timeout=10, what="an active session")
    status, stopped = await csms.post(f"/api/v1/admin/charge-points/{cp_id}/commands/remote-stop",
                                      {"transaction_id": tx["id"]})
    assert (status, stopped["status"]) == (200, "Accepted"), stopped

    async def completed():
        _, t = await csms.get(f"/api/v1/admin/transactions/{tx['id']}")
        return t if t["status"] == "Completed" else None
    return await eventually(completed, timeout=10, what="the session completed")


async def check_idle(csms, cp_id: str, id_tag: str) -> None:
    first = (await eventually(lambda: _online(csms, cp_id), timeout=10, what="online"))["last_seen"]

    async def heartbeat_seen():
        return (await view(csms, cp_id))["last_seen"] != first
    await eventually(heartbeat_seen, timeout=5, what="a heartbeat")
    assert await transactions(csms, cp_id) == []


async def check_charge(csms, cp_id: str, id_tag: str) -> None:
    async def two_sessions():
        done = await transactions(csms, cp_id, "Completed")
        return done if len(done) >= 2 else None
    done = await eventually(two_sessions, timeout=15, what="two completed sessions")
    assert all(t["id_tag"] == id_tag and t["energy_wh"] > 0 and t["stop_reason"] == "Local" for t in done)


async def check_plug_in_and_wait(csms, cp_id: str, id_tag: str) -> None:
    await status_becomes(csms, cp_id, PLUGGED)
    done = await remote_session(csms, cp_id, id_tag)
    assert (done["id_tag"], done["stop_reason"]) == (id_tag, "Remote") and done["energy_wh"] >= 0
    await status_becomes(csms, cp_id, {"Available"})    # the driver leaves ...
    await status_becomes(csms, cp_id, PLUGGED)          # ... and the next one plugs in


async def check_fault(csms, cp_id: str, id_tag: str) -> None:
    await status_becomes(csms, cp_id, {"Faulted"})
    await status_becomes(csms, cp_id, {"Available"})
    await status_becomes(csms, cp_id, {"Faulted"})      # it repeats


async def check_remote(csms, cp_id: str, id_tag: str) -> None:
    await eventually(lambda: _online(csms, cp_id), timeout=10, what="online")
    done = await remote_session(csms, cp_id, id_tag)
    assert (done["id_tag"], done["stop_reason"]) == (id_tag, "Remote")
    await status_becomes(csms, cp_id, {"Available"})    # unplugged after the stop


async def _online(csms, cp_id: str) -> dict | None:
    current = await view(csms, cp_id)
    return current if current["online"] and current["last_seen"] else None


CHECKS = {"idle": check_idle, "charge": check_charge, "plug-in-and-wait": check_plug_in_and_wait,
          "fault": check_fault, "remote": check_remote}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
@pytest.mark.parametrize("version", VERSIONS)
async def test_scenario_runs_against_the_csms(csms, version, scenario):
    cp_id = new_id(f"SCN{version[-3:].replace('.', '')}")
    await csms.a_charge_point(cp_id)
    id_tag = await csms.an_id_tag()
    process = await run_cli(csms, version, scenario, cp_id, id_tag)
    try:
        await CHECKS[scenario](csms, cp_id, id_tag)
        assert process.returncode is None, (await process.stderr.read()).decode()
        process.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(process.communicate(), 15)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr and b"ERROR" not in stderr, stderr.decode()
    current = await view(csms, cp_id)
    assert (current["protocol"], current["vendor"]) == (version, "csms-sim")
    await eventually(lambda: _offline(csms, cp_id), timeout=5, what="offline after the stop")
    assert await transactions(csms, cp_id, "Active") == []   # a running session is stopped on the way out


async def _offline(csms, cp_id: str) -> bool:
    return not (await view(csms, cp_id))["online"]
