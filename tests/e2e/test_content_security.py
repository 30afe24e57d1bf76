"""Content security through the whole CSMS and the WeChat emulator: text refused when WeChat's
msgSecCheck does not pass it; photos checked by mediaCheckAsync, whose verdict WeChat pushes to
/api/v1/wechat/push (safe mode: signed and encrypted): shown to their author only until then,
hidden from everyone (and the author told, live) when risky."""

from __future__ import annotations

import aiohttp
from aiohttp import WSMsgType

from csms.wechat import push
from tests.e2e.test_driver_profile import JPEG, PNG, _upload
from tests.fakes_profile import an_order
from tests.support.driver import Driver, eventually

RISKY_PNG = PNG + b"\x07" * 16


async def a_driver(csms, name: str) -> Driver:
    driver = Driver(csms, name)
    await driver.login()
    return driver


async def served(csms, url: str) -> int:
    async with csms.http.get(url if url.startswith("http") else csms.api_url + url) as resp:
        return resp.status


async def test_text_others_would_read_is_refused_unless_wechat_passes_it(csms):
    emulator = csms.container.wechat.emulator
    emulator.mark_risky_text("违禁", label=20006)
    ann = await a_driver(csms, "ann")
    status, body = await ann.request("PATCH", "/api/v1/driver/me", {"nickname": "违禁昵称"})
    assert (status, body["error"]["code"], body["error"]["field"]) == (422, "content_risky", "nickname"), body
    status, me = await ann.request("PATCH", "/api/v1/driver/me", {"nickname": "小安"})
    assert (status, me["nickname"]) == (200, "小安")

    station = await csms.a_station()
    order = await an_order(csms, ann.id, station_id=station["id"])
    rating = {"station_stars": 5, "experience_stars": 5}
    status, body = await ann.post(f"/api/v1/driver/orders/{order}/rating", {**rating, "comment": "有违禁内容"})
    assert (status, body["error"]["code"], body["error"]["field"]) == (422, "content_risky", "comment")
    status, _ = await ann.post(f"/api/v1/driver/orders/{order}/rating", {**rating, "comment": "充电很快"})
    assert status == 201
    status, reviews = await ann.get(f"/api/v1/driver/stations/{station['id']}/reviews")
    assert [(r["comment"], r["nickname"]) for r in reviews] == [("充电很快", "小安")]

    status, body = await ann.post("/api/v1/driver/feedback", {"category": "app", "content": "违禁"})
    assert (status, body["error"]["field"]) == (422, "content")
    assert (await ann.get("/api/v1/driver/feedback"))[1] == []              # nothing stored
    # a refused nickname at login is not saved, and the login goes on
    status, again = await csms.post("/api/v1/driver/auth/wx-login",
                                    {"code": emulator.login_code("ann"), "nickname": "违禁"}, token=None)
    assert (status, again["user"]["nickname"]) == (200, "小安")

    emulator.fail_next("/wxa/msg_sec_check", errcode=-1, times=2)           # WeChat busy: no verdict, no text
    status, body = await ann.request("PATCH", "/api/v1/driver/me", {"nickname": "小安安"})
    assert (status, body["error"]["code"]) == (503, "content_check_unavailable")


