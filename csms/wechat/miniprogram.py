"""Mini-program server API: code2session, the access token, phone numbers, subscribe messages, and
content security (msgSecCheck for text, mediaCheckAsync for images, both version 2).

WeChat answers HTTP 200 with ``{"errcode": n, "errmsg": ...}`` on errors; those become
:class:`WechatError`; anything else that goes wrong on the way (connection, timeout, a non-200 or a body
that is not JSON) becomes :class:`WechatUnavailable`."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from csms.wechat.errors import SubscribeRefused, WechatError, WechatUnavailable

TOKEN_INVALID = (40001, 42001)   # invalid credential / access_token expired: refresh once and retry
SUBSCRIBE_REFUSED = 43101
TOKEN_MARGIN = 300               # refresh this many seconds before the token expires


@dataclass(frozen=True)
class Session:
    openid: str
    session_key: str
    unionid: str | None = None


# content-security scenes (v2): 1 profile (资料), 2 comment (评论), 3 forum (论坛), 4 social log (社交日志)
SCENE_PROFILE, SCENE_COMMENT, SCENE_FORUM, SCENE_SOCIAL_LOG = 1, 2, 3, 4      # as csms.domain.moderation
SUGGESTIONS = ("pass", "review", "risky")
MEDIA_IMAGE = 2


@dataclass(frozen=True)
class SecCheck:
    """msgSecCheck's verdict: ``suggest`` pass | review | risky; ``label`` 100 normal, 10001 ads,
    20001 politics, 20002 porn, 20003 abuse, 20006 crime, 20008 fraud, 20012 vulgar, 20013 copyright,
    21000 other."""
    suggest: str
    label: int
    trace_id: str


@dataclass(frozen=True)
class PhoneInfo:
    phone_number: str            # with the country code, e.g. "+86 13800138000" or "13800138000"
    pure_phone_number: str       # without it
    country_code: str


class MiniProgramClient:
    """Async client of the mini-program server API at ``base_url`` (``settings.wechat.api_base``)."""

    def __init__(self, appid: str, secret: str, base_url: str, timeout: float = 10.0,
                 session: aiohttp.ClientSession | None = None, clock: Callable[[], float] = time.monotonic):
        self.appid = appid
        self._secret = secret
        self.base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session = session
        self._own_session = session is None
        self._clock = clock
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def _call(self, method: str, path: str, params: dict[str, str] | None = None,
                    body: dict[str, Any] | None = None) -> dict[str, Any]:
        url = self.base_url + path
        try:
            async with self._http().request(method, url, params=params, json=body, timeout=self._timeout) as resp:
                text = await resp.text()
                if resp.status != 200:
                    raise WechatUnavailable(f"{path}: HTTP {resp.status}")
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise WechatUnavailable(f"{path}: {type(exc).__name__}: {exc}") from None
        try:
            data = json.loads(text)
        except ValueError:
            raise WechatUnavailable(f"{path}: answer is not JSON") from None
        if not isinstance(data, dict):
            raise WechatUnavailable(f"{path}: answer is not a JSON object")
        errcode = int(data.get("errcode") or 0)
        if errcode == -1:
            raise WechatUnavailable(f"{path}: system busy ({data.get('errmsg', '')})")
        if errcode:
            cls = SubscribeRefused if errcode == SUBSCRIBE_REFUSED else WechatError
            raise cls(errcode, str(data.get("errmsg", "")))
        return data

    # --- login ---------------------------------------------------------------------------------

    async def code2session(self, code: str) -> Session:
        """Exchange a ``wx.login`` code (40029 invalid code, 40163 code been used, 45011 rate limit)."""
        data = await self._call("GET", "/sns/jscode2session", params={
            "appid": self.appid, "secret": self._secret, "js_code": code, "grant_type": "authorization_code",
        })
        if not data.get("openid") or not data.get("session_key"):
            raise WechatUnavailable("/sns/jscode2session: no openid in the answer")
        return Session(openid=data["openid"], session_key=data["session_key"], unionid=data.get("unionid"))

    # --- access token ----------------------------------------------------------------------------

    async def access_token(self, refresh: bool = False) -> str:
        """The cached stable access token, fetched again ~5 min before it expires (one fetch at a time).
        ``refresh`` drops the cached one first."""
        return await self._token_now(self._token if refresh else None)

    async def _token_now(self, rejected: str | None) -> str:
        """The token, fetched anew if there is none, it is due, or it is the one WeChat just ``rejected``."""
        async with self._token_lock:
            if self._token and self._token != rejected and self._clock() < self._token_expires:
                return self._token
            data = await self._call("POST", "/cgi-bin/stable_token", body={
                "grant_type": "client_credential", "appid": self.appid, "secret": self._secret,
                "force_refresh": False,
            })
            token, expires_in = data.get("access_token"), int(data.get("expires_in") or 0)
            if not token:
                raise WechatUnavailable("/cgi-bin/stable_token: no access_token in the answer")
            self._token = token
            self._token_expires = self._clock() + max(expires_in - TOKEN_MARGIN, expires_in // 2)
            return token

    async def _with_token(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        token = await self.access_token()
        try:
            return await self._call("POST", path, params={"access_token": token}, body=body)
        except WechatError as exc:
            if exc.errcode not in TOKEN_INVALID:
                raise
            token = await self._token_now(rejected=token)
            return await self._call("POST", path, params={"access_token": token}, body=body)

    # --- phone number and subscribe messages -------------------------------------------------------

    async def phone_info(self, code: str) -> PhoneInfo:
        """The phone number behind a ``getPhoneNumber`` button code."""
        data = await self._with_token("/wxa/business/getuserphonenumber", {"code": code})
        info = data.get("phone_info") or {}
        if not info.get("purePhoneNumber"):
            raise WechatUnavailable("/wxa/business/getuserphonenumber: no phone_info in the answer")
        return PhoneInfo(phone_number=str(info.get("phoneNumber") or info["purePhoneNumber"]),
                         pure_phone_number=str(info["purePhoneNumber"]),
                         country_code=str(info.get("countryCode") or ""))

    async def phone_number(self, code: str) -> str:
        """``purePhoneNumber`` of a ``getPhoneNumber`` code."""
        return (await self.phone_info(code)).pure_phone_number

    async def send_subscribe(self, openid: str, template_id: str, data: dict[str, str], page: str | None = None,
                             state: str = "formal", lang: str = "zh_CN") -> None:
        """Send one subscribe message; :class:`SubscribeRefused` (43101) when the user has no quota left.
        ``state``: ``developer|trial|formal`` (which mini-program version ``page`` opens)."""
        body: dict[str, Any] = {
            "touser": openid, "template_id": template_id,
            "data": {k: {"value": v} for k, v in data.items()},
            "miniprogram_state": state, "lang": lang,
        }
        if page:
            body["page"] = page
        await self._with_token("/cgi-bin/message/subscribe/send", body)

    # --- content security ----------------------------------------------------------------------------

    async def msg_sec_check(self, openid: str, content: str, scene: int, title: str | None = None,
                            nickname: str | None = None) -> SecCheck:
        """Check a user's text before others see it (v2). ``openid`` must have used the mini-program in
        the last 2 hours (61010 otherwise)."""
        body: dict[str, Any] = {"content": content, "version": 2, "scene": scene, "openid": openid}
        if title:
            body["title"] = title
        if nickname:
            body["nickname"] = nickname
        data = await self._with_token("/wxa/msg_sec_check", body)
        result = data.get("result") or {}
        if result.get("suggest") not in SUGGESTIONS:
            raise WechatUnavailable("/wxa/msg_sec_check: no result in the answer")
        return SecCheck(str(result["suggest"]), int(result.get("label") or 0), str(data.get("trace_id") or ""))

    async def media_check_async(self, openid: str, media_url: str, scene: int, media_type: int = MEDIA_IMAGE) -> str:
        """Ask for an image check (v2); WeChat fetches ``media_url`` and pushes the verdict to the
        message-push URL within 30 minutes (event ``wxa_media_check`` with this ``trace_id``)."""
        data = await self._with_token("/wxa/media_check_async", {
            "media_url": media_url, "media_type": media_type, "version": 2, "scene": scene, "openid": openid})
        if not data.get("trace_id"):
            raise WechatUnavailable("/wxa/media_check_async: no trace_id in the answer")
        return str(data["trace_id"])
