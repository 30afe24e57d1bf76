"""A driver of the mini-program API for tests: logs in through the WeChat emulator, signs sensitive
requests exactly as the mini-program does (api/signing.py), and reads the live push."""

from __future__ import annotations

import asyncio
import secrets
import time
from datetime import datetime, timedelta, timezone

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

    async def put(self, path: str, json=None, signed: bool = False):
        return await self.request("PUT", path, json if json is not None else {}, signed=signed)

    async def delete(self, path: str, signed: bool = False):
        return await self.request("DELETE", path, signed=signed)

    async def topup(self, amount_fen: int) -> dict:
        """Top the wallet up through the emulator and wait until the payment shows paid."""
        status, payment = await self.post("/api/v1/driver/wallet/topups", {"amount_fen": amount_fen}, signed=True)
        assert status == 201, payment
        self.emulator.pay(prepay_id(payment["pay_params"]), "SUCCESS")

        async def paid():
            _, p = await self.get(f"/api/v1/driver/payments/{payment['id']}")
            return p if p["state"] == "paid" else None
        return await eventually(paid, 10, f"top-up {payment['id']} paid")

    async def balance(self) -> int:
        status, wallet = await self.get("/api/v1/driver/wallet")
        assert status == 200, wallet
        return wallet["balance_fen"]

    async def ledger(self) -> list[dict]:
        status, entries = await self.get("/api/v1/driver/wallet/ledger?limit=100")
        assert status == 200, entries
        return entries

    async def order(self, order_id: int) -> dict:
        status, order = await self.get(f"/api/v1/driver/orders/{order_id}")
        assert status == 200, order
        return order

    async def session(self, order_id: int) -> dict:
        status, live = await self.get(f"/api/v1/driver/sessions/{order_id}")
        assert status == 200, live
        return live

    async def wait_order(self, order_id: int, *states: str, timeout: float = 20.0) -> dict:
        """The order once it is in one of ``states``."""
        async def reached():
            order = await self.order(order_id)
            return order if order["state"] in states else None
        return await eventually(reached, timeout, f"order {order_id} in {states}")

    async def start(self, cp_id: str, connector_id: int = 1, **fields):
        """POST /driver/sessions (signed): (status, body)."""
        return await self.post("/api/v1/driver/sessions", {"charge_point_id": cp_id, "connector_id": connector_id,
                                                           "pay_mode": "wallet", **fields}, signed=True)


def prepay_id(pay_params: dict) -> str:
    """The prepay id inside wx.requestPayment's ``package`` ("prepay_id=...")."""
    return pay_params["package"].split("=", 1)[1]


async def eventually(check, timeout: float = 15.0, what: str = "condition", poll: float = 0.05):
    """Await ``check()`` until it returns something truthy (returned) or ``timeout`` seconds pass."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what} not reached in {timeout} s")
        await asyncio.sleep(poll)


async def a_priced_station(csms, *, energy: int = 100, service: int = 50, idle_fee_fen_per_min: int = 0,
                           idle_grace_minutes: int = 15, **station) -> dict:
    """A station with one flat price all day (``energy`` + ``service`` fen per kWh), in force since
    two days ago."""
    station = await csms.a_station(**{"name": "Test station", "timezone": "Asia/Shanghai", **station})
    since = (datetime.now(timezone.utc) - timedelta(days=2)).isoformat()
    status, body = await csms.put(f"/api/v1/admin/stations/{station['id']}/tariff", {
        "effective_from": since, "segments": [{"start": "00:00", "end": "24:00", "period": "flat"}],
        "prices": {"flat": {"energy_fen_per_kwh": energy, "service_fen_per_kwh": service}},
        "idle_fee_fen_per_min": idle_fee_fen_per_min, "idle_grace_minutes": idle_grace_minutes})
    assert status == 201, body
    return station
