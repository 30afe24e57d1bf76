"""Scenarios run against the fake central system, and the csms-sim command line."""

import asyncio
import json
import subprocess
import sys

import pytest

from chargepoint_sim import cli
from chargepoint_sim.scenarios import SCENARIOS, ScenarioOptions, run_charge_point

FAST_OPTS = dict(session_s=0.4, pause_s=0.2, fault_after_s=0.2, fault_duration_s=0.2, unplug_after_s=0.1)


async def start_scenario(make_cp, name, **cp_kwargs):
    cp = make_cp("S1", **cp_kwargs)
    stop = asyncio.Event()
    task = asyncio.create_task(run_charge_point(cp, name, ScenarioOptions(**FAST_OPTS), stop))
    return cp, stop, task


async def finish(stop, task):
    stop.set()
    await asyncio.wait_for(task, 5)


def test_all_named_scenarios_exist():
    assert set(SCENARIOS) == {"idle", "charge", "plug-in-and-wait", "fault", "remote"}


async def test_idle_sends_heartbeats_only(csms, make_cp):
    cp, stop, task = await start_scenario(make_cp, "idle", heartbeat_interval=0.1)
    await csms.wait(lambda: len(csms.calls("Heartbeat")) >= 3)
    await finish(stop, task)
    assert {r.action for r in csms.received} == {"BootNotification", "StatusNotification", "Heartbeat"}
    assert not cp.connected


async def test_charge_scenario_repeats_sessions(csms, make_cp):
    cp, stop, task = await start_scenario(make_cp, "charge")
    await csms.wait(lambda: len(csms.calls("StopTransaction")) >= 2, timeout=5)
    await finish(stop, task)
    assert csms.statuses(1)[:6] == ["Available", "Preparing", "Charging", "Finishing", "Available", "Preparing"]
    starts, stops = csms.calls("StartTransaction"), csms.calls("StopTransaction")
    assert [s.payload["transactionId"] for s in stops[:2]] == [100, 101]
    assert len(starts) - len(stops) in (0, 1)
    # a session still running at shutdown is stopped cleanly
    assert len(csms.calls("StopTransaction")) == len(starts)


async def test_plug_in_and_wait_scenario(csms, make_cp):
    cp, stop, task = await start_scenario(make_cp, "plug-in-and-wait")
    await csms.wait(lambda: csms.statuses(1)[-1:] == ["Preparing"])
    assert csms.calls("StartTransaction") == []
    assert await csms.call("S1", "RemoteStartTransaction", {"idTag": "R"}) == {"status": "Accepted"}
    start = await csms.wait_call("StartTransaction")
    assert start.payload["connectorId"] == 1  # the plugged-in connector was chosen
    await cp.wait_for(lambda cp: cp.connectors[1].transaction_id == 100)
    await csms.call("S1", "RemoteStopTransaction", {"transactionId": 100})
    await csms.wait(lambda: csms.statuses(1)[-3:] == ["Finishing", "Available", "Preparing"])
    await finish(stop, task)


async def test_fault_scenario(csms, make_cp):
    cp, stop, task = await start_scenario(make_cp, "fault")
    await csms.wait(lambda: csms.statuses(1).count("Faulted") >= 2, timeout=3)
    await finish(stop, task)
    faults = [r.payload for r in csms.calls("StatusNotification") if r.payload["status"] == "Faulted"]
    assert all(f["errorCode"] == "GroundFailure" for f in faults)
    assert csms.statuses(1)[:4] == ["Available", "Faulted", "Available", "Faulted"]


async def test_remote_scenario_unplugs_after_remote_stop(csms, make_cp):
    cp, stop, task = await start_scenario(make_cp, "remote")
    await csms.wait(lambda: len(csms.calls("StatusNotification")) >= 3)
    await csms.call("S1", "RemoteStartTransaction", {"idTag": "R", "connectorId": 2})
    await cp.wait_for(lambda cp: cp.connectors[2].transaction_id is not None)
    await csms.call("S1", "RemoteStopTransaction", {"transactionId": cp.connectors[2].transaction_id})
    await csms.wait(lambda: csms.statuses(2)[-2:] == ["Finishing", "Available"])
    await finish(stop, task)


def test_cli_parser_and_ids():
    args = cli.build_parser().parse_args(["--count", "12", "--id-prefix", "X-"])
    assert cli._ids(args)[:2] == ["X-0001", "X-0002"] and len(cli._ids(args)) == 12
    args = cli.build_parser().parse_args([])
    assert (args.url, args.scenario, args.protocol, cli._ids(args)) == (
        "ws://127.0.0.1:9000/ocpp", "idle", "ocpp1.6", ["CP1"])
    assert cli.build_parser().parse_args(["--protocol", "ocpp2.0.1"]).protocol == "ocpp2.0.1"
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["--protocol", "ocpp2.1"])
    with pytest.raises(SystemExit):  # load mode is 1.6 only
        cli.main(["--load", "--protocol", "ocpp2.0.1"])
    with pytest.raises(SystemExit):
        cli.main(["--key", "k.pem"])
    with pytest.raises(SystemExit):
        cli.main(["--load", "--mix", "Reset:1"])


async def test_cli_charge_scenario_runs_for_duration(csms):
    argv = ["--url", csms.url, "--id", "CLI-1", "--scenario", "charge", "--session-duration", "0.3", "--pause", "0.1",
            "--meter-interval", "0.1", "--duration", "1.2", "-q"]
    code = await asyncio.wait_for(asyncio.to_thread(cli.main, argv), 10)
    assert code == 0
    assert csms.calls("BootNotification")[0].cp_id == "CLI-1"
    assert len(csms.calls("StartTransaction")) >= 2
    assert len(csms.calls("StopTransaction")) == len(csms.calls("StartTransaction"))
    assert "CLI-1" not in csms.connections


async def test_cli_load_prints_json_summary(csms, capsys):
    argv = ["--url", csms.url, "--load", "--count", "5", "--id-prefix", "L-", "--duration", "0.5", "--rate", "max",
            "--mix", "Heartbeat:1,Authorize:1", "-q"]
    code = await asyncio.wait_for(asyncio.to_thread(cli.main, argv), 10)
    summary = json.loads(capsys.readouterr().out)
    assert code == 0 and summary["connections_ok"] == 5 and summary["errors"] == {}
    assert set(summary["by_action"]) == {"BootNotification", "StatusNotification", "Heartbeat", "Authorize"}
    assert {r.cp_id for r in csms.received} == {f"L-000{i}" for i in range(1, 6)}


def test_python_dash_m_entry_point():
    result = subprocess.run([sys.executable, "-m", "chargepoint_sim", "--help"], capture_output=True, text=True,
                            timeout=20)
    assert result.returncode == 0 and "--scenario" in result.stdout and "--load" in result.stdout
