"""ReportRequestService on an in-memory repository and a fake clock: a request recorded before it is
sent, its answer, its parts in any order and repeated, failures, log uploads, timeouts."""

from __future__ import annotations

import pytest

from csms.domain.errors import CommandNotSent
from csms.domain.requests import PartIn
from csms.domain.errors import CallErrorReceived, CallTimeout, NotConnected
from csms.services.ids import next_request_id
from csms.services.requests import ReportRequestService
from tests.fakes import FakeClock
from tests.fakes_requests import FakeReportRequestRepository


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def repo():
    return FakeReportRequestRepository()


@pytest.fixture
def service(repo, clock):
    return ReportRequestService(repo, clock, timeouts={"GetBaseReport": 60, "GetLog": 600})


def answering(reply: dict | Exception, seen: list | None = None):
    async def send():
        if seen is not None:
            seen.append("sent")
        if isinstance(reply, Exception):
            raise reply
        return reply
    return send


async def _status(service, request_id, kind=None):
    req, _parts = await service.detail("CP1", request_id, kind)
    return req.status


async def test_recorded_before_it_is_sent_then_answered(service, repo):
    statuses = []

    async def send():
        statuses.append((await repo.find("CP1", 7)).status)
        return {"status": "Accepted"}

    result = await service.track("CP1", "GetBaseReport", 7, {"report_base": "FullInventory"}, send)
    assert result == {"status": "Accepted", "request_id": 7}
    assert statuses == ["requested"]
    req = await repo.find("CP1", 7)
    assert (req.status, req.answer, req.params, req.parts_received) == (
        "accepted", "Accepted", {"report_base": "FullInventory"}, 0)


async def test_parts_in_any_order_repeated_and_missing_until_complete(service, clock):
    await service.track("CP1", "GetReport", 8, {}, answering({"status": "Accepted"}))
    clock.advance(1)
    await service.part_received("CP1", "report", PartIn(8, 2, False, [{"c": 3}]))
    req, parts = await service.detail("CP1", 8)
    assert (req.status, req.final_seq_no, req.last_seq_no, req.parts_received) == ("receiving", 2, 2, 1)
    await service.part_received("CP1", "report", PartIn(8, 0, True, [{"a": 1}]))
    await service.part_received("CP1", "report", PartIn(8, 0, True, [{"a": 1}]))    # repeated
    assert (await service.detail("CP1", 8))[0].parts_received == 2
    clock.advance(1)
    done = await service.part_received("CP1", "report", PartIn(8, 1, True, [{"b": 2}]))
    assert (done.status, done.parts_received, done.completed_at) == ("complete", 3, clock.now())
    _, parts = await service.detail("CP1", 8)
    assert [p.data for p in parts] == [[{"a": 1}], [{"b": 2}], [{"c": 3}]]


async def test_a_part_handled_before_the_answer_keeps_its_progress(service):
    async def send():
        await service.part_received("CP1", "monitoring_report", PartIn(9, 0, False, []))
        return {"status": "Accepted"}

    await service.track("CP1", "GetMonitoringReport", 9, {}, send)
    req, _ = await service.detail("CP1", 9)
    assert (req.status, req.answer) == ("complete", "Accepted")


async def test_nothing_to_come_is_complete_and_a_refusal_rejected(service):
    await service.track("CP1", "GetReport", 10, {}, answering({"status": "EmptyResultSet"}))
    await service.track("CP1", "GetMonitoringReport", 11, {}, answering({"status": "NotSupported"}))
    await service.track("CP1", "GetDisplayMessages", 12, {}, answering({"status": "Unknown"}))
    assert [await _status(service, n) for n in (10, 11, 12)] == ["complete", "rejected", "complete"]
    # a part for a rejected request is kept but moves nothing
    await service.part_received("CP1", "monitoring_report", PartIn(11, 0, False, []))
    req, parts = await service.detail("CP1", 11)
    assert (req.status, len(parts)) == ("rejected", 1)


@pytest.mark.parametrize("error", [CallErrorReceived("NotSupported", "no"), CallTimeout()])
async def test_no_answer_is_failed_and_late_parts_still_complete_it(service, error):
    with pytest.raises(type(error)):
        await service.track("CP1", "CustomerInformation", 13, {}, answering(error))
    assert await _status(service, 13) == "failed"
    await service.part_received("CP1", "customer_information", PartIn(13, 0, False, "all of it"))
    assert await _status(service, 13) == "complete"


@pytest.mark.parametrize("error", [NotConnected("offline"), CommandNotSent("NotSupported", "not in 1.6")])
async def test_a_request_that_never_left_is_not_kept(service, repo, error):
    with pytest.raises(type(error)):
        await service.track("CP1", "GetBaseReport", 14, {}, answering(error))
    assert repo.rows == {}


