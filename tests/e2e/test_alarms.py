"""Alarms end to end, with the bundled simulator (1.6 and 2.0.1) over real sockets: a faulted connector
that recovers within the debounce raises nothing; one that stays faulted raises an alarm that reaches
the SMS emulator, a webhook receiver (signature checked; its first attempt refused, so retried), an
SMTP server and the WeChat emulator (an operator who bound their WeChat), and the operator feed, live;
acknowledge -> work order -> resolve, the delivery record and the MTTA / MTTR report."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from aiohttp import web
from aiosmtpd.smtp import SMTP

from api import push_operator
from chargepoint_sim import ChargePoint16, ChargePoint201
from csms.notify import webhook
from tests.e2e.helpers import eventually, new_id

SECRET = "whsec-e2e-0123456789abcdef"
TEMPLATE = "TPL-ALARM-1"
PHONE = "+8613800138000"
SIMS = {"ocpp1.6": ChargePoint16, "ocpp2.0.1": ChargePoint201}


class Receivers:
    """A webhook endpoint (refuses its first call, then checks signatures) and an SMTP mailbox."""

    def __init__(self):
        self.hooks: list[tuple[dict, bool]] = []
        self.mail: list[tuple[list[str], str]] = []
        self.refused = 0

    async def hook(self, request: web.Request) -> web.Response:
        body = await request.read()
        if not self.refused:
            self.refused += 1
            return web.Response(status=503)
        self.hooks.append((json.loads(body), webhook.verify(SECRET, request.headers, body)))
        return web.Response(status=204)

    async def handle_DATA(self, server, session, envelope):
        self.mail.append((envelope.rcpt_tos, envelope.content.decode()))
        return "250 OK"


@pytest.fixture
async def receivers():
    r = Receivers()
    app = web.Application()
    app.router.add_post("/hook", r.hook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    smtp = await asyncio.get_running_loop().create_server(lambda: SMTP(r, hostname="mail.test"), "127.0.0.1", 0)
    r.hook_url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    r.smtp_port = smtp.sockets[0].getsockname()[1]
    yield r
    smtp.close()
    await smtp.wait_closed()
    await runner.cleanup()


async def a_network_that_notifies(csms, r: Receivers) -> None:
    """Channels of every type, one rule for connector faults; the admin bound their WeChat."""
    emulator = csms.container.wechat.emulator
    status, bound = await csms.put("/api/v1/admin/me/wechat", {"code": emulator.login_code("ops-admin")})
    assert (status, bound["bound"]) == (200, True)
    emulator.accept_subscribe(emulator.openid("ops-admin"), TEMPLATE)
    ids = []
    for name, kind, targets in (("duty phone", "sms", [PHONE]), ("ops hook", "webhook", [r.hook_url]),
                                ("ops mail", "email", ["ops@example.com"]), ("admin wechat", "wechat", ["admin"])):
        status, channel = await csms.post("/api/v1/admin/notifications/channels",
                                          {"name": name, "type": kind, "targets": targets})
        assert status == 201 and channel["available"], channel
        ids.append(channel["id"])
    status, rule = await csms.post("/api/v1/admin/notifications/rules", {
        "name": "faults", "channel_ids": ids, "min_severity": "warning", "kinds": ["connector_fault"]})
    assert status == 201, rule


async def feed_until(ws, *predicates, timeout: float = 5.0) -> list[dict]:
    """The first message matching each predicate, whatever their order (other traffic skipped)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    found: list = [None] * len(predicates)
    while not all(found):
        msg = await ws.receive(timeout=max(0.05, deadline - loop.time()))
        assert msg.type == aiohttp.WSMsgType.TEXT, msg
        data = msg.json()
        for n, predicate in enumerate(predicates):
            if found[n] is None and predicate(data):
                found[n] = data
    return found


def about(message_type: str, event: str, **data):
    return lambda m: m["type"] == message_type and m.get("event") == event and all(
        m["data"].get(k) == v for k, v in data.items())


