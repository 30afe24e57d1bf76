"""The version-neutral services on in-memory fakes: what is sent, what is stored, when."""

from __future__ import annotations

from dataclasses import replace

import pytest

from csms.domain import events
from csms.domain import firmware as fw
from csms.domain import smart_charging as sc
from csms.domain.errors import CommandNotSent
from csms.domain.requests import PartIn
from csms.domain.errors import CallErrorReceived, CallTimeout, NotConnected
from csms.services.commands import UnknownTransaction
from csms.services.firmware import FirmwareService
from csms.services.smart_charging import SmartChargingService
from csms.services.smart_charging_display import DisplayMessageService
from tests.fakes import FakeClock, FakeTransactionRepository
from tests.fakes_smart_charging import (FakeChargingProfileRepository, FakeChargingReportRepository,
                                        FakeDisplayMessageRepository, RecordingNotice, ScriptedGateway, firmware_jobs,
                                        log_jobs)
from tests.unit.builders import a_transaction
from tests.unit.csms.services.smart_charging_builders import T0, a_profile, periods


@pytest.fixture
def clock():
    return FakeClock(T0)


@pytest.fixture
def transactions(clock):
    return FakeTransactionRepository(clock)


def smart(gateway, transactions, clock):
    return SmartChargingService(gateway, FakeChargingProfileRepository(), FakeChargingReportRepository(),
                                transactions, clock)


async def test_an_accepted_profile_is_stored_and_replaces_by_stacking(transactions, clock):
    svc = smart(ScriptedGateway(), transactions, clock)
    assert await svc.set_profile("CP1", 1, a_profile(id=1, stack_level=2)) == {"status": "Accepted"}
    await svc.set_profile("CP1", 1, a_profile(id=2, stack_level=2))
    await svc.set_profile("CP1", 1, a_profile(id=3, stack_level=3))
    assert [ip.profile.id for ip in await svc.installed("CP1")] == [2, 3]
    assert (await svc.installed("CP1"))[0].updated_at == T0


async def test_a_rejected_profile_is_not_stored(transactions, clock):
    svc = smart(ScriptedGateway(lambda cmd: {"status": "Rejected"}), transactions, clock)
    assert await svc.set_profile("CP1", 1, a_profile()) == {"status": "Rejected"}
    assert await svc.installed("CP1") == []


async def test_a_tx_profile_is_sent_with_the_stations_transaction_id(transactions, clock):
    gateway = ScriptedGateway()
    svc = smart(gateway, transactions, clock)
    tx = transactions.add(a_transaction(id=5, charge_point_id="CP1", evse_id=1, connector_id=1, ocpp_tx_id="abc"))
    profile = a_profile(purpose="TxProfile", kind="Relative", transaction_id=tx.id)
    await svc.set_profile("CP1", 1, profile)
    [(_, sent)] = gateway.executed
    assert sent == sc.SetChargingProfile(1, profile, "abc")
    assert (await svc.installed("CP1"))[0].ocpp_transaction_id == "abc"

    with pytest.raises(UnknownTransaction):
        await svc.set_profile("CP2", 1, profile)
    with pytest.raises(sc.InvalidProfile):
        await svc.set_profile("CP1", 2, profile)
    transactions.add(replace(tx, status="Completed"))
    with pytest.raises(sc.InvalidProfile):
        await svc.set_profile("CP1", 1, profile)
    assert len(gateway.executed) == 1                       # nothing sent for the refused ones

    await svc.on_transaction_stopped(events.TransactionStopped(5, "CP1", 1, 0, None, None, T0))
    assert await svc.installed("CP1") == []


