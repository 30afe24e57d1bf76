"""`csms db backup` / `csms db restore`: a database full of sessions, orders and payments (made
through the real API, a simulated charge point and the WeChat Pay emulator) is backed up, restored
into a fresh database, and every row of every table compares equal, on SQLite and MariaDB. A backup
taken while the CSMS runs restores too (SQLite online backup API / mariadb-dump --single-transaction)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from csms.db.backup import BackupError, restore
from csms.db.session import sqlite_path
from tests.e2e.test_driver_sessions import a_charger, a_driver, charging
from tests.support.driver import a_priced_station
from tests.support.server import drop_mariadb, fresh_mariadb, make_settings, start_csms, stop_csms
from tests.support.services import MARIADB_URL, need

pytestmark = pytest.mark.timeout(180)


async def fill(csms) -> dict:
    """Two settled wallet sessions and a top-up: transactions, meter values, orders, bill lines,
    payments, ledger entries, the message log."""
    station = await a_priced_station(csms)
    async with a_charger(csms, "ocpp1.6", "BK-1", station["id"]) as cp:
        driver = await a_driver(csms, "bob", topup=3000)
        for connector in (1, 2):
            _, session = await driver.start(cp.cp_id, connector)
            await charging(driver, session["order_id"])
            await driver.post(f"/api/v1/driver/sessions/{session['order_id']}/stop", signed=True)
            await driver.wait_order(session["order_id"], "paid", "unpaid")
    await csms.container.batch.flush()
    return await counts(csms.container.settings.database.url, ("transactions", "meter_values", "orders",
                                                                "payments", "wallet_ledger", "order_bill_lines"))


async def counts(url: str, tables) -> dict:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return {t: (await conn.execute(text(f"SELECT COUNT(*) FROM {t}"))).scalar_one() for t in tables}
    finally:
        await engine.dispose()


async def every_row(url: str) -> dict[str, list[tuple]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            def read(sync):
                insp = inspect(sync)
                out = {}
                for table in insp.get_table_names():
                    rows = sync.execute(text(f"SELECT * FROM {sync.dialect.identifier_preparer.quote(table)}"))
                    out[table] = sorted((tuple(r) for r in rows), key=repr)
                return out
            return await conn.run_sync(read)
    finally:
        await engine.dispose()


def cli(*args: str, url: str, data_dir) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSMS_")}
    env.update(CSMS_DATABASE_URL=url, CSMS_DATA_DIR=str(data_dir))
    return subprocess.run([sys.executable, "-m", "api.cli", "db", *args], env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(params=["sqlite", "mariadb"])
async def databases(request, tmp_path):
    """(source URL, fresh URL for the restore, another fresh URL) on one kind of database."""
    if request.param == "sqlite":
        yield tuple(f"sqlite+aiosqlite:///{tmp_path / name}" for name in ("source.db", "restored.db", "online.db"))
        return
    need(MARIADB_URL, "MariaDB")
    made = [await fresh_mariadb(MARIADB_URL) for _ in range(3)]
    try:
        yield tuple(url for url, _ in made)
    finally:
        for _, name in made:
            await drop_mariadb(MARIADB_URL, name)


async def test_a_backup_restores_into_a_fresh_database_row_for_row(databases, tmp_path):
    source, restored, online_target = databases
    settings = make_settings(tmp_path, source)
    csms = await start_csms(settings)
    try:
        made = await fill(csms)
        suffix = ".db.gz" if source.startswith("sqlite") else ".sql.gz"
        online = tmp_path / f"online{suffix}"
        done = cli("backup", str(online), url=source, data_dir=tmp_path / "var")    # while the CSMS runs
        assert done.returncode == 0, done.stderr
    finally:
        await stop_csms(csms)
    assert made["transactions"] >= 2 and made["orders"] == 2 and made["payments"] >= 1 and made["meter_values"] > 0

    full = tmp_path / ("full.db" if source.startswith("sqlite") else "full.sql")
    done = cli("backup", str(full), url=source, data_dir=tmp_path / "var")
    assert done.returncode == 0 and "backed up" in done.stdout, done.stderr
    done = cli("restore", str(full), url=restored, data_dir=tmp_path / "var2")
    assert done.returncode == 0 and "restored" in done.stdout, done.stderr

    before, after = await every_row(source), await every_row(restored)
    assert set(before) == set(after) and "alembic_version" in after
    for table in before:
        assert after[table] == before[table], f"table {table} differs after the restore"

    # the online backup holds everything settled before it was taken
    await restore(settings.replace(database={"url": online_target}), online)
    assert await counts(online_target, made) == made


async def test_a_restore_refuses_a_database_that_is_not_empty(tmp_path):
    source = f"sqlite+aiosqlite:///{tmp_path / 'live.db'}"
    settings = make_settings(tmp_path, source)
    await stop_csms(await start_csms(settings))           # migrated: it has tables
    backup_file = tmp_path / "b.db"
    assert cli("backup", str(backup_file), url=source, data_dir=tmp_path / "var").returncode == 0

    with pytest.raises(BackupError, match="already has .* tables; restore into an empty database"):
        await restore(settings, backup_file)
    done = cli("restore", str(backup_file), url=source, data_dir=tmp_path / "var")
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and "--force" in done.stderr
    assert cli("restore", "--force", str(backup_file), url=source, data_dir=tmp_path / "var").returncode == 0


async def test_a_file_that_is_no_backup_is_refused_in_one_line(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    done = cli("restore", str(junk), url=f"sqlite+aiosqlite:///{tmp_path / 'new.db'}", data_dir=tmp_path / "var")
    assert done.returncode == 1 and done.stderr.startswith("csms: db restore:") and done.stderr.count("\n") == 1
    assert sqlite_path(f"sqlite+aiosqlite:///{tmp_path / 'new.db'}") == tmp_path / "new.db"
