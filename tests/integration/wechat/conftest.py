"""The WeChat emulator on a real socket, the real clients pointed at it, and a tiny merchant
endpoint that records the notifications WeChat Pay posts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiohttp import web

from csms.wechat.emulator import EmulatorConfig, WechatEmulator, ensure_keys
from csms.wechat.miniprogram import MiniProgramClient
from csms.wechat.pay import PayConfig, WechatPayClient

APPID = "wx1234567890abcdef"


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory) -> Path:
    """Key material generated once for the whole run (RSA generation is the slow part)."""
    directory = tmp_path_factory.mktemp("wechat-keys")
    ensure_keys(directory)
    return directory


@pytest.fixture
async def emulator(keys_dir):
    em = WechatEmulator(EmulatorConfig(data_dir=keys_dir, appid=APPID, retry_delays=(0.05, 0.05, 0.1),
                                       refund_delay=0.05))
    await em.start()
    try:
        yield em
    finally:
        await em.stop()


class Receiver:
    """A merchant's notify endpoint: records every POST; answers ``statuses`` in turn, then 204."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        self.url = ""
        self._arrived = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((request.path, dict(request.headers), await request.read()))
        self._arrived.set()
        return web.Response(status=self.statuses.pop(0) if self.statuses else 204)

    async def wait(self, count: int, timeout: float = 5.0) -> list[tuple[str, dict[str, str], bytes]]:
        async def until() -> None:
            while len(self.received) < count:
                self._arrived.clear()
                await self._arrived.wait()
        await asyncio.wait_for(until(), timeout)
        return self.received


@pytest.fixture
async def receiver():
    rec = Receiver()
    app = web.Application()
    app.router.add_post("/notify", rec.handle)
    app.router.add_post("/refund-notify", rec.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    rec.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield rec
    finally:
        await runner.cleanup()


@pytest.fixture
async def mini(emulator):
    client = MiniProgramClient(APPID, emulator.keys.secret, emulator.url, timeout=5)
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
async def mini_for():
    """A mini-program client for another emulator than the default one."""
    clients: list[MiniProgramClient] = []

    async def make(emulator: WechatEmulator) -> MiniProgramClient:
        clients.append(MiniProgramClient(APPID, emulator.keys.secret, emulator.url, timeout=5))
        return clients[-1]

    try:
        yield make
    finally:
        for client in clients:
            await client.close()


def pay_client(emulator: WechatEmulator, receiver: Receiver | None = None, **overrides) -> WechatPayClient:
    keys = emulator.keys
    kw = {"appid": APPID, "mchid": keys.mchid, "serial_no": keys.merchant_serial,
          "private_key_pem": keys.merchant_key_pem, "apiv3_key": keys.apiv3_key, "pay_base": emulator.url,
          "platform_cert_dir": str(keys.platform_cert_dir),
          "notify_url": f"{receiver.url}/notify" if receiver else "https://merchant.example.com/notify",
          "refund_notify_url": f"{receiver.url}/refund-notify" if receiver else "", "timeout": 5}
    return WechatPayClient(PayConfig(**{**kw, **overrides}))


@pytest.fixture
async def pay(emulator, receiver):
    client = pay_client(emulator, receiver)
    await client.start()
    try:
        yield client
    finally:
        await client.close()
