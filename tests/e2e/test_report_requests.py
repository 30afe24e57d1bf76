"""Report request tracking over real sockets: every request answered in parts (2.0.1 GetBaseReport,
GetReport, GetMonitoringReport, CustomerInformation, GetDisplayMessages; GetLog / GetDiagnostics) is
recorded, its answer and parts (NotifyReport, NotifyMonitoringReport, NotifyCustomerInformation,
NotifyDisplayMessages, LogStatusNotification / DiagnosticsStatusNotification) matched by requestId,
seqNo/tbc assembled, and timed out when the rest never comes."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import a_time, answer
from tests.e2e.test_security import client_of, cmd

pytestmark = pytest.mark.asyncio(loop_scope="module")
own_server = pytest.mark.asyncio(loop_scope="function")
V16, V201 = "ocpp1.6", "ocpp2.0.1"


@pytest.fixture
def csms(shared_csms):
    return shared_csms


@pytest.fixture
def open_client(shared_client):
    return shared_client


def requests_of(cp_id: str, query: str = "") -> str:
    return f"/api/v1/admin/charge-points/{cp_id}/requests{query}"


async def detail(csms, cp_id: str, request_id: int, query: str = "") -> dict:
    status, body = await csms.get(requests_of(cp_id, f"/{request_id}{query}"))
    assert status == 200, body
    return body


def item(name: str) -> dict:
    return {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": name},
            "variableAttribute": [{"type": "Actual", "value": "1"}]}


def report(request_id: int, seq: int, tbc: bool, *names: str) -> dict:
    return {"requestId": request_id, "generatedAt": a_time(0), "seqNo": seq, "tbc": tbc,
            "reportData": [item(n) for n in names]}


@own_server
async def test_TC_B_06_base_report_parts_in_any_order_until_complete(csms_any_db, fresh_client):
    csms = csms_any_db
    client = await client_of(fresh_client, csms, V201)
    _frame, _status, body = await answer(client, csms.post(cmd(client.cp_id, "get-base-report"),
                                                          {"report_base": "FullInventory"}), {"status": "Accepted"})
    rid = body["request_id"]
    code, listed = await csms.get(requests_of(client.cp_id))
    assert code == 200 and [(r["request_id"], r["kind"], r["status"], r["answer"], r["params"]) for r in listed] == [
        (rid, "GetBaseReport", "accepted", "Accepted", {"report_base": "FullInventory"})]
    assert await client.result("NotifyReport", report(rid, 0, True, "A", "B")) == {}
    assert await client.result("NotifyReport", report(rid, 2, False, "E")) == {}
    got = await detail(csms, client.cp_id, rid)
    assert (got["status"], got["parts_received"], got["final_seq_no"], got["missing"]) == ("receiving", 2, 2, [1])
    assert await client.result("NotifyReport", report(rid, 1, True, "C", "D")) == {}
    assert await client.result("NotifyReport", report(rid, 1, True, "C", "D")) == {}       # repeated
    got = await detail(csms, client.cp_id, rid)
    assert (got["status"], got["parts_received"], got["missing"], got["completed_at"] is not None) == \
        ("complete", 3, [], True)
    assert [d["variable"]["name"] for d in got["data"]] == ["A", "B", "C", "D", "E"]
    assert [(p["seq_no"], p["tbc"]) for p in got["parts"]] == [(0, True), (1, True), (2, False)]
    # the device model is stored as before
    _, model = await csms.get(f"/api/v1/admin/charge-points/{client.cp_id}/device-model")
    assert sorted(v["variable"] for v in model) == ["A", "B", "C", "D", "E"]


async def test_TC_B_08_nothing_to_report_is_complete_a_refusal_rejected(csms, open_client):
    client = await client_of(open_client, csms, V201)
    _, _, empty = await answer(client, csms.post(cmd(client.cp_id, "get-report"), {"component_criteria": ["Problem"]}),
                               {"status": "EmptyResultSet"})
    _, _, refused = await answer(client, csms.post(cmd(client.cp_id, "get-base-report"),
                                                   {"report_base": "SummaryInventory"}), {"status": "NotSupported"})
    got = await detail(csms, client.cp_id, empty["request_id"])
    assert (got["kind"], got["status"], got["data"], got["params"]["component_criteria"]) == (
        "GetReport", "complete", [], ["Problem"])
    assert (await detail(csms, client.cp_id, refused["request_id"]))["status"] == "rejected"
    _, rejected = await csms.get(requests_of(client.cp_id, "?status=rejected"))
    assert [r["request_id"] for r in rejected] == [refused["request_id"]]


async def test_TC_N_monitoring_report_and_customer_information_are_assembled(csms, open_client):
    client = await client_of(open_client, csms, V201)
    _, _, mon = await answer(client, csms.post(cmd(client.cp_id, "get-monitoring-report"), {}), {"status": "Accepted"})
    monitor = {"component": {"name": "EVSE"}, "variable": {"name": "Power"},
               "variableMonitoring": [{"id": 1, "transaction": False, "value": 10, "type": "Delta", "severity": 5}]}
    for seq, tbc in ((0, True), (1, False)):
        await client.result("NotifyMonitoringReport", {"requestId": mon["request_id"], "seqNo": seq, "tbc": tbc,
                                                       "generatedAt": a_time(1), "monitor": [monitor]})
    got = await detail(csms, client.cp_id, mon["request_id"])
    assert (got["kind"], got["status"], len(got["data"])) == ("GetMonitoringReport", "complete", 2)

    _, _, info = await answer(client, csms.post(cmd(client.cp_id, "customer-information"),
                                                {"report": True, "clear": False, "customer_identifier": "c-9"}),
                              {"status": "Accepted"})
    for seq, (data, tbc) in enumerate((("name=Li; ", True), ("card=1234", False))):
        await client.result("NotifyCustomerInformation", {"data": data, "tbc": tbc, "seqNo": seq,
                                                          "generatedAt": a_time(2), "requestId": info["request_id"]})
    got = await detail(csms, client.cp_id, info["request_id"], "?kind=CustomerInformation")
    assert (got["status"], got["data"], got["params"]["customer_identifier"]) == ("complete", "name=Li; card=1234",
                                                                                  "c-9")


async def test_TC_O_02_display_messages_numbered_in_arrival_order(csms, open_client):
    client = await client_of(open_client, csms, V201)
    _, _, body = await answer(client, csms.post(cmd(client.cp_id, "get-display-messages"), {}), {"status": "Accepted"})
    rid = body["request_id"]
    message = {"priority": "NormalCycle", "message": {"format": "ASCII", "content": "Hi"}}
    await client.result("NotifyDisplayMessages", {"requestId": rid, "tbc": True, "messageInfo": [{**message, "id": 1}]})
    assert (await detail(csms, client.cp_id, rid))["status"] == "receiving"
    await client.result("NotifyDisplayMessages", {"requestId": rid, "messageInfo": [{**message, "id": 2}]})
    got = await detail(csms, client.cp_id, rid)
    assert (got["status"], [m["id"] for m in got["data"]], got["final_seq_no"]) == ("complete", [1, 2], 1)
    _, _, none = await answer(client, csms.post(cmd(client.cp_id, "get-display-messages"), {"ids": [9]}),
                              {"status": "Unknown"})
    assert (await detail(csms, client.cp_id, none["request_id"]))["status"] == "complete"


async def test_TC_N_25_log_upload_201_and_diagnostics_16(csms, open_client):
    client = await client_of(open_client, csms, V201)
    _, _, body = await answer(client, csms.post(cmd(client.cp_id, "get-log"), {
        "location": "https://logs.example.com/", "log_type": "DiagnosticsLog"}),
        {"status": "Accepted", "filename": "d.log"})
    rid = body["request_id"]
    await client.result("LogStatusNotification", {"status": "Uploading", "requestId": rid})
    assert (await detail(csms, client.cp_id, rid))["status"] == "receiving"
    await client.result("LogStatusNotification", {"status": "Uploaded", "requestId": rid})
    got = await detail(csms, client.cp_id, rid, "?kind=GetLog")
    assert (got["status"], got["data"], got["params"]["log_type"]) == ("complete", ["Uploading", "Uploaded"],
                                                                       "DiagnosticsLog")

    old = await client_of(open_client, csms, V16)       # 1.6 GetDiagnostics: notifications without requestId
    _, _, body = await answer(old, csms.post(cmd(old.cp_id, "get-diagnostics"), {"location": "ftp://x/"}),
                              {"fileName": "diag.zip"})
    await old.result("DiagnosticsStatusNotification", {"status": "Uploading"})
    await old.result("DiagnosticsStatusNotification", {"status": "UploadFailed"})
    got = await detail(csms, old.cp_id, body["request_id"])
    assert (got["kind"], got["status"], got["data"]) == ("GetLog", "failed", ["Uploading", "UploadFailure"])


async def test_callerror_is_failed_and_a_request_never_sent_is_not_recorded(csms, open_client):
    client = await client_of(open_client, csms, V201)
    _, status, _body = await answer(client, csms.post(cmd(client.cp_id, "customer-information"),
                                                     {"report": True, "clear": True}),
                                   [4, "{id}", "InternalError", "boom", {}])
    assert status == 502
    _, listed = await csms.get(requests_of(client.cp_id))
    assert [(r["kind"], r["status"], r["answer"]) for r in listed] == [("CustomerInformation", "failed", None)]
    old = await client_of(open_client, csms, V16)
    status, _ = await csms.post(cmd(old.cp_id, "get-base-report"), {"report_base": "FullInventory"})
    assert status == 400                          # not in 1.6: nothing sent, nothing recorded
    await old.close()
    status, _ = await csms.post(cmd(old.cp_id, "get-log"), {"location": "https://x/", "log_type": "SecurityLog"})
    assert status == 409
    assert (await csms.get(requests_of(old.cp_id)))[1] == []


async def test_a_request_without_its_last_part_times_out_and_late_parts_still_complete_it(csms, open_client):
    client = await client_of(open_client, csms, V201)
    _, _, body = await answer(client, csms.post(cmd(client.cp_id, "get-base-report"),
                                                {"report_base": "ConfigurationInventory"}), {"status": "Accepted"})
    rid = body["request_id"]
    await client.result("NotifyReport", report(rid, 0, True, "A"))
    service = csms.container.report_requests
    job = next(j.run for j in csms.container.scheduler.table if j.id == "report-request-timeout")
    await job()
    assert (await detail(csms, client.cp_id, rid))["status"] == "receiving"       # not due yet
    saved = dict(service.timeouts)
    service.timeouts["GetBaseReport"] = 0
    try:
        await job()
    finally:
        service.timeouts.update(saved)
    got = await detail(csms, client.cp_id, rid)
    assert (got["status"], got["missing"]) == ("timed_out", [])
    assert (await csms.get(requests_of(client.cp_id, "?status=timed_out&kind=GetBaseReport")))[1][0]["request_id"] \
        == rid
    await client.result("NotifyReport", report(rid, 1, False, "B"))
    assert (await detail(csms, client.cp_id, rid))["status"] == "complete"


async def test_unknown_things_are_404_and_bad_filters_400(csms, open_client):
    client = await client_of(open_client, csms, V201)
    # a NotifyReport for a request the CSMS never made is answered and stored, not tracked
    assert await client.result("NotifyReport", report(424242, 0, False, "X")) == {}
    assert (await csms.get(requests_of(client.cp_id)))[1] == []
    for path, code in ((requests_of("NO-SUCH-CP"), 404), (requests_of(client.cp_id, "/424242"), 404),
                       (requests_of(client.cp_id, "/abc"), 404), (requests_of(client.cp_id, "?kind=Nope"), 400),
                       (requests_of(client.cp_id, "?status=done"), 400), (requests_of(client.cp_id, "?limit=0"), 400)):
        status, body = await csms.get(path)
        assert status == code and body["error"]["code"] == ("not_found" if code == 404 else "invalid_request"), \
            (path, status, body)
