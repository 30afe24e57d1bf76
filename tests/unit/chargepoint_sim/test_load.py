"""Load mode: argument parsing, statistics, and short runs against the fake central system."""

import asyncio

import pytest

from chargepoint_sim.load import LoadConfig, action_cycle, parse_mix, parse_rate, percentile, run_load

from .fake_csms import CsmsCallError


def test_parse_mix_and_rate():
    assert parse_mix("Heartbeat:1, MeterValues:3") == {"Heartbeat": 1.0, "MeterValues": 3.0}
    assert parse_mix("Heartbeat,StatusNotification") == {"Heartbeat": 1.0, "StatusNotification": 1.0}
    for bad in ("", "Reset:1", "Heartbeat:-1", "Heartbeat:0"):
        with pytest.raises(ValueError):
            parse_mix(bad)
    assert parse_rate("max") is None and parse_rate("2.5") == 2.5
    with pytest.raises(ValueError):
        parse_rate("0")


def test_action_cycle_follows_weights_and_percentiles():
    cycle = action_cycle({"Heartbeat": 1, "MeterValues": 3})
    assert cycle.count("MeterValues") == 3 * cycle.count("Heartbeat")
    assert action_cycle({"Heartbeat": 1, "Authorize": 0.001}).count("Authorize") == 1  # never starved
    values = list(range(1, 101))
    assert (percentile(values, 50), percentile(values, 95), percentile(values, 99)) == (50, 95, 99)
    assert percentile([], 50) == 0.0 and percentile([7.0], 99) == 7.0


async def test_load_run_counts_match_what_the_server_saw(csms):
    config = LoadConfig(url=csms.url, count=50, duration=1.5, ramp=0.3,
                        mix={"Heartbeat": 1, "StatusNotification": 1, "MeterValues": 2})
    summary = await run_load(config)
    assert summary["connections_ok"] == 50 and summary["connections_failed"] == 0
    assert summary["boot_accepted"] == 50
    assert summary["errors"] == {} and summary["calls_failed"] == 0
    assert summary["calls_sent"] == summary["calls_ok"] == len(csms.received) > 200
    seen = {}
    for r in csms.received:
        seen[r.action] = seen.get(r.action, 0) + 1
    assert summary["by_action"] == seen
    assert seen["BootNotification"] == 50 and seen["MeterValues"] > seen["Heartbeat"]
    assert len({r.cp_id for r in csms.received}) == 50 and "LOAD-0001" in csms.headers
    latency = summary["latency_ms"]
    assert 0 < latency["p50"] <= latency["p95"] <= latency["p99"] <= latency["max"]
    assert summary["calls_per_s"] > 100
    assert 1.5 <= summary["duration_s"] < 4


async def test_load_rate_limit_and_transactions(csms):
    config = LoadConfig(url=csms.url, count=10, duration=1.0, rate=5, mix={"MeterValues": 1}, transaction=True,
                        id_prefix="TX-")
    summary = await run_load(config)
    assert summary["by_action"]["StartTransaction"] == summary["by_action"]["StopTransaction"] == 10
    per_cp = {}
    for r in csms.calls("MeterValues"):
        per_cp.setdefault(r.cp_id, set()).add(r.payload["transactionId"])
        assert r.payload["transactionId"] is not None
    assert len(per_cp) == 10 and all(len(ids) == 1 for ids in per_cp.values())  # one transaction per cp
    # 5 calls/s for ~1 s minus boot time: never bursts beyond the rate
    assert 2 * 10 <= summary["by_action"]["MeterValues"] <= 6 * 10


async def test_load_counts_refused_connections(csms):
    for i in range(1, 4):
        csms.passwords[f"LOAD-000{i}"] = "secret"
    summary = await run_load(LoadConfig(url=csms.url, count=5, duration=0.5))
    assert summary["connections_ok"] == 2 and summary["connections_failed"] == 3
    assert summary["errors"] == {"connect:http_401": 3}
    with_password = await run_load(LoadConfig(url=csms.url, count=3, duration=0.3, password="secret"))
    assert with_password["connections_ok"] == 3


async def test_load_answers_csms_calls_and_stops_early(csms):
    stop = asyncio.Event()
    task = asyncio.create_task(run_load(LoadConfig(url=csms.url, count=2, duration=30), stop))
    await csms.wait(lambda: len(csms.calls("Heartbeat")) > 5)
    with pytest.raises(CsmsCallError) as info:
        await csms.call("LOAD-0001", "GetConfiguration", {})
    assert info.value.code == "NotSupported"
    stop.set()
    summary = await asyncio.wait_for(task, 5)
    assert summary["inbound_calls"] == 1 and summary["duration_s"] < 5
