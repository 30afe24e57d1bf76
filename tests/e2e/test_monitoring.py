"""/metrics covers what the alert rules and the Grafana dashboard query (the names are checked
against the exposition of a running server), and is kept private by a token or its own port."""

from __future__ import annotations

import json
import re
import socket

import yaml

from csms import paths
from tests.e2e.helpers import BOOT, answer, eventually
from tests.support.ocpp_client import RawClient

CONFIG = paths.CHECKOUT / "config"
NAME = re.compile(r"\bcsms_[a-z0-9_]+\b")


def exported_names(exposition: str) -> set[str]:
    names = set()
    for line in exposition.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            names.add(name)
            if kind == "histogram":
                names |= {f"{name}_bucket", f"{name}_count", f"{name}_sum"}
            if kind == "counter" and not name.endswith("_total"):
                names.add(f"{name}_total")
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    return names


def queried_names() -> dict[str, set[str]]:
    dashboard = json.loads((CONFIG / "grafana" / "dashboards" / "csms-overview.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    rules = yaml.safe_load((CONFIG / "prometheus" / "alerts.yml").read_text())
    exprs_rules = [r["expr"] for g in rules["groups"] for r in g["rules"]]
    return {"grafana": {n for e in exprs for n in NAME.findall(e)},
            "alerts": {n for e in exprs_rules for n in NAME.findall(e)}}


async def test_every_metric_the_dashboard_and_the_alerts_use_is_exported(csms):
    client = await RawClient.open(csms.ocpp_url, (await csms.a_charge_point())["id"])
    try:
        await client.result("BootNotification", BOOT)
        await client.call("Heartbeat", {})
    finally:
        await client.close()
    status, text = await csms.get("/metrics", token=None)
    assert status == 200
    exported = exported_names(text)
    used = queried_names()

    assert len(used["grafana"]) > 25 and len(used["alerts"]) > 8
    for where, names in used.items():
        assert names <= exported, f"{where} queries metrics nobody exports: {sorted(names - exported)}"


async def test_the_business_and_platform_gauges_have_values(csms):
    status, text = await csms.get("/metrics", token=None)
    assert status == 200
    for sample in ('csms_charge_points{state="offline"}', 'csms_db_pool_connections{state="size"} 1.0',
                   'csms_queue_lag_seconds{queue="batch"}', "csms_sessions_active 0.0", "csms_revenue_fen 0.0",
                   'csms_payments{state="paid"} 0.0', 'csms_alarms_open{status="Raised"} 0.0'):
        assert sample in text, sample


async def test_job_runs_are_timed(csms):
    async def presence_ran():
        _, text = await csms.get("/metrics", token=None)
        return 'csms_job_last_success_timestamp_seconds{job_id="presence"}' in text
    await eventually(presence_ran, timeout=12, what="the presence job's first success")


async def test_a_metrics_token_keeps_metrics_private(csms_with):
    server = await csms_with(**{"api.metrics_token": "scrape-token-1"})
    status, body = await server.get("/metrics", token=None)
    assert status == 401 and body["error"]["code"] == "unauthorized"
    status, _ = await server.get("/metrics", token="wrong")
    assert status == 401
    status, text = await server.get("/metrics", token="scrape-token-1")
    assert status == 200 and "csms_ocpp_messages_total" in text


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_a_metrics_port_moves_metrics_off_the_api(csms_with):
    server = await csms_with(**{"api.metrics_port": _free_port()})
    status, _ = await server.get("/metrics", token=None)
    assert status == 404
    port = server.running.metrics_port
    async with server.http.get(f"http://127.0.0.1:{port}/metrics") as resp:
        assert resp.status == 200 and "csms_connected_charge_points" in await resp.text()
    async with server.http.get(f"http://127.0.0.1:{port}/api/v1/admin/stations") as resp:
        assert resp.status == 404           # the metrics listener serves nothing else


async def test_ocpp_messages_are_counted_by_version_and_direction(csms, open_client):
    client = await open_client(csms)
    await answer(client, csms.post(f"/api/v1/admin/charge-points/{client.cp_id}/commands/get-configuration", {}),
                 {"configurationKey": []})
    _, text = await csms.get("/metrics", token=None)
    assert 'csms_ocpp_messages_total{action="GetConfiguration",direction="out",kind="call",version="ocpp1.6"}' in text
    assert 'csms_ocpp_messages_total{action="GetConfiguration",direction="in",kind="result",version="ocpp1.6"}' in text
