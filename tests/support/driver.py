"""A driver of the mini-program API for tests: logs in through the WeChat emulator, signs sensitive
requests exactly as the mini-program does (api/signing.py), and reads the live push."""

from __future__ import annotations

import secrets
import time

import aiohttp
import orjson

from api.signing import signed_headers


class Driver:
    def __init__(self, csms, user: str):
        self.csms = csms
        self.user = user
        self.tokens: dict = {}

    @property
    def emulator(self):
        return self.csms.container.wechat.emulator

    @property
    def openid(self) -> str:
        return self.emulator.openid(self.user)

    async def login(self, **profile) -> dict:
        code = self.emulator.login_code(self.user)
        status, body = await self.csms.post("/api/v1/driver/auth/wx-login", {"code": code, **profile}, token=None)
        assert status == 200, body
        self.tokens = body
        return body

    @property
    def id(self) -> int:
        return self.tokens["user"]["id"]

    async def request(self, method: str, path: str, json=None, *, signed: bool = False, headers: dict | None = None):
        """(status, body). ``signed``: X-Timestamp/X-Nonce/X-Signature over the exact bytes sent."""
        raw = orjson.dumps(json) if json is not None else b""
        h = {"Authorization": f"Bearer {self.tokens['access_token']}", **(headers or {})}
        if json is not None:
            h["Content-Type"] = "application/json"
        if signed:
            h.update(signed_headers(self.tokens["sign_key"], method, path, raw, timestamp=int(time.time()),
                                    nonce=secrets.token_hex(12)))
        return await self.raw(method, path, raw, h)

    async def raw(self, method: str, path: str, raw: bytes, headers: dict):
        async with self.csms.http.request(method, self.csms.api_url + path, data=raw, headers=headers) as resp:
            body = await resp.read()
            return resp.status, (orjson.loads(body) if body else None)

    async def get(self, path: str):
        return await self.request("GET", path)

    async def post(self, path: str, json=None, signed: bool = False):
        return await self.request("POST", path, json if json is not None else {}, signed=signed)

    async def socket(self) -> aiohttp.ClientWebSocketResponse:
        url = self.csms.api_url.replace("http", "ws") + f"/api/v1/ws?token={self.tokens['access_token']}"
        return await self.csms.http.ws_connect(url)