async def test_clear_removes_what_matches_whatever_the_answer(transactions, clock):
    answers = iter([{"status": "Accepted"}] * 3 + [{"status": "Unknown"}])
    svc = smart(ScriptedGateway(lambda cmd: next(answers)), transactions, clock)
    await svc.set_profile("CP1", 0, a_profile(id=1, stack_level=1))
    await svc.set_profile("CP1", 0, a_profile(id=2, stack_level=2))
    await svc.clear_profile("CP1", stack_level=1)
    assert [ip.profile.id for ip in await svc.installed("CP1")] == [2]
    assert await svc.clear_profile("CP1", profile_id=2) == {"status": "Unknown"}
    assert await svc.installed("CP1") == []


async def test_get_charging_profiles_asks_the_station_or_answers_from_the_store(transactions, clock):
    gateway = ScriptedGateway()
    svc = smart(gateway, transactions, clock)
    result = await svc.request_profiles("CP1", evse_id=1)
    [(_, sent)] = gateway.executed
    assert isinstance(sent, sc.GetChargingProfiles) and result == {"status": "Accepted",
                                                                   "request_id": sent.request_id}
    old = smart(ScriptedGateway(unsupported=(sc.GetChargingProfiles,)), transactions, clock)
    await old.set_profile("CP1", 1, a_profile(id=8, stack_level=4))
    assert (await old.request_profiles("CP1", stack_level=4))["profiles"][0].profile.id == 8
    assert await old.request_profiles("CP1", stack_level=5) == {"status": "NoProfiles", "source": "csms",
                                                                "profiles": []}


async def test_reported_profiles_are_stored_with_our_transaction(transactions, clock):
    svc = smart(ScriptedGateway(), transactions, clock)
    transactions.add(a_transaction(id=9, charge_point_id="CP1", ocpp_tx_id="t-9"))
    profile = a_profile(id=3, purpose="TxProfile", kind="Relative")
    await svc.reported_profiles("CP1", 1, "EMS", [profile, a_profile(id=4)], ["t-9", None])
    stored = await svc.installed("CP1")
    assert [(ip.profile.id, ip.profile.transaction_id, ip.source) for ip in stored] == [(3, 9, "EMS"), (4, None, "EMS")]


async def test_computed_composite_uses_the_running_transaction(transactions, clock):
    svc = smart(ScriptedGateway(), transactions, clock)
    transactions.add(a_transaction(id=2, charge_point_id="CP1", evse_id=1, connector_id=1, started_at=T0))
    await svc.set_profile("CP1", 0, a_profile(id=1, periods=periods((0, 16))))
    await svc.set_profile("CP1", 1, a_profile(id=2, purpose="TxProfile", kind="Relative", transaction_id=2,
                                              start_schedule=None, periods=periods((0, 6), (60, 10))))
    s = await svc.computed_composite("CP1", 1, 120)
    assert [(p.start_period, p.limit) for p in s.periods] == [(0, 6), (60, 10)]
    assert [(p.start_period, p.limit) for p in (await svc.computed_composite("CP1", 2, 120)).periods] == [(0, 16)]


# -- firmware ------------------------------------------------------------------------------------------
def firmware(gateway, clock):
    notice = RecordingNotice()
    return FirmwareService(gateway, firmware_jobs(clock), log_jobs(clock), notice), notice


async def test_firmware_job_follows_answer_and_notifications(clock):
    svc, notice = firmware(ScriptedGateway(), clock)
    result = await svc.update("CP1", location="https://fw", retrieve_at=T0)
    assert result == {"status": "Accepted", "request_id": 1}
    await svc.firmware_status("CP1", "Downloading")                 # 1.6: no requestId, the open job
    await svc.firmware_status("CP1", "Installed", request_id=1)
    await svc.firmware_status("CP2", "InstallationFailed", request_id=1)     # another station's: ignored
    [job] = await svc.firmware_updates("CP1")
    assert job.status == "Installed"
    assert [kind for _, kind, _ in notice.seen] == ["firmware_status"] * 3


@pytest.mark.parametrize("error, status", [(CallErrorReceived("NotSupported", "no", {}), "Failed"),
                                           (CallTimeout("slow"), "Failed")])
