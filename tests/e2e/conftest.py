"""End-to-end fixtures: servers with changed settings, and booted raw charge points."""

from __future__ import annotations

import contextlib

import pytest
from argon2 import PasswordHasher

from csms.services import passwords
from tests.e2e.helpers import BOOT, new_id
from tests.support.ocpp_client import RawClient
from tests.support.server import make_settings, start_csms, stop_csms


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch):
    """Argon2id at its production cost takes ~0.2 s a hash, and every server start hashes and
    verifies the admin password. These tests check who gets in, not the hash's strength: same
    algorithm, lowest cost."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
async def csms_with(tmp_path):
    """Factory for a CSMS on SQLite with some settings changed: ``await csms_with(**{"ocpp.x": v})``."""
    servers = []

    async def make(**flags):
        server = await start_csms(make_settings(tmp_path / f"server{len(servers)}", **flags))
        servers.append(server)
        return server

    try:
        yield make
    finally:
        for server in servers:
            await stop_csms(server)


@pytest.fixture
async def open_client():
    """Factory for raw OCPP 1.6 clients, closed at the end of the test.

    ``await open_client(csms)`` registers a new charge point, connects and boots it (Accepted);
    ``register=False`` / ``boot=False`` skip those steps; extra keywords go to RawClient.open."""
    clients: list[RawClient] = []

    async def make(csms, cp_id: str | None = None, *, register: bool = True, boot: bool = True,
                   **kw) -> RawClient:
        cp_id = cp_id or new_id()
        if register:
            await csms.a_charge_point(cp_id)
        client = await RawClient.open(csms.ocpp_url, cp_id, **kw)
        client.cp_id = cp_id
        clients.append(client)
        if boot:
            answer = await client.result("BootNotification", BOOT)
            assert answer["status"] == "Accepted", answer
        return client

    try:
        yield make
    finally:
        for client in clients:
            with contextlib.suppress(Exception):
                await client.close()