async def test_parts_match_by_charge_point_family_and_request_id(service):
    await service.track("CP1", "GetBaseReport", 15, {}, answering({"status": "Accepted"}))
    assert await service.part_received("CP2", "report", PartIn(15, 0, False, [])) is None
    assert await service.part_received("CP1", "customer_information", PartIn(15, 0, False, "")) is None
    assert await service.part_received("CP1", "report", PartIn(16, 0, False, [])) is None
    assert await _status(service, 15) == "accepted"


async def test_display_messages_without_seq_no_are_numbered_in_arrival_order(service):
    await service.track("CP1", "GetDisplayMessages", 17, {}, answering({"status": "Accepted"}))
    await service.part_received("CP1", "display_messages", PartIn(17, None, True, [{"id": 1}]))
    req = await service.part_received("CP1", "display_messages", PartIn(17, None, False, [{"id": 2}]))
    assert (req.status, req.parts_received, req.final_seq_no) == ("complete", 2, 1)


async def test_a_request_id_that_comes_round_again_replaces_the_old_request(service, repo):
    await service.track("CP1", "GetReport", 18, {"old": True}, answering({"status": "Accepted"}))
    await service.part_received("CP1", "report", PartIn(18, 0, True, [{"old": 1}]))
    await service.track("CP1", "GetReport", 18, {"new": True}, answering({"status": "Accepted"}))
    req, parts = await service.detail("CP1", 18)
    assert (req.params, req.status, parts) == ({"new": True}, "accepted", [])
    assert len(repo.rows) == 1


async def test_log_upload_statuses_move_a_log_request(service):
    await service.track("CP1", "GetLog", 19, {}, answering({"status": "Accepted", "file_name": "x.log"}))
    await service.log_status("CP1", 19, "Idle")                      # says nothing
    await service.log_status("CP1", 19, "Uploading")
    await service.log_status("CP1", 19, "Uploading")                 # repeated: nothing new
    assert await _status(service, 19) == "receiving"
    await service.log_status("CP1", 19, "Uploaded")
    await service.log_status("CP1", 19, "Uploading")                 # late: nothing
    req, parts = await service.detail("CP1", 19)
    assert (req.status, [p.data for p in parts], req.final_seq_no) == ("complete", ["Uploading", "Uploaded"], 1)


async def test_a_failed_upload_retried(service):
    await service.track("CP1", "GetLog", 20, {}, answering({"status": "Accepted"}))
    await service.log_status("CP1", 20, "UploadFailure")
    assert await _status(service, 20) == "failed"
    await service.log_status("CP1", 20, "Uploading")
    await service.log_status("CP1", 20, "Uploaded")
    assert await _status(service, 20) == "complete"


async def test_requests_without_news_for_their_kinds_timeout_are_timed_out(service, clock):
    await service.track("CP1", "GetBaseReport", 21, {}, answering({"status": "Accepted"}))
    await service.track("CP1", "GetLog", 22, {}, answering({"status": "Accepted"}))
    await service.track("CP1", "GetReport", 23, {}, answering({"status": "Rejected"}))
    clock.advance(50)
    await service.part_received("CP1", "report", PartIn(21, 0, True, []))     # news: the clock restarts
    clock.advance(50)
    assert await service.expire_due() == 0
    clock.advance(11)
    assert await service.expire_due() == 1
    assert [await _status(service, n) for n in (21, 22, 23)] == ["timed_out", "accepted", "rejected"]
    clock.advance(600)
    assert await service.expire_due() == 1 and await _status(service, 22) == "timed_out"
    # the rest arrives after all: complete
    await service.part_received("CP1", "report", PartIn(21, 1, False, []))
    assert await _status(service, 21) == "complete"


async def test_list_filters_newest_first(service):
    await service.track("CP1", "GetBaseReport", 24, {}, answering({"status": "Accepted"}))
    await service.track("CP1", "GetLog", 25, {}, answering({"status": "Rejected"}))
    await service.track("CP2", "GetLog", 26, {}, answering({"status": "Accepted"}))
    assert [r.request_id for r in (await service.list("CP1")).items] == [25, 24]
    assert [r.request_id for r in (await service.list("CP1", kind="GetLog")).items] == [25]
    assert [r.request_id for r in (await service.list("CP1", status="accepted")).items] == [24]


def test_request_ids_are_distinct_and_fit_an_int32():
    ids = [next_request_id() for _ in range(100)]
    assert len(set(ids)) == 100 and all(0 <= i < 2**31 for i in ids)