async def test_a_failed_send_marks_the_job(clock, error, status):
    svc, _ = firmware(ScriptedGateway(lambda cmd: error), clock)
    with pytest.raises(type(error)):
        await svc.update("CP1", location="https://fw", retrieve_at=T0)
    assert [j.status for j in await svc.firmware_updates("CP1")] == [status]


@pytest.mark.parametrize("error", [NotConnected("offline"), CommandNotSent("NotSupported", "not in 1.6")])
async def test_a_command_that_never_left_leaves_no_job(clock, error):
    svc, _ = firmware(ScriptedGateway(lambda cmd: error), clock)
    with pytest.raises(type(error)):
        await svc.publish("CP1", location="https://fw", checksum="abc")
    assert await svc.firmware_updates("CP1") == []


async def test_accepted_canceled_cancels_the_job_in_progress(clock):
    answers = iter([{"status": "Accepted"}, {"status": "AcceptedCanceled"}])
    svc, _ = firmware(ScriptedGateway(lambda cmd: next(answers)), clock)
    await svc.update("CP1", location="a", retrieve_at=T0)
    await svc.firmware_status("CP1", "Downloading", 1)
    await svc.update("CP1", location="b", retrieve_at=T0)
    assert [(j.id, j.status) for j in await svc.firmware_updates("CP1")] == [(2, "AcceptedCanceled"),
                                                                             (1, "Cancelled")]


async def test_logs_diagnostics_and_unpublish(clock):
    answers = {fw.GetLog: {"status": "Accepted", "file_name": "d.zip"}, fw.PublishFirmware: {"status": "Accepted"},
               fw.UnpublishFirmware: {"status": "Unpublished"}}
    svc, notice = firmware(ScriptedGateway(lambda cmd: answers[type(cmd)]), clock)
    assert (await svc.get_log("CP1", location="ftp://x", diagnostics=True))["file_name"] == "d.zip"
    await svc.log_status("CP1", "Uploading", diagnostics=True, reported="Uploading")
    await svc.log_status("CP1", "UploadFailure", diagnostics=True, reported="UploadFailed")
    [job] = await svc.log_requests("CP1")
    assert (job.status, job.file_name) == ("UploadFailure", "d.zip")
    assert notice.seen[-1] == ("CP1", "diagnostics_status", {"status": "UploadFailed", "request_id": None})

    await svc.publish("CP1", location="https://fw", checksum="abc")
    await svc.publish_status("CP1", "Published", 1, ["http://lc/fw"])
    assert await svc.unpublish("CP1", "abc") == {"status": "Unpublished"}
    assert [j.status for j in await svc.firmware_updates("CP1")] == ["Unpublished"]


# -- display messages ----------------------------------------------------------------------------------
def a_message(**overrides) -> sc.DisplayMessage:
    return sc.DisplayMessage(**{"id": 0, "priority": "NormalCycle", "format": "UTF8", "content": "hi", **overrides})


async def test_display_messages(clock):
    answers = iter([{"status": "Accepted"}, {"status": "Rejected"}, {"status": "Accepted"}, {"status": "Accepted"}])
    gateway = ScriptedGateway(lambda cmd: next(answers))
    svc = DisplayMessageService(gateway, FakeDisplayMessageRepository(), clock)
    assert await svc.set("CP1", a_message(), new_id=True) == {"status": "Accepted", "id": 1}
    assert await svc.set("CP1", a_message(content="no"), new_id=True) == {"status": "Rejected", "id": 2}
    assert [(m.id, m.source) for m in await svc.shown("CP1")] == [(1, "csms")]
    result = await svc.request("CP1", priority="InFront")
    assert result["status"] == "Accepted" and gateway.executed[-1][1].request_id == result["request_id"]
    await svc.reported("CP1", [a_message(id=9, content="theirs")], PartIn(result["request_id"], None, False, []))
    await svc.clear("CP1", 1)
    assert [(m.id, m.source) for m in await svc.shown("CP1")] == [(9, "reported")]
