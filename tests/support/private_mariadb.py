"""A private MariaDB server for a test that stops and starts it (never the shared one on 3306):
``mariadb-install-db`` into a temp directory, ``mariadbd`` on a free port and a socket in it, root
without a password. Skipped with a reason when the binaries are missing; failed instead under
CSMS_TEST_REQUIRE_SERVICES=1."""

from __future__ import annotations

import asyncio
import shutil
import signal
from pathlib import Path

import pytest

from tests.support.processes import free_port
from tests.support.services import REQUIRE

BINARIES = ("mariadb-install-db", "mariadbd")


def _find(name: str) -> str | None:
    return shutil.which(name) or next((str(p) for p in (Path("/usr/sbin") / name, Path("/usr/bin") / name)
                                       if p.exists()), None)


def need_binaries() -> dict[str, str]:
    found = {name: _find(name) for name in BINARIES}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        message = f"{' and '.join(missing)} not installed: no private MariaDB to stop and start"
        if REQUIRE:
            pytest.fail(message + " (CSMS_TEST_REQUIRE_SERVICES=1)")
        pytest.skip(message)
    return found


class PrivateMariaDB:
    def __init__(self, root: Path):
        self.bin = need_binaries()
        self.root = root
        self.datadir = root / "data"
        self.socket = root / "mysqld.sock"
        self.port = free_port()
        self.log = root / "mariadbd.log"
        self.proc: asyncio.subprocess.Process | None = None

    def url(self, database: str = "csms") -> str:
        return f"mysql+aiomysql://root:@127.0.0.1:{self.port}/{database}"

    async def install(self) -> None:
        proc = await asyncio.create_subprocess_exec(
            self.bin["mariadb-install-db"], "--no-defaults", f"--datadir={self.datadir}",
            "--auth-root-authentication-method=normal", "--skip-test-db", "--user=root",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        out, _ = await proc.communicate()
        assert proc.returncode == 0, out.decode(errors="replace")[-2000:]

    async def start(self, timeout: float = 30.0) -> None:
        with open(self.log, "ab") as out:        # noqa: ASYNC230 (a local file, before the child starts)
            self.proc = await asyncio.create_subprocess_exec(
                self.bin["mariadbd"], "--no-defaults", f"--datadir={self.datadir}", f"--port={self.port}",
                f"--socket={self.socket}", "--bind-address=127.0.0.1", "--user=root", "--skip-log-bin",
                "--innodb-buffer-pool-size=32M", f"--pid-file={self.root / 'mariadbd.pid'}",
                stdout=out, stderr=out)
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            except OSError:
                if self.proc.returncode is not None or asyncio.get_running_loop().time() > deadline:
                    raise AssertionError(f"mariadbd did not start:\n{self.log.read_text()[-2000:]}") from None
                await asyncio.sleep(0.1)

    async def stop(self) -> None:
        """A clean shutdown (SIGTERM), waited for."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()

    async def create_database(self, name: str = "csms") -> None:
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import create_async_engine
        engine = create_async_engine(self.url("mysql"))
        try:
            async with engine.begin() as conn:
                await conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
        finally:
            await engine.dispose()
