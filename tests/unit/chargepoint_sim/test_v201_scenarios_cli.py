"""Every scenario, and the command line, with --protocol ocpp2.0.1."""

import asyncio

from chargepoint_sim import cli
from chargepoint_sim.scenarios import ScenarioOptions, run_charge_point

FAST_OPTS = {"session_s": 0.4, "pause_s": 0.2, "fault_after_s": 0.2, "fault_duration_s": 0.2, "unplug_after_s": 0.1}


async def start_scenario(make_cp201, name, **cp_kwargs):
    cp = make_cp201("S1", **cp_kwargs)
    stop = asyncio.Event()
    task = asyncio.create_task(run_charge_point(cp, name, ScenarioOptions(**FAST_OPTS), stop))
    return cp, stop, task


async def finish(stop, task):
    stop.set()
    await asyncio.wait_for(task, 5)


def ended(csms201):
    return [p for p in csms201.events() if p["eventType"] == "Ended"]


async def test_idle(csms201, make_cp201):
    cp, stop, task = await start_scenario(make_cp201, "idle", heartbeat_interval=0.1)
    await csms201.wait(lambda: len(csms201.calls("Heartbeat")) >= 3)
    await finish(stop, task)
    assert {r.action for r in csms201.received} == {"BootNotification", "StatusNotification", "Heartbeat"}
    assert not cp.connected


async def test_charge_repeats_sessions_and_stops_cleanly(csms201, make_cp201):
    _cp, stop, task = await start_scenario(make_cp201, "charge")
    await csms201.wait(lambda: len(ended(csms201)) >= 2, timeout=5)
    await finish(stop, task)
    events = csms201.events()
    started = [p for p in events if p["eventType"] == "Started"]
    assert len(started) == len(ended(csms201)) >= 2  # a session running at shutdown was ended too
    assert len({p["transactionInfo"]["transactionId"] for p in started}) == len(started)
    assert csms201.statuses(1)[:4] == ["Available", "Occupied", "Available", "Occupied"]


async def test_plug_in_and_wait(csms201, make_cp201):
    cp, stop, task = await start_scenario(make_cp201, "plug-in-and-wait")
    await csms201.wait(lambda: csms201.statuses(1)[-1:] == ["Occupied"])
    assert csms201.events() == []
    request = {"idToken": {"idToken": "R", "type": "Central"}, "remoteStartId": 3}
    assert await csms201.call("S1", "RequestStartTransaction", request) == {"status": "Accepted"}
    started = (await csms201.wait_call("TransactionEvent")).payload
    assert started["evse"]["id"] == 1 and started["transactionInfo"]["remoteStartId"] == 3  # the plugged-in EVSE
    tx = await cp.wait_for(lambda cp: cp.connectors[1].transaction_id)
    await csms201.call("S1", "RequestStopTransaction", {"transactionId": tx})
    await csms201.wait(lambda: csms201.statuses(1)[-2:] == ["Available", "Occupied"])
    await finish(stop, task)


async def test_fault(csms201, make_cp201):
    _cp, stop, task = await start_scenario(make_cp201, "fault")
    await csms201.wait(lambda: csms201.statuses(1).count("Faulted") >= 2, timeout=3)
    await finish(stop, task)
    assert csms201.statuses(1)[:4] == ["Available", "Faulted", "Available", "Faulted"]
    assert [r.payload["eventData"][0]["actualValue"] for r in csms201.calls("NotifyEvent")][:3] == [
        "true", "false", "true"]


async def test_remote(csms201, make_cp201):
    cp, stop, task = await start_scenario(make_cp201, "remote")
    await csms201.wait(lambda: len(csms201.calls("StatusNotification")) >= 2)
    request = {"idToken": {"idToken": "R", "type": "Central"}, "remoteStartId": 4, "evseId": 2}
    await csms201.call("S1", "RequestStartTransaction", request)
    tx = await cp.wait_for(lambda cp: cp.connectors[2].transaction_id)
    await csms201.call("S1", "RequestStopTransaction", {"transactionId": tx})  # maybe before it charges
    await csms201.wait(lambda: csms201.statuses(2)[-2:] == ["Occupied", "Available"])
    await finish(stop, task)


async def test_cli_charge_scenario_speaks_201(csms201):
    argv = ["--url", csms201.url, "--id", "CLI-2", "--protocol", "ocpp2.0.1", "--scenario", "charge",
            "--session-duration", "0.3", "--pause", "0.1", "--meter-interval", "0.1", "--duration", "1.2", "-q"]
    code = await asyncio.wait_for(asyncio.to_thread(cli.main, argv), 10)
    assert code == 0
    assert csms201.subprotocols["CLI-2"] == "ocpp2.0.1"
    assert csms201.calls("BootNotification")[0].payload["reason"] == "PowerUp"
    assert len(ended(csms201)) >= 2
    assert len(ended(csms201)) == len([p for p in csms201.events() if p["eventType"] == "Started"])


def test_help_documents_protocols_and_tls(capsys):
    try:
        cli.main(["--help"])
    except SystemExit:
        pass
    text = " ".join(capsys.readouterr().out.split())  # independent of the terminal width
    assert "ocpp2.0.1" in text and "--ca-file" in text and "--cert" in text and "--key" in text
    assert "OCPP 1.6 only" in text
