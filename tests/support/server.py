"""A real CSMS for tests: migrations applied, OCPP and API listening on free loopback ports."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy import text

from api.server import Running, start
from csms.settings import Settings, load_settings

ADMIN = ("admin", "admin-password-1")


def make_settings(tmp_path: Path, db_url: str | None = None, **overrides) -> Settings:
    env = {
        "CSMS_DATA_DIR": str(tmp_path / "var"),
        "CSMS_DATABASE_URL": db_url or f"sqlite+aiosqlite:///{tmp_path / 'csms.db'}",
        "CSMS_OCPP_HOST": "127.0.0.1", "CSMS_OCPP_PORT": "0",
        "CSMS_API_HOST": "127.0.0.1", "CSMS_API_PORT": "0",
        "CSMS_ADMIN_USERNAME": ADMIN[0], "CSMS_ADMIN_PASSWORD": ADMIN[1],
        "CSMS_JWT_SECRET": "test-secret-" + "x" * 32,
        "CSMS_OCPP_CALL_TIMEOUT": "5",
        "CSMS_OCPP_FLUSH_INTERVAL": "0.05",
        "CSMS_WECHAT_EMULATOR_PORT": "0",
    }
    flags = {k: v for k, v in overrides.items()}
    return load_settings(flags=flags, env=env)


async def fresh_mariadb(base_url: str) -> tuple[str, str]:
    """Create an empty database for one test; returns (its URL, its name)."""
    name = f"csms_t_{uuid.uuid4().hex[:10]}"
    engine = create_async_engine(base_url)
    async with engine.begin() as conn:
        await conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
    await engine.dispose()
    return base_url.rsplit("/", 1)[0] + f"/{name}", name


async def drop_mariadb(base_url: str, name: str) -> None:
    engine = create_async_engine(base_url)
    async with engine.begin() as conn:
        await conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
    await engine.dispose()


@dataclass
class Csms:
    running: Running
    http: aiohttp.ClientSession
    token: str

    @property
    def container(self):
        return self.running.container

    @property
    def ocpp_url(self) -> str:
        return f"ws://127.0.0.1:{self.running.ocpp_port}/ocpp"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.running.api_port}"

    @property
    def auth(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}

    async def request(self, method: str, path: str, json=None, token: str | None = "admin", **kw):
        """(status, parsed JSON body or text). ``token=None`` sends no Authorization header."""
        headers = kw.pop("headers", {})
        if token == "admin":
            headers.update(self.auth)
        elif token is not None:
            headers["Authorization"] = f"Bearer {token}"
        async with self.http.request(method, self.api_url + path, json=json, headers=headers, **kw) as resp:
            body = await resp.read()
            try:
                data = await resp.json(content_type=None) if body else None
            except ValueError:
                data = body.decode()
            return resp.status, data

    async def get(self, path, **kw):
        return await self.request("GET", path, **kw)

    async def post(self, path, json=None, **kw):
        return await self.request("POST", path, json=json if json is not None else {}, **kw)

    async def put(self, path, json=None, **kw):
        return await self.request("PUT", path, json=json, **kw)

    async def patch(self, path, json=None, **kw):
        return await self.request("PATCH", path, json=json, **kw)

    # builders: register what a test needs, filling in what it does not care about
    async def a_station(self, **overrides) -> dict:
        status, body = await self.post("/api/v1/admin/stations", {"name": "Test station", "address": "1 Test Rd",
                                                                  "lat": 31.23, "lng": 121.47, **overrides})
        assert status == 201, body
        return body

    async def a_charge_point(self, cp_id: str | None = None, **overrides) -> dict:
        if "station_id" not in overrides:
            overrides["station_id"] = (await self.a_station())["id"]
        status, body = await self.post("/api/v1/admin/charge-points",
                                       {"id": cp_id or f"CP-{uuid.uuid4().hex[:8]}", **overrides})
        assert status == 201, body
        return body

    async def an_id_tag(self, id_tag: str | None = None, status: str = "Accepted", **overrides) -> str:
        id_tag = id_tag or f"TAG{uuid.uuid4().hex[:8].upper()}"
        code, body = await self.put(f"/api/v1/admin/id-tags/{id_tag}", {"status": status, **overrides})
        assert code in (200, 201), body
        return id_tag


async def start_csms(settings: Settings) -> Csms:
    running = await start(settings)
    http = aiohttp.ClientSession()
    api = f"http://127.0.0.1:{running.api_port}"
    async with http.post(api + "/api/v1/auth/login", json={"username": ADMIN[0], "password": ADMIN[1]}) as resp:
        token = (await resp.json())["access_token"]
    return Csms(running, http, token)


async def stop_csms(csms: Csms) -> None:
    await csms.http.close()
    await csms.running.stop()
