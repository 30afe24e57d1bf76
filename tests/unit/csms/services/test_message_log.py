from __future__ import annotations

from datetime import timedelta

import pytest

from csms.services.message_log import MessageLog


@pytest.fixture
def log(batch, message_repo, clock):
    return MessageLog(batch, message_repo, clock, retention_days=30, max_payload=100)


def observe(log, clock, cp_id="CP1", direction="in", message_type=2, uid="1", action="Heartbeat", raw="[2]",
            at=None):
    log.observe(cp_id, direction, message_type, uid, action, raw, at or clock.now())


async def test_frames_are_batched_and_listed_newest_first(log, batch, clock):
    observe(log, clock, uid="a", action="BootNotification", raw='[2,"a","BootNotification",{}]')
    observe(log, clock, direction="out", message_type=3, uid="a", action="BootNotification", raw='[3,"a",{}]')
    observe(log, clock, cp_id="CP2")
    flushes = batch.flushes

    page = await log.list("CP1")

    assert batch.flushes == flushes + 1          # what is still buffered is written before reading
    assert [(m.direction, m.message_type, m.payload) for m in page.items] == \
        [("out", 3, '[3,"a",{}]'), ("in", 2, '[2,"a","BootNotification",{}]')]
    assert page.total == 2


async def test_listing_filters_by_action_and_direction(log, clock):
    observe(log, clock, action="Heartbeat")
    observe(log, clock, action="Authorize")
    observe(log, clock, direction="out", message_type=3, action="Authorize")

    page = await log.list("CP1", action="Authorize", direction="in")

    assert [(m.action, m.direction) for m in page.items] == [("Authorize", "in")]


async def test_a_long_payload_is_truncated_and_marked(log, batch, clock):
    raw = "x" * (log.max_payload + 1)

    observe(log, clock, raw=raw)

    stored = batch.rows["ocpp_messages"][0]["payload"]
    assert stored.startswith(raw[: log.max_payload]) and stored.endswith("(truncated)")
    assert len(stored) < len(raw) + len("...(truncated)")


async def test_a_payload_at_the_limit_is_kept_whole(log, batch, clock):
    raw = "y" * log.max_payload

    observe(log, clock, raw=raw)

    assert batch.rows["ocpp_messages"][0]["payload"] == raw


async def test_ids_and_actions_fit_their_columns_and_empty_means_none(log, batch, clock):
    observe(log, clock, uid="u" * 100, action="A" * 100)
    observe(log, clock, uid="", action=None)

    long, empty = batch.rows["ocpp_messages"]
    assert (len(long["unique_id"]), len(long["action"])) == (64, 64)
    assert (empty["unique_id"], empty["action"]) == (None, None)


async def test_purge_removes_only_frames_past_the_retention(log, message_repo, clock):
    observe(log, clock, uid="old", at=clock.now() - timedelta(days=log.retention_days, seconds=1))
    observe(log, clock, uid="kept", at=clock.now() - timedelta(days=log.retention_days - 1))
    await log.list("CP1")

    removed = await log.purge()

    assert removed == 1
    assert [m.unique_id for m in message_repo.rows] == ["kept"]


def test_a_tap_gets_the_frames_of_its_charge_point_only_until_stopped(log, clock):
    seen: list = []
    stop = log.watch("CP1", seen.append)

    observe(log, clock, uid="a", action="Heartbeat", raw='[2,"a","Heartbeat",{}]')
    observe(log, clock, cp_id="CP2", uid="b")
    stop()
    observe(log, clock, uid="c")

    assert [(m.charge_point_id, m.unique_id, m.action, m.payload, m.id) for m in seen] == \
        [("CP1", "a", "Heartbeat", '[2,"a","Heartbeat",{}]', None)]
    stop()                                       # stopping twice is harmless


def test_a_failing_tap_neither_stops_logging_nor_the_other_taps(log, batch, clock):
    seen: list = []

    def broken(entry):
        raise RuntimeError("watcher bug")

    log.watch("CP1", broken)
    log.watch("CP1", seen.append)

    observe(log, clock, uid="a")

    assert [m.unique_id for m in seen] == ["a"]
    assert [r["unique_id"] for r in batch.rows["ocpp_messages"]] == ["a"]


def test_a_tap_sees_the_stored_form_of_the_frame(log, clock):
    seen: list = []
    log.watch("CP1", seen.append)

    observe(log, clock, raw="z" * (log.max_payload + 5), uid="u" * 100)

    assert seen[0].payload.endswith("(truncated)") and len(seen[0].unique_id) == 64


# -- what is stored: all, off, sample:N ----------------------------------------------------------------
def exchanges(log, clock, n: int, cp_id: str = "CP1") -> None:
    for i in range(n):
        observe(log, clock, cp_id=cp_id, uid=f"u{i}", raw=f'[2,"u{i}","Heartbeat",{{}}]')
        observe(log, clock, cp_id=cp_id, direction="out", message_type=3, uid=f"u{i}", raw=f'[3,"u{i}",{{}}]')


def test_off_stores_nothing_but_the_live_tail_still_sees_every_frame(batch, message_repo, clock):
    log = MessageLog(batch, message_repo, clock, retention_days=30, sample=0)
    seen = []
    exchanges(log, clock, 5)
    stop = log.watch("CP1", seen.append)
    exchanges(log, clock, 2)
    stop()

    assert batch.rows["ocpp_messages"] == [] and len(seen) == 4


def test_sample_stores_whole_exchanges_about_one_in_n_and_every_error(batch, message_repo, clock):
    log = MessageLog(batch, message_repo, clock, retention_days=30, sample=10)
    exchanges(log, clock, 1000)
    observe(log, clock, direction="out", message_type=4, uid="bad", raw='[4,"bad","FormatViolation","",{}]')
    observe(log, clock, message_type=2, uid=None, action=None, raw="not json")

    rows = batch.rows["ocpp_messages"]
    calls = [r["unique_id"] for r in rows if r["message_type"] == 2 and r["unique_id"]]
    answers = [r["unique_id"] for r in rows if r["message_type"] == 3]
    assert 50 <= len(calls) <= 150 and calls == answers        # a call is kept with its answer
    assert sum(r["message_type"] == 4 for r in rows) == 1 and any(r["payload"] == "not json" for r in rows)


def test_passwords_in_frames_are_masked_before_they_are_stored():
    from csms.services.message_log import redacted
    v16 = '[2,"1","ChangeConfiguration",{"key":"AuthorizationKey","value":"s3cret-pass"}]'
    assert "s3cret" not in redacted(v16) and '"value":"***"' in redacted(v16)
    v201 = ('[2,"2","SetVariables",{"setVariableData":[{"attributeValue":"s3cret-pass","component":{"name":'
            '"SecurityCtrlr"},"variable":{"name":"BasicAuthPassword"}},{"attributeValue":"60","component":'
            '{"name":"OCPPCommCtrlr"},"variable":{"name":"HeartbeatInterval"}}]}]')
    masked = redacted(v201)
    assert "s3cret" not in masked and '"attributeValue":"60"' in masked
    apn = '[2,"3","SetNetworkProfile",{"connectionData":{"apn":{"apn":"x","apnPassword":"s3cret-pass"}}}]'
    assert "s3cret" not in redacted(apn)
    assert redacted('[2,"4","ChangeConfiguration",{"key":"AuthorizationKey","value":"s3cret') == "***"
    heartbeat = '[2,"5","Heartbeat",{}]'
    assert redacted(heartbeat) is heartbeat                       # frames naming no secret: untouched
