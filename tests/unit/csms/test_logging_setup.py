"""Log formatting: text for a terminal by default, JSON lines on request, the bound context on
every line, per-logger levels, and secrets masked whatever wrote them."""

from __future__ import annotations

import io
import json
import logging

import pytest

from csms import log_context, logging_setup
from csms.log_redact import Redactor
from csms.settings import LogSettings


@pytest.fixture
def capture():
    handlers = []

    def install(**log) -> io.StringIO:
        stream = io.StringIO()
        handlers.append(logging_setup.configure(LogSettings(**log), secrets=["configured-secret-1"], stream=stream))
        return stream

    root, level = logging.getLogger(), logging.getLogger().level
    yield install
    for handler in handlers:
        root.removeHandler(handler)
    root.setLevel(level)
    logging.getLogger("csms.test.quiet").setLevel(logging.NOTSET)


def test_text_is_the_default_and_shows_the_context(capture):
    stream = capture()
    with log_context.bound(charge_point_id="CP-7", ocpp_message_id="m-1", ocpp_action="Heartbeat"):
        logging.getLogger("csms.test").info("answered")
    line = stream.getvalue().strip()

    assert "INFO" in line and "csms.test: answered" in line and line.endswith("[cp=CP-7 msg=m-1 action=Heartbeat]")


def test_json_lines_carry_the_context_and_extra_fields(capture):
    stream = capture(json=True)
    with log_context.bound(request_id="r-9", actor="driver:17"):
        logging.getLogger("csms.test").warning("slow %s", "thing", extra={"duration_ms": 12.5})
    record = json.loads(stream.getvalue())

    assert record["message"] == "slow thing" and record["level"] == "WARNING" and record["logger"] == "csms.test"
    assert (record["request_id"], record["actor"], record["duration_ms"]) == ("r-9", "driver:17", 12.5)
    assert "charge_point_id" not in record and "T" in record["time"]


def test_per_logger_levels(capture):
    stream = capture(level="INFO", levels="csms.test.quiet=ERROR")
    logging.getLogger("csms.test.quiet").warning("hidden")
    logging.getLogger("csms.test.loud").warning("shown")

    assert "hidden" not in stream.getvalue() and "shown" in stream.getvalue()


def test_secrets_are_masked_in_messages_and_tracebacks(capture):
    stream = capture(json=True)
    try:
        raise ValueError("password=hunter22 rejected")
    except ValueError:
        logging.getLogger("csms.test").exception("login for %s with configured-secret-1", "13812345678")
    text = stream.getvalue()

    assert "hunter22" not in text and "configured-secret-1" not in text and "13812345678" not in text
    assert "138****5678" in text and json.loads(text)["exc_info"]


@pytest.mark.parametrize("raw,hidden", [
    ("> Authorization: Basic Q1AtMTpzZWNyZXQ=", "Q1AtMTpzZWNyZXQ="),
    ('{"username": "a", "password": "pw-1234"}', "pw-1234"),
    ('{\\"refresh_token\\": \\"rt-abcdef\\"}', "rt-abcdef"),
    ("GET /api/v1/ws?token=tok-123456&x=1", "tok-123456"),
    ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", "eyJzdWIiOiIxIn0"),
    ("mysql+aiomysql://csms:dbpass99@db/csms", "dbpass99"),
    ("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----", "MIIEvQIBADANBg"),
    ('[2,"1","ChangeConfiguration",{"key":"AuthorizationKey","value":"0011aabbccdd"}]', "0011aabbccdd"),
    ('{"attributeValue":"newPw-55555","component":{"name":"SecurityCtrlr"},"variable":{"name":"BasicAuthPassword"}}',
     "newPw-55555"),
    ("phone +8613912345678", "13912345678"),
])
def test_the_redactor_masks(raw, hidden):
    masked = Redactor()(raw)
    assert hidden not in masked and "***" in masked


@pytest.mark.parametrize("text", ['"token_type": "Bearer"', "HeartbeatInterval value 300", "epoch 1700000000000",
                                  '{"key":"HeartbeatInterval","value":"300"}'])
def test_the_redactor_leaves_ordinary_text(text):
    assert Redactor()(text) == text


def test_the_frame_being_handled_is_bound_with_one_variable():
    token = log_context.ocpp_frame.set(("CP-8", "m-2", "MeterValues"))
    try:
        assert log_context.current() == {"charge_point_id": "CP-8", "ocpp_message_id": "m-2",
                                         "ocpp_action": "MeterValues"}
        with log_context.bound(ocpp_action="RemoteStartTransaction"):      # bound by name wins
            assert log_context.current()["ocpp_action"] == "RemoteStartTransaction"
    finally:
        log_context.ocpp_frame.reset(token)
    assert log_context.current() == {}
