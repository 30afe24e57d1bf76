"""End-to-end fixtures: servers with changed settings, and booted raw charge points."""

from __future__ import annotations

import contextlib

import pytest
import pytest_asyncio
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


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_csms(tmp_path_factory):
    """One CSMS (SQLite) for a whole test module, for tests that only need charge points of their
    own and never look at server-wide lists or counts. Such a test runs in the module's event loop:
    mark it ``@pytest.mark.asyncio(loop_scope="module")`` and open clients with ``shared_client``."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        server = await start_csms(make_settings(tmp_path_factory.mktemp("shared")))
    try:
        yield server
    finally:
        await stop_csms(server)


def _client_factory(clients: list[RawClient]):
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
    return make


async def _close_all(clients: list[RawClient]) -> None:
    for client in clients:
        with contextlib.suppress(Exception):
            await client.close()


@pytest_asyncio.fixture(loop_scope="module")
async def shared_client():
    """``open_client`` for tests on ``shared_csms`` (same arguments)."""
    clients: list[RawClient] = []
    try:
        yield _client_factory(clients)
    finally:
        await _close_all(clients)


@pytest.fixture
async def open_client():
    """Factory for raw OCPP 1.6 clients, closed at the end of the test.

    ``await open_client(csms)`` registers a new charge point, connects and boots it (Accepted);
    ``register=False`` / ``boot=False`` skip those steps; extra keywords go to RawClient.open."""
    clients: list[RawClient] = []
    try:
        yield _client_factory(clients)
    finally:
        await _close_all(clients)


@pytest.fixture
async def fresh_client():
    """``open_client`` under another name: for a test on its own server (``csms_any_db``,
    ``csms_with``) in a module where ``open_client`` means the shared server's."""
    clients: list[RawClient] = []
    try:
        yield _client_factory(clients)
    finally:
        await _close_all(clients)