@pytest.mark.parametrize("version", ["ocpp1.6", "ocpp2.0.1"])
async def test_a_lasting_fault_reaches_every_channel_and_the_feed_and_is_handled(csms_with, receivers, version):
    csms = await csms_with(**{
        "alarms.debounce": "connector_fault=1,device_problem=1", "alarms.check_interval": 0.1,
        "notify.webhook_secret": SECRET, "notify.retry_backoff": 0.05, "notify.smtp_host": "127.0.0.1",
        "notify.smtp_port": receivers.smtp_port, "notify.smtp_tls": "none", "wechat.alarm_template_id": TEMPLATE})
    await a_network_that_notifies(csms, receivers)
    cp_id = new_id("SIM")
    await csms.a_charge_point(cp_id)
    sim = SIMS[version](url=csms.ocpp_url, cp_id=cp_id, connectors=2, call_timeout=5, reconnect_min_delay=0.1,
                        reconnect_max_delay=0.5)
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(csms.api_url + push_operator.PATH + f"?token={csms.token}")
        try:
            assert (await sim.connect())["status"] == "Accepted"
            await sim.fault(1, "GroundFailure")          # recovers within the debounce: no alarm, ever
            await sim.clear_fault(1)
            await sim.fault(2, "HighTemperature")        # stays faulted
            [raised] = await feed_until(ws, about("alarm", "raised", charge_point_id=cp_id, kind="connector_fault"))
            alarm = raised["data"]
            assert (alarm["kind"], alarm["evse_id"], alarm["status"], alarm["severity"]) == (
                "connector_fault", 2, "Raised", "major")          # 2.0.1: connector 1 of EVSE 2

            # connector 1's fault, older, would have been raised before this one had it lasted
            _, listed = await csms.get(f"/api/v1/admin/alarms?charge_point_id={cp_id}&kind=connector_fault")
            # (2.0.1 reports no error code: a Faulted status is the whole story)
            assert [(a["evse_id"], a["type"]) for a in listed] == [
                (2, "HighTemperature" if version == "ocpp1.6" else "Faulted")]

            sms = csms.container.notify.sms_emulator
            await eventually(lambda: _ready([m for m in sms.messages if m["phone"] == PHONE]), what="the SMS")
            assert sms.messages[-1]["params"]["alarm"] == str(alarm["id"])
            await eventually(lambda: _ready(receivers.hooks), what="the webhook")
            payload, verified = receivers.hooks[0]
            assert verified and payload["event"] == "alarm.raised" and payload["alarm"]["id"] == alarm["id"]
            await eventually(lambda: _ready(receivers.mail), what="the e-mail")
            to, content = receivers.mail[0]
            assert to == ["ops@example.com"] and f"X-CSMS-Alarm: {alarm['id']}" in content
            wechat = csms.container.wechat.emulator
            await eventually(lambda: _ready([m for m in wechat.messages if m.get("template_id") == TEMPLATE]),
                             what="the WeChat subscribe message")

            async def attempts():
                _, rows = await csms.get(f"/api/v1/admin/notifications/deliveries?alarm_id={alarm['id']}")
                return rows if len(rows) == 5 else None
            rows = await eventually(attempts, what="five delivery attempts")
            assert sorted((d["channel_type"], d["status"], d["attempt"]) for d in rows) == [
                ("email", "sent", 1), ("sms", "sent", 1), ("webhook", "failed", 1), ("webhook", "sent", 2),
                ("wechat", "sent", 1)]

            # acknowledge -> work order -> resolve, each change on the feed
            status, acked = await csms.post(f"/api/v1/admin/alarms/{alarm['id']}/acknowledge", {"note": "on it"})
            assert status == 200 and acked["status"] == "Acknowledged" and acked["work_order"]["status"] == "open"
            await feed_until(ws, about("alarm", "acknowledged", id=alarm["id"]),
                             about("work_order", "opened", alarm_id=alarm["id"]))
            order = acked["work_order"]
            status, moved = await csms.patch(f"/api/v1/admin/work-orders/{order['id']}", {"status": "in_progress"})
            assert status == 200 and moved["started_at"]
            status, done = await csms.patch(f"/api/v1/admin/work-orders/{order['id']}",
                                            {"status": "resolved", "resolution": "fan replaced"})
            assert (status, done["status"], [n["text"] for n in done["notes"]]) == (200, "resolved", ["on it"])
            resolved, _ = await feed_until(ws, about("alarm", "resolved", id=alarm["id"]),
                                           about("work_order", "resolved", id=order["id"]))
            assert (resolved["data"]["resolved_by"], resolved["data"]["resolution"]) == ("admin", "fan replaced")
            status, report = await csms.get("/api/v1/admin/reports/alarm-response-times?period=day")
            assert status == 200 and report["total"]["acknowledged"] >= 1 and report["total"]["mttr_s"] is not None
        finally:
            await ws.close()
            await sim.close()


async def _ready(items: list) -> list:
    return items
