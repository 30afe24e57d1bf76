"""Content security against the emulator over real sockets: msgSecCheck (v2) for text and
mediaCheckAsync (v2) for images, whose verdict WeChat fetches the image for and pushes to the
mini-program's message-push URL, signed with the Token (and encrypted in safe mode)."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp import web

from csms.wechat import WechatError, push
from csms.wechat.emulator import EmulatorConfig, WechatEmulator
from csms.wechat.errors import BadNotification, BadSignature
from csms.wechat.miniprogram import SCENE_COMMENT, SCENE_PROFILE
from tests.integration.wechat.conftest import APPID

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
BAD_PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 64


class Server:
    """The mini-program's server: serves photos and receives pushes (recorded as query and body)."""

    def __init__(self) -> None:
        self.images = {"ok.png": PNG, "bad.png": BAD_PNG}
        self.pushes: list[tuple[dict[str, str], bytes]] = []
        self.arrived = asyncio.Event()
        self.url = ""

    async def image(self, request: web.Request) -> web.Response:
        data = self.images.get(request.match_info["name"])
        return web.Response(body=data, content_type="image/png") if data else web.Response(status=404)

    async def receive(self, request: web.Request) -> web.Response:
        self.pushes.append((dict(request.query), await request.read()))
        self.arrived.set()
        return web.Response(text="success")

    async def wait(self, count: int) -> list[tuple[dict[str, str], bytes]]:
        async def until():
            while len(self.pushes) < count:
                self.arrived.clear()
                await self.arrived.wait()
        await asyncio.wait_for(until(), 5)
        return self.pushes


@pytest.fixture
async def server():
    srv = Server()
    app = web.Application()
    app.router.add_get("/img/{name}", srv.image)
    app.router.add_post("/push", srv.receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    srv.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield srv
    finally:
        await runner.cleanup()


@pytest.fixture
async def emulator_for(keys_dir, server):
    emulators = []

    async def make(**config) -> WechatEmulator:
        em = WechatEmulator(EmulatorConfig(**{"data_dir": keys_dir, "appid": APPID, "retry_delays": (0.05,),
                                              "media_check_delay": 0.01, **config}))
        await em.start()
        em.set_push_url(f"{server.url}/push")
        emulators.append(em)
        return em

    try:
        yield make
    finally:
        for em in emulators:
            await em.stop()


async def logged_in(emulator, mini, user: str) -> str:
    return (await mini.code2session(emulator.login_code(user))).openid


def receiver(emulator) -> push.PushReceiver:
    return push.PushReceiver(emulator.keys.push_token, APPID, emulator.keys.push_aes_key)


async def test_text_passes_unless_marked_risky_and_only_for_recent_users(emulator, mini):
    openid = await logged_in(emulator, mini, "alice")
    ok = await mini.msg_sec_check(openid, "充电很快，推荐", SCENE_COMMENT)
    assert (ok.suggest, ok.label) == ("pass", 100) and ok.trace_id
    emulator.mark_risky_text("违禁词", label=20006)
    risky = await mini.msg_sec_check(openid, "这里有违禁词哦", SCENE_COMMENT)
    assert (risky.suggest, risky.label) == ("risky", 20006)
    emulator.mark_risky_text("待审", suggest="review", label=21000)
    assert (await mini.msg_sec_check(openid, "x", SCENE_PROFILE, nickname="待审昵称")).suggest == "review"
    with pytest.raises(WechatError) as stranger:          # never opened the mini-program
        await mini.msg_sec_check(emulator.openid("nobody"), "hello", SCENE_COMMENT)
    assert stranger.value.errcode == 61010
    with pytest.raises(WechatError) as bad:
        await mini.msg_sec_check(openid, "x" * 2501, SCENE_COMMENT)
    assert bad.value.errcode == 47001
    emulator.expire_tokens()                              # the access token is refreshed as for any call
    assert (await mini.msg_sec_check(openid, "fine", SCENE_COMMENT)).suggest == "pass"


@pytest.mark.parametrize("safe", [True, False])
async def test_image_verdicts_are_fetched_and_pushed_signed_and_encrypted(emulator_for, mini_for, server, safe):
    emulator = await emulator_for(push_safe=safe)
    mini = await mini_for(emulator)
    openid = await logged_in(emulator, mini, "bob")
    emulator.mark_risky_image(BAD_PNG)
    good = await mini.media_check_async(openid, f"{server.url}/img/ok.png", SCENE_COMMENT)
    bad = await mini.media_check_async(openid, f"{server.url}/img/bad.png", SCENE_COMMENT)
    pushes = await server.wait(2)
    messages = {m["trace_id"]: m for m in (receiver(emulator).open(q, b) for q, b in pushes)}
    assert messages[good]["result"] == {"suggest": "pass", "label": 100}
    assert messages[bad]["result"] == {"suggest": "risky", "label": 20002}
    m = messages[bad]
    assert (m["Event"], m["MsgType"], m["appid"], m["FromUserName"], m["version"]) == \
        ("wxa_media_check", "event", APPID, openid, 2)
    query, body = pushes[0]
    assert ("encrypt_type" in query) == safe and ("Encrypt" in json.loads(body)) == safe
    assert query["openid"] == openid
    assert all(c.delivered for c in emulator.media_checks)


async def test_pushes_that_do_not_verify_are_refused(emulator_for, mini_for, server):
    emulator = await emulator_for()
    mini = await mini_for(emulator)
    await mini.media_check_async(await logged_in(emulator, mini, "cat"), f"{server.url}/img/ok.png", SCENE_COMMENT)
    [(query, body)] = await server.wait(1)
    good = receiver(emulator)
    assert good.open(query, body)["Event"] == "wxa_media_check"
    with pytest.raises(BadSignature):
        push.PushReceiver("another-token", APPID, emulator.keys.push_aes_key).open(query, body)
    with pytest.raises(BadSignature):
        good.open({**query, "msg_signature": "0" * 40}, body)
    with pytest.raises(BadNotification):
        push.PushReceiver(emulator.keys.push_token, APPID, push.new_aes_key()).open(query, body)
    with pytest.raises(BadNotification):                  # for another mini-program
        push.PushReceiver(emulator.keys.push_token, "wx9999999999999999", emulator.keys.push_aes_key).open(query, body)
    with pytest.raises(BadNotification):                  # safe mode needs the EncodingAESKey
        push.PushReceiver(emulator.keys.push_token, APPID).open(query, body)
    timestamp, nonce = "1700000000", "42"
    check = {"timestamp": timestamp, "nonce": nonce, "echostr": "hello",
             "signature": push.signature(emulator.keys.push_token, timestamp, nonce)}
    assert good.echo(check) == "hello"
    with pytest.raises(BadSignature):
        good.echo({**check, "nonce": "43"})


async def test_an_image_wechat_cannot_fetch_is_review_and_a_later_check_runs_on_demand(emulator_for, mini_for,
                                                                                       server):
    emulator = await emulator_for(media_check_delay=None)
    mini = await mini_for(emulator)
    trace = await mini.media_check_async(await logged_in(emulator, mini, "dan"), f"{server.url}/img/gone.png",
                                         SCENE_PROFILE)
    await asyncio.sleep(0.05)
    assert server.pushes == []                            # nothing until the verdict is asked for
    check = await emulator.complete_media_check(trace)
    assert (check.suggest, check.fetch_error) == ("review", "HTTP 404") and check.delivered
    [(query, body)] = server.pushes
    assert receiver(emulator).open(query, body)["result"]["suggest"] == "review"