async def test_photos_are_the_authors_until_wechat_passes_them_and_risky_ones_are_hidden(csms):
    emulator = csms.container.wechat.emulator
    emulator.hold_media_checks()
    emulator.mark_risky_image(RISKY_PNG)
    bo = await a_driver(csms, "bo")
    token = bo.tokens["access_token"]
    (_, good), (_, bad) = await _upload(csms, token, JPEG), await _upload(csms, token, RISKY_PNG)
    status, fb = await bo.post("/api/v1/driver/feedback", {"category": "station", "content": "see the photos",
                                                           "photos": [good["url"], bad["url"]]})
    assert status == 201 and fb["photo_checks"] == {good["url"]: "pending", bad["url"]: "pending"}, fb
    status, seen = await csms.get(f"/api/v1/admin/feedback/{fb['id']}")
    assert (seen["photos"], seen["photos_withheld"]) == ([], 2)             # operators are others
    assert await served(csms, bad["url"]) == 200                           # WeChat fetches it from here
    [check_good, check_bad] = emulator.media_checks
    assert check_good.media_url.endswith(good["name"]) and check_good.scene == 2

    async with aiohttp.ClientSession() as http, \
            http.ws_connect(csms.api_url.replace("http", "ws") + f"/api/v1/ws?token={token}") as ws:
        await emulator.complete_media_check(check_good.trace_id)
        await emulator.complete_media_check(check_bad.trace_id)
        assert check_good.delivered and check_bad.delivered
        pushed = []
        while len(pushed) < 2:
            msg = await ws.receive(timeout=5)
            assert msg.type == WSMsgType.TEXT
            if msg.json()["type"] == "content_check":
                pushed.append(msg.json()["data"])
    assert {(p["url"], p["state"]) for p in pushed} == {(good["url"], "pass"), (bad["url"], "risky")}
    assert next(p for p in pushed if p["state"] == "risky")["label"] == 20002

    _, seen = await csms.get(f"/api/v1/admin/feedback/{fb['id']}")
    assert (seen["photos"], seen["photos_withheld"]) == ([good["url"]], 1)
    _, mine = await bo.get(f"/api/v1/driver/feedback/{fb['id']}")
    assert mine["photo_checks"] == {good["url"]: "pass", bad["url"]: "risky"}   # the author is told
    assert await served(csms, bad["url"]) == 404 and await served(csms, good["url"]) == 200
    status, body = await bo.post("/api/v1/driver/feedback", {"category": "app", "content": "again",
                                                             "photos": [bad["url"]]})
    assert (status, body["error"]["code"]) == (422, "content_risky")
    # WeChat pushing the same verdict again changes nothing
    await emulator.complete_media_check(check_bad.trace_id)
    assert (await bo.get(f"/api/v1/driver/feedback/{fb['id']}"))[1]["photo_checks"][bad["url"]] == "risky"
    # another driver cannot use bo's upload
    cy = await a_driver(csms, "cy")
    status, body = await cy.post("/api/v1/driver/feedback", {"category": "app", "content": "mine?",
                                                             "photos": [good["url"]]})
    assert (status, body["error"]["field"]) == (400, "photos")


async def test_an_avatar_is_shown_to_others_once_it_passed(csms):
    emulator = csms.container.wechat.emulator
    di = await a_driver(csms, "di")
    status, me = await di.request("PATCH", "/api/v1/driver/me", {"avatar_url": "https://thirdwx.qlogo.cn/x.png"})
    assert (status, me["error"]["field"]) == (400, "avatar_url")
    _, up = await _upload(csms, di.tokens["access_token"], PNG)
    station = await csms.a_station()
    order = await an_order(csms, di.id, station_id=station["id"])
    await di.post(f"/api/v1/driver/orders/{order}/rating", {"station_stars": 4, "experience_stars": 4})
    emulator.hold_media_checks()
    status, me = await di.request("PATCH", "/api/v1/driver/me", {"avatar_url": up["url"]})
    assert (status, me["avatar_url"], me["avatar_check"]) == (200, up["url"], "pending"), me
    _, reviews = await di.get(f"/api/v1/driver/stations/{station['id']}/reviews")
    assert reviews[0]["avatar_url"] == ""
    [check] = emulator.media_checks
    assert check.scene == 1                                                 # scene: profile
    await emulator.complete_media_check(check.trace_id)

    async def shown():
        return (await di.get(f"/api/v1/driver/stations/{station['id']}/reviews"))[1][0]["avatar_url"] == up["url"]
    await eventually(shown, 5, "the avatar shown once it passed")
    assert (await di.get("/api/v1/driver/me"))[1]["avatar_check"] == "pass"


async def test_the_push_url_checks_the_token_signature(csms):
    keys = csms.container.wechat.emulator.keys
    query = {"timestamp": "1700000000", "nonce": "7", "echostr": "8723498"}
    good = {**query, "signature": push.signature(keys.push_token, "1700000000", "7")}
    async with csms.http.get(csms.api_url + "/api/v1/wechat/push", params=good) as resp:
        assert (resp.status, await resp.text()) == (200, "8723498")
    async with csms.http.get(csms.api_url + "/api/v1/wechat/push", params={**good, "nonce": "8"}) as resp:
        assert resp.status == 401
    body = b'{"ToUserName":"gh_x","Encrypt":"AAAA"}'
    async with csms.http.post(csms.api_url + "/api/v1/wechat/push", data=body,
                              params={**good, "encrypt_type": "aes", "msg_signature": "0" * 40}) as resp:
        assert resp.status == 401 and (await resp.json())["error"]["code"] == "bad_signature"
    sealed = push.seal(keys.push_token, "wx-not-ours", keys.push_aes_key, "gh_x", {"Event": "x"}, safe=True)
    async with csms.http.post(csms.api_url + "/api/v1/wechat/push", data=sealed[1], params=sealed[0]) as resp:
        assert resp.status == 400                                          # for another mini-program
