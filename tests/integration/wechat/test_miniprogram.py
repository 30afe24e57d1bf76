"""The real MiniProgramClient against the emulator over real sockets."""

from __future__ import annotations

import socket

import pytest

from csms.wechat import (
    MiniProgramClient,
    SubscribeRefused,
    WechatError,
    WechatUnavailable,
)
from tests.integration.wechat.conftest import APPID


async def test_login_code_exchanges_once_for_a_stable_openid(emulator, mini):
    first = await mini.code2session(emulator.login_code("alice"))
    again = await mini.code2session(emulator.login_code("alice"))
    other = await mini.code2session(emulator.login_code("bob"))
    assert first.openid == again.openid == emulator.openid("alice")
    assert other.openid != first.openid
    assert first.session_key and first.session_key != again.session_key
    assert first.unionid is None


async def test_used_and_unknown_codes_are_refused_with_wechats_errcodes(emulator, mini):
    code = emulator.login_code("alice")
    await mini.code2session(code)
    with pytest.raises(WechatError) as used:
        await mini.code2session(code)
    assert used.value.errcode == 40163
    with pytest.raises(WechatError) as invalid:
        await mini.code2session("no-such-code")
    assert invalid.value.errcode == 40029


async def test_rate_limit_and_wrong_secret(emulator, mini):
    emulator.fail_next("/sns/jscode2session", 45011, "api minute-quota reach limit")
    with pytest.raises(WechatError) as limited:
        await mini.code2session(emulator.login_code("alice"))
    assert limited.value.errcode == 45011
    wrong = MiniProgramClient(APPID, "not-the-secret", emulator.url)
    try:
        with pytest.raises(WechatError) as bad:
            await wrong.code2session(emulator.login_code("alice"))
        assert bad.value.errcode == 40125
    finally:
        await wrong.close()


async def test_unreachable_wechat_is_unavailable():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]        # closed again at once: nothing listens there
    client = MiniProgramClient(APPID, "secret", f"http://127.0.0.1:{port}", timeout=2)
    try:
        with pytest.raises(WechatUnavailable):
            await client.code2session("code")
    finally:
        await client.close()


async def test_system_busy_is_unavailable(emulator, mini):
    emulator.fail_next("/sns/jscode2session", -1, "system error")
    with pytest.raises(WechatUnavailable):
        await mini.code2session(emulator.login_code("alice"))


async def test_phone_number_from_a_button_code(emulator, mini):
    assert await mini.phone_number(emulator.phone_code("13800138000")) == "13800138000"
    info = await mini.phone_info(emulator.phone_code("91234567", country_code="852"))
    assert (info.pure_phone_number, info.country_code, info.phone_number) == ("91234567", "852", "+852 91234567")
    with pytest.raises(WechatError) as exc:
        await mini.phone_number("made-up")
    assert exc.value.errcode == 40029


async def test_access_token_is_cached_and_refreshed_once_on_42001(emulator, mini):
    await mini.phone_number(emulator.phone_code("13800138000"))
    token = await mini.access_token()
    await mini.phone_number(emulator.phone_code("13800138001"))
    assert await mini.access_token() == token and len(emulator.state.tokens) == 1
    emulator.expire_tokens()
    assert await mini.phone_number(emulator.phone_code("13800138002")) == "13800138002"
    assert await mini.access_token() != token
    assert len(emulator.state.tokens) == 2


async def test_token_refreshed_on_40001_too(emulator, mini):
    await mini.access_token()
    emulator.state.tokens.clear()            # WeChat forgot it: 40001 invalid credential
    assert await mini.phone_number(emulator.phone_code("13800138000")) == "13800138000"


async def test_subscribe_refused_without_acceptance_then_one_message_per_accept(emulator, mini):
    openid = emulator.openid("alice")
    data = {"thing1": "Station A", "amount2": "12.34元"}
    with pytest.raises(SubscribeRefused) as refused:
        await mini.send_subscribe(openid, "TPL_BILL", data, page="pages/order/detail?id=1")
    assert refused.value.errcode == 43101
    emulator.accept_subscribe(openid, "TPL_BILL")
    await mini.send_subscribe(openid, "TPL_BILL", data, page="pages/order/detail?id=1")
    with pytest.raises(SubscribeRefused):
        await mini.send_subscribe(openid, "TPL_BILL", data)
    [message] = emulator.messages
    assert message["touser"] == openid and message["template_id"] == "TPL_BILL"
    assert message["data"] == data and message["page"] == "pages/order/detail?id=1"


async def test_control_api_over_http(emulator, mini):
    import aiohttp
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{emulator.url}/emulator/login-code", json={"user": "carol"}) as resp:
            issued = await resp.json()
        async with http.post(f"{emulator.url}/emulator/login-code", json={}) as resp:
            assert resp.status == 400 and (await resp.json())["error"]["code"] == "invalid_body"
        session = await mini.code2session(issued["code"])
        assert session.openid == issued["openid"]
        async with http.post(f"{emulator.url}/emulator/subscriptions",
                             json={"openid": session.openid, "template_id": "T1", "count": 2}) as resp:
            assert (await resp.json())["quota"] == 2
        await mini.send_subscribe(session.openid, "T1", {"thing1": "x"})
        async with http.get(f"{emulator.url}/emulator/messages") as resp:
            assert [m["template_id"] for m in await resp.json()] == ["T1"]
