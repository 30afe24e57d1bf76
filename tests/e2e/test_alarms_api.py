"""The alarm, work order and notification endpoints over HTTP (docs/contract.md "Alarms and work
orders", "Alarm notifications"): roles, validation, the lifecycle's refusals, filters, the MTTA / MTTR
report, binding an operator's WeChat through the WeChat emulator."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.helpers import a_time
from tests.e2e.test_security import client_of

A = "/api/v1/admin"


async def an_operator(csms) -> tuple[str, str]:
    name = f"op-{uuid.uuid4().hex[:6]}"
    status, _ = await csms.post(f"{A}/operators", {"username": name, "password": "operator-pass-1"})
    assert status == 201
    status, login = await csms.post("/api/v1/auth/login", {"username": name, "password": "operator-pass-1"},
                                    token=None)
    return name, login["access_token"]


async def an_alarm(csms, open_client, event: str = "TamperDetectionActivated") -> dict:
    """A security event raises at once (no debounce for its kind)."""
    client = await client_of(open_client, csms, "ocpp1.6")
    await client.result("SecurityEventNotification", {"type": event, "timestamp": a_time(1)})
    status, alarms = await csms.get(f"{A}/alarms?charge_point_id={client.cp_id}")
    assert status == 200 and len(alarms) == 1
    return alarms[0]


def error(body: dict) -> tuple[str, str | None]:
    return body["error"]["code"], body["error"].get("field")


async def test_channels_and_rules_are_for_admins_and_checked(csms):
    _, operator = await an_operator(csms)
    status, body = await csms.get(f"{A}/notifications/channels", token=operator)
    assert (status, error(body)[0]) == (403, "forbidden")
    status, body = await csms.post(f"{A}/notifications/channels", {"name": "x", "type": "sms", "targets": ["+86"]},
                                   token=operator)
    assert status == 403

    bad = [({"name": "p", "type": "sms", "targets": ["call me"]}, "targets"),
           ({"name": "p", "type": "email", "targets": []}, "targets"),
           ({"name": "p", "type": "pager", "targets": ["1"]}, "type"),
           ({"name": "p", "type": "webhook", "targets": ["ftp://x"]}, "targets")]
    for channel, field in bad:
        status, body = await csms.post(f"{A}/notifications/channels", channel)
        assert status == 400 and error(body) == ("validation_error", field), (channel, body)
    status, sms = await csms.post(f"{A}/notifications/channels", {"name": "duty", "type": "sms",
                                                                   "targets": ["+8613800138000"]})
    assert status == 201 and (sms["available"], sms["enabled"]) == (True, True)
    status, body = await csms.post(f"{A}/notifications/channels",
                                   {"name": "duty", "type": "sms", "targets": ["123456"]})
    assert (status, error(body)[0]) == (409, "conflict")
    status, mail = await csms.post(f"{A}/notifications/channels", {"name": "mail", "type": "email",
                                                                    "targets": ["ops@example.com"]})
    assert status == 201 and mail["available"] is False             # no SMTP server configured

    bad_rules = [({"name": "r", "channel_ids": [999]}, "channel_ids"),
                 ({"name": "r", "channel_ids": [sms["id"]], "quiet_start": "22:00"}, "quiet_end"),
                 ({"name": "r", "channel_ids": [sms["id"]], "timezone": "Mars/Olympus"}, "timezone"),
                 ({"name": "r", "channel_ids": [sms["id"]], "quiet_start": "25:00", "quiet_end": "07:00"},
                  "quiet_start"),
                 ({"name": "r", "channel_ids": [sms["id"]], "kinds": ["earthquake"]}, "kinds")]
    for rule, field in bad_rules:
        status, body = await csms.post(f"{A}/notifications/rules", rule)
        assert status == 400 and error(body)[0] == "validation_error" and field in error(body)[1], (rule, body)
    status, rule = await csms.post(f"{A}/notifications/rules", {
        "name": "nights", "channel_ids": [sms["id"]], "min_severity": "major", "station_ids": [1],
        "events": ["raised", "resolved"], "quiet_start": "22:00", "quiet_end": "07:00"})
    assert status == 201 and (rule["kinds"], rule["timezone"], rule["quiet_min_severity"]) == (
        [], "Asia/Shanghai", "critical")
    status, rule = await csms.patch(f"{A}/notifications/rules/{rule['id']}",
                                    {"enabled": False, "kinds": ["meter_anomaly"]})
    assert status == 200
    assert (rule["enabled"], rule["kinds"], rule["quiet_start"]) == (False, ["meter_anomaly"], "22:00")
    status, body = await csms.request("DELETE", f"{A}/notifications/channels/{sms['id']}")
    assert (status, error(body)[0]) == (409, "conflict")             # the rule uses it
    assert (await csms.request("DELETE", f"{A}/notifications/rules/{rule['id']}"))[0] == 204
    assert (await csms.request("DELETE", f"{A}/notifications/channels/{sms['id']}"))[0] == 204
    for path in (f"channels/{sms['id']}", f"rules/{rule['id']}"):
        status, body = await csms.get(f"{A}/notifications/{path}")
        assert (status, error(body)[0]) == (404, "not_found")
    status, listed = await csms.get(f"{A}/notifications/channels")
    assert [c["name"] for c in listed] == ["mail"]


async def test_handling_an_alarm_and_what_is_refused(csms, open_client):
    name, operator = await an_operator(csms)
    alarm = await an_alarm(csms, open_client)
    assert (alarm["status"], alarm["work_order"], alarm["count"]) == ("Raised", None, 1)
    for path, data in (("assign", {"assignee": name}), ("notes", {"text": "looked"})):
        status, body = await csms.post(f"{A}/alarms/{alarm['id']}/{path}", data, token=operator)
        assert (status, error(body)[0]) == (409, "conflict"), path          # acknowledge first
    status, body = await csms.post(f"{A}/alarms/{alarm['id']}/acknowledge", {"assignee": "nobody"}, token=operator)
    assert (status, error(body)) == (400, ("validation_error", "assignee"))
    status, acked = await csms.post(f"{A}/alarms/{alarm['id']}/acknowledge", {}, token=operator)
    assert status == 200 and (acked["acknowledged_by"], acked["work_order"]["assignee"]) == (name, name)
    status, assigned = await csms.post(f"{A}/alarms/{alarm['id']}/assign", {"assignee": "admin"}, token=operator)
    assert status == 200 and assigned["work_order"]["assignee"] == "admin"
    status, noted = await csms.post(f"{A}/alarms/{alarm['id']}/notes", {"text": "lid was open"}, token=operator)
    assert status == 201
    assert [(n["author"], n["text"]) for n in noted["work_order"]["notes"]] == [(name, "lid was open")]
    order = noted["work_order"]
    status, body = await csms.patch(f"{A}/work-orders/{order['id']}", {"status": "closed"}, token=operator)
    assert status == 200 and body["status"] == "closed"                  # a false alarm: closed, not resolved
    status, body = await csms.patch(f"{A}/work-orders/{order['id']}", {"status": "in_progress"}, token=operator)
    assert (status, error(body)[0]) == (409, "conflict")
    status, done = await csms.post(f"{A}/alarms/{alarm['id']}/resolve", {"resolution": "false alarm"}, token=operator)
    assert status == 200 and (done["status"], done["work_order"]["status"]) == ("Resolved", "closed")
    status, again = await csms.post(f"{A}/alarms/{alarm['id']}/resolve", {}, token=operator)
    assert status == 200 and again["resolution"] == "false alarm"       # resolving twice changes nothing
    status, body = await csms.post(f"{A}/alarms/{alarm['id']}/acknowledge", {}, token=operator)
    assert (status, error(body)[0]) == (409, "conflict")
    for method, path in (("GET", f"{A}/alarms/999999"), ("POST", f"{A}/alarms/999999/acknowledge"),
                         ("GET", f"{A}/work-orders/999999"), ("PATCH", f"{A}/work-orders/999999")):
        status, body = await csms.request(method, path, json={"status": "closed"} if method == "PATCH" else {})
        assert (status, error(body)[0]) == (404, "not_found"), path

    status, one = await csms.get(f"{A}/alarms/{alarm['id']}", token=operator)
    assert status == 200 and one["work_order"]["notes"][0]["text"] == "lid was open"
    status, orders = await csms.get(f"{A}/work-orders?assignee=admin&status=closed", token=operator)
    assert [o["id"] for o in orders] == [order["id"]]


@pytest.mark.parametrize("query,ok", [("status=Resolved", True), ("severity=critical&kind=security_event", True),
                                      ("status=Cleared", False), ("kind=earthquake", False),
                                      ("since=yesterday", False), ("station_id=0", False)])
async def test_alarm_list_filters(csms, open_client, query, ok):
    alarm = await an_alarm(csms, open_client)
    await csms.post(f"{A}/alarms/{alarm['id']}/resolve", {})
    status, body = await csms.get(f"{A}/alarms?{query}&charge_point_id={alarm['charge_point_id']}")
    if ok:
        assert status == 200 and [a["id"] for a in body] == [alarm["id"]]
    else:
        assert status == 400 and error(body)[0] in ("invalid_request", "validation_error")


async def test_the_response_time_report(csms, open_client):
    alarm = await an_alarm(csms, open_client)
    await csms.post(f"{A}/alarms/{alarm['id']}/acknowledge", {})
    await csms.post(f"{A}/alarms/{alarm['id']}/resolve", {})
    status, report = await csms.get(f"{A}/reports/alarm-response-times?station_id={alarm['station_id']}")
    assert status == 200
    assert (report["total"]["alarms"], report["total"]["acknowledged"], report["total"]["resolved"]) == (1, 1, 1)
    assert [r["station_id"] for r in report["rows"]] == [alarm["station_id"]]
    assert report["total"]["mtta_s"] <= report["total"]["mttr_s"]
    for query in ("since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z", "since=2020-01-01T00:00:00Z",
                  "period=week"):
        status, body = await csms.get(f"{A}/reports/alarm-response-times?{query}")
        assert status == 400, query


async def test_an_operator_binds_their_wechat_with_a_login_code(csms):
    emulator = csms.container.wechat.emulator
    status, body = await csms.put(f"{A}/me/wechat", {"code": "not-a-code"})
    assert (status, error(body)[0]) == (400, "wechat_login_failed")
    assert (await csms.get(f"{A}/me/wechat"))[1] == {"bound": False, "bound_at": None}
    status, bound = await csms.put(f"{A}/me/wechat", {"code": emulator.login_code("admin-phone")})
    assert status == 200 and bound["bound"] and bound["bound_at"].endswith("Z")
    openids = await csms.container.repos.operator_contacts.openids(("admin",))
    assert openids == [("admin", emulator.openid("admin-phone"))]
    assert (await csms.get(f"{A}/me/wechat"))[1]["bound"] is True
    assert (await csms.request("DELETE", f"{A}/me/wechat"))[0] == 204
    assert (await csms.get(f"{A}/me/wechat"))[1]["bound"] is False
