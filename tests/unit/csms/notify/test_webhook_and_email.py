"""Alarm webhooks against a local receiver that checks the HMAC-SHA256 signature as a customer
would, and alarm e-mail against a local aiosmtpd server (login included), over real sockets."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from aiohttp import web
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

from csms.notify import webhook
from csms.notify.email import EmailSender, SmtpConfig
from csms.notify.webhook import WebhookRefused, WebhookSender
from csms.services.notifier import render
from tests.unit.csms.services.test_notifier import ALARM

SECRET = "whsec-test-0123456789"


@pytest.fixture
async def receiver():
    got, answer = [], {"status": 204}

    async def hook(request: web.Request) -> web.Response:
        body = await request.read()
        got.append((dict(request.headers), body, webhook.verify(SECRET, request.headers, body)))
        return web.Response(status=answer["status"])
    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/hook", got, answer
    await runner.cleanup()


async def test_a_webhook_is_signed_and_carries_the_alarm(receiver):
    url, got, _ = receiver
    sender = WebhookSender(SECRET)
    try:
        await sender.send(url, render(ALARM, "raised", ALARM.raised_at))
    finally:
        await sender.close()
    [(headers, body, verified)] = got
    assert verified and headers["X-CSMS-Event"] == "alarm.raised" and headers["X-CSMS-Signature"].startswith("sha256=")
    payload = json.loads(body)
    assert (payload["event"], payload["alarm"]["id"], payload["alarm"]["kind"]) == (
        "alarm.raised", 1, "connector_fault")
    assert not webhook.verify("another secret", headers, body)
    assert not webhook.verify(SECRET, headers, body + b" ")
    assert not webhook.verify(SECRET, headers, body, now=time.time() + 600)      # a stale replay


async def test_a_receiver_that_says_no_is_a_failure(receiver):
    url, got, answer = receiver
    answer["status"] = 503
    sender = WebhookSender(SECRET)
    try:
        with pytest.raises(WebhookRefused, match="HTTP 503"):
            await sender.send(url, render(ALARM, "raised", ALARM.raised_at))
    finally:
        await sender.close()
    assert len(got) == 1


class Mailbox:
    def __init__(self):
        self.got = []

    async def handle_DATA(self, server, session, envelope):
        self.got.append((envelope.mail_from, envelope.rcpt_tos, envelope.content.decode(), session.authenticated))
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"alarms", b"pw-123")
    return AuthResult(success=ok, handled=False)      # not handled: the server answers 535 itself


@pytest.fixture
async def smtp():
    box = Mailbox()
    server = await asyncio.get_running_loop().create_server(
        lambda: SMTP(box, hostname="mail.test", authenticator=authenticator, auth_require_tls=False),
        "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1], box
    server.close()
    await server.wait_closed()


async def test_alarm_email_over_smtp_with_a_login(smtp):
    port, box = smtp
    config = SmtpConfig("127.0.0.1", port, "csms@example.com", "alarms", "pw-123", "none", timeout=5)
    await EmailSender(config).send("ops@example.com", render(ALARM, "raised", ALARM.raised_at))
    [(sender, rcpts, content, authenticated)] = box.got
    assert (sender, rcpts, authenticated) == ("csms@example.com", ["ops@example.com"], True)
    assert "Subject: [major]" in content and "X-CSMS-Alarm: 1" in content and "CP1 #1 Faulted" in content


async def test_a_wrong_smtp_password_fails(smtp):
    port, box = smtp
    config = SmtpConfig("127.0.0.1", port, "csms@example.com", "alarms", "wrong", "none", timeout=5)
    with pytest.raises(Exception, match="535|uthentication"):
        await EmailSender(config).send("ops@example.com", render(ALARM, "raised", ALARM.raised_at))
    assert box.got == []


def test_a_webhook_signature_with_non_ascii_characters_does_not_verify():
    now = int(time.time())
    assert webhook.verify("s3cret", {"X-CSMS-Timestamp": str(now), "X-CSMS-Signature": "\u00e6\u4e2d"}, b"{}") is False
