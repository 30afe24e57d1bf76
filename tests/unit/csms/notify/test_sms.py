"""The Aliyun SMS adapter against the local emulator over a real socket: accepted messages are
recorded; the emulator refuses what Aliyun refuses (bad AccessKey, signature, date, replayed nonce,
unknown sign name or template) and can fail or answer slowly on demand."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import aiohttp
import pytest

from csms.notify.emulator import SmsEmulator
from csms.notify.sms import AliyunCredentials, AliyunSms, SmsError, SmsSender
from csms.services.notifier import render
from tests.unit.csms.services.test_notifier import ALARM

TEMPLATE = "SMS_465980123"


@pytest.fixture
async def emulator():
    emulator = SmsEmulator("充电运营", {TEMPLATE})
    await emulator.start()
    yield emulator
    await emulator.stop()


def client(emulator, secret: str | None = None, key_id: str | None = None, **kw) -> AliyunSms:
    return AliyunSms(emulator.url, AliyunCredentials(key_id or emulator.access_key_id,
                                                     secret or emulator.access_key_secret), "充电运营", **kw)


async def test_a_signed_message_is_accepted_and_recorded(emulator):
    sms = client(emulator)
    try:
        biz_id = await sms.send("13800138000", TEMPLATE, {"alarm": "12", "place": "CP-1#1 中文"})
        await SmsSender(sms, TEMPLATE).send("+8613900139000", render(ALARM, "raised", ALARM.raised_at))
    finally:
        await sms.close()
    first, second = emulator.messages
    assert (first["phone"], first["template_code"], first["params"], first["biz_id"]) == (
        "13800138000", TEMPLATE, {"alarm": "12", "place": "CP-1#1 中文"}, biz_id)
    assert second["params"] == {"severity": "major", "kind": "connector_fault", "place": "CP1#1", "event": "raised",
                                "alarm": "1"}
    async with aiohttp.ClientSession() as http, http.get(emulator.url + "/emulator/messages") as resp:
        assert [m["phone"] for m in await resp.json()] == ["13800138000", "+8613900139000"]


@pytest.mark.parametrize("case,code", [("secret", "SignatureDoesNotMatch"), ("key", "InvalidAccessKeyId.NotFound"),
                                       ("clock", "InvalidTimeStamp.Expired")])
async def test_what_aliyun_refuses_the_emulator_refuses(emulator, case, code):
    skew = timedelta(minutes=16 if case == "clock" else 0)           # Aliyun allows 15 minutes
    sms = client(emulator, secret="wrong" if case == "secret" else None,
                 key_id="LTAIunknown" if case == "key" else None, clock=lambda: datetime.now(timezone.utc) - skew)
    try:
        with pytest.raises(SmsError) as refused:
            await sms.send("13800138000", TEMPLATE, {})
    finally:
        await sms.close()
    assert refused.value.code == code and emulator.messages == [] and emulator.state.refused == 1


async def test_a_replayed_request_is_refused(emulator):
    sent = {}

    async def capture(session, ctx, params):
        sent.update(url=str(params.url), headers=dict(params.headers))
    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(capture)
    sms = client(emulator)
    sms._http = aiohttp.ClientSession(trace_configs=[trace])
    try:
        await sms.send("13800138000", TEMPLATE, {})
    finally:
        await sms.close()
    async with aiohttp.ClientSession() as http, http.post(sent["url"], headers=sent["headers"]) as resp:
        assert (resp.status, (await resp.json())["Code"]) == (400, "SignatureNonceUsed")
    assert len(emulator.messages) == 1


async def test_business_refusals_and_faults_on_demand(emulator):
    sms = client(emulator, timeout=0.3)
    try:
        with pytest.raises(SmsError) as refused:
            await sms.send("13800138000", "SMS_000", {})
        assert refused.value.code == "isv.SMS_TEMPLATE_ILLEGAL"
        with pytest.raises(SmsError) as refused:
            await sms.send("not-a-phone", TEMPLATE, {})
        assert refused.value.code == "isv.MOBILE_NUMBER_ILLEGAL"
        emulator.fail_next(times=2)
        for _ in range(2):
            with pytest.raises(SmsError) as refused:
                await sms.send("13800138000", TEMPLATE, {})
            assert refused.value.code == "isv.BUSINESS_LIMIT_CONTROL"
        emulator.slow_down(1.0)
        with pytest.raises(SmsError) as refused:
            await sms.send("13800138000", TEMPLATE, {})
        assert refused.value.code == "Unreachable"
        emulator.slow_down(0)
        await sms.send("13800138000", TEMPLATE, {})
    finally:
        await sms.close()
    assert len(emulator.messages) == 1
