"""Replays recorded OCPP 1.6J sessions (tests/fixtures/ocpp16/*.json) frame by frame over a real
socket, checks every answer, then checks what the session left behind over REST."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.helpers import new_id

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ocpp16"


def _fill(node, values: dict):
    """Replace "$NAME" strings by values[NAME] (keeping the value's type)."""
    if isinstance(node, str) and node.startswith("$") and node[1:] in values:
        return values[node[1:]]
    if isinstance(node, list):
        return [_fill(n, values) for n in node]
    if isinstance(node, dict):
        return {k: _fill(v, values) for k, v in node.items()}
    return node


def _contains(actual, expected) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and _contains(actual[k], v) for k, v in expected.items())
    if isinstance(expected, list):
        return (isinstance(actual, list) and len(actual) == len(expected)
                and all(_contains(a, e) for a, e in zip(actual, expected)))
    return actual == expected


async def replay(client, name: str, values: dict) -> dict:
    """Send each recorded frame, check its answer; returns the values captured on the way."""
    steps = json.loads((FIXTURES / name).read_text())["steps"]
    for i, step in enumerate(steps):
        await client.send(_fill(step["send"], values))
        answer = await client.recv()
        expected = _fill(step["expect"], values)
        assert _contains(answer, expected), f"step {i} ({step['send'][2]}): got {answer}, expected {expected}"
        for key, field in step.get("capture", {}).items():
            values[key] = answer[2][field]
    return values


async def test_three_phase_session(csms, open_client):
    client = await open_client(csms, boot=False)
    tag = await csms.an_id_tag(new_id("TAG"))
    values = await replay(client, "three_phase_session.json", {"CP": client.cp_id, "TAG": tag})

    code, cp = await csms.get(f"/api/v1/admin/charge-points/{client.cp_id}")
    assert code == 200
    assert (cp["vendor"], cp["model"], cp["serial_number"], cp["firmware_version"]) == \
        ("ExampleVendor", "AC22-3P", "EV22-000417", "4.12.0-rc2")
    assert cp["status"] == "Available"
    [connector] = cp["connectors"]
    assert (connector["connector_id"], connector["status"], connector["status_at"]) == \
        (1, "Available", "2026-03-01T00:32:10.000Z")

    code, tx = await csms.get(f"/api/v1/admin/transactions/{values['TX']}")
    assert code == 200
    assert (tx["status"], tx["id_tag"], tx["stop_id_tag"], tx["stop_reason"]) == ("Completed", tag, tag, "EVDisconnected")
    assert (tx["meter_start_wh"], tx["meter_stop_wh"], tx["energy_wh"], tx["anomaly"]) == (12345678, 12350100, 4422, None)
    assert (tx["started_at"], tx["stopped_at"]) == ("2026-03-01T00:00:05.000Z", "2026-03-01T00:31:30.000Z")
    assert len(tx["meter_values"]) == 12           # every sampled value, per phase included
    assert [(v["context"], v["value"]) for v in tx["meter_values"] if v["context"] != "Sample.Periodic"] == \
        [("Transaction.Begin", "12345.678"), ("Transaction.End", "12350.100")]
    phases = sorted(v["phase"] for v in tx["meter_values"] if v["measurand"] == "Current.Import")
    assert phases == ["L1", "L2", "L3"]


async def test_live_figures_during_the_recorded_session(csms, open_client):
    """Stop the replay before StopTransaction: the transaction shows the newest register and power,
    from the total (not per-phase) values, converted to Wh and W."""
    client = await open_client(csms, boot=False)
    tag = await csms.an_id_tag(new_id("TAG"))
    steps = json.loads((FIXTURES / "three_phase_session.json").read_text())["steps"]
    cut = next(i for i, s in enumerate(steps) if s["send"][2] == "StopTransaction")
    values = {"CP": client.cp_id, "TAG": tag}
    for step in steps[:cut]:
        await client.send(_fill(step["send"], values))
        answer = await client.recv()
        assert answer[0] == 3, answer
        for key, field in step.get("capture", {}).items():
            values[key] = answer[2][field]
    code, [tx] = await csms.get(f"/api/v1/admin/transactions?charge_point_id={client.cp_id}&status=Active")
    assert code == 200 and tx["id"] == values["TX"]
    assert (tx["last_meter_wh"], tx["energy_wh"], tx["power_w"]) == (12349871, 12349871 - 12345678, 10900)
