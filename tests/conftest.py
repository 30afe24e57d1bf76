"""Shared fixtures. ``csms`` is a real server (SQLite, and MariaDB where a test asks for ``db``
parametrisation via ``csms_any_db``); ``ocpp_client`` opens raw OCPP-J sockets to it."""

from __future__ import annotations

import pytest

from tests.support.server import drop_mariadb, fresh_mariadb, make_settings, start_csms, stop_csms
from tests.support.services import MARIADB_URL, need


@pytest.fixture
async def csms(tmp_path):
    """A running CSMS on SQLite with free ports and an admin logged in."""
    server = await start_csms(make_settings(tmp_path))
    try:
        yield server
    finally:
        await stop_csms(server)


@pytest.fixture(params=["sqlite", "mariadb"])
async def csms_any_db(request, tmp_path):
    """The same CSMS on SQLite and on MariaDB (MariaDB in a throwaway database)."""
    if request.param == "sqlite":
        server = await start_csms(make_settings(tmp_path))
        try:
            yield server
        finally:
            await stop_csms(server)
        return
    need(MARIADB_URL, "MariaDB")
    url, name = await fresh_mariadb(MARIADB_URL)
    try:
        server = await start_csms(make_settings(tmp_path, url))
        try:
            yield server
        finally:
            await stop_csms(server)
    finally:
        await drop_mariadb(MARIADB_URL, name)


@pytest.fixture(params=["sqlite", "mariadb"])
async def db_url(request, tmp_path):
    """A database URL with nothing in it yet, on SQLite and MariaDB."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'repo.db'}"
        return
    need(MARIADB_URL, "MariaDB")
    url, name = await fresh_mariadb(MARIADB_URL)
    try:
        yield url
    finally:
        await drop_mariadb(MARIADB_URL, name)
