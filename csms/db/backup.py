"""``csms db backup FILE`` / ``csms db restore FILE``: a consistent copy of the whole database.

SQLite: the online backup API (a consistent snapshot while the CSMS keeps writing; the copy is a
database file). MariaDB / MySQL: ``mariadb-dump --single-transaction`` (one consistent InnoDB
snapshot without locking writers; the copy is an SQL script), loaded back with the ``mariadb``
client. ``FILE.gz`` is compressed. A restore goes into an empty database (``--force`` replaces the
tables of one that is not). Strategy, binlogs and retention: docs/operations.md."""

from __future__ import annotations

import asyncio
import gzip
import os
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from csms.db.session import make_engine, sqlite_path
from csms.settings import Settings
from csms.startup import OperatorError, redact_url


class BackupError(OperatorError):
    """A backup or restore that cannot be done; ``str()`` is one line saying why."""


async def backup(settings: Settings, file: str | os.PathLike) -> str:
    target = Path(file)
    url = settings.database.url
    if url.startswith("sqlite"):
        source = _sqlite_file(settings)
        if not source.is_file():
            raise BackupError(f"db backup: no database at {source} (setting database.url)")
        await asyncio.to_thread(_sqlite_copy, source, target, compress=_gz(target))
    else:
        await asyncio.to_thread(_mariadb_dump, url, target)
    return f"backed up {redact_url(url)} to {target} ({target.stat().st_size} bytes)"


async def restore(settings: Settings, file: str | os.PathLike, force: bool = False) -> str:
    source = Path(file)
    if not source.is_file():
        raise BackupError(f"db restore: backup file not found: {source}")
    url = settings.database.url
    tables = await _tables(settings)
    if tables and not force:
        raise BackupError(f"db restore: {redact_url(url)} already has {len(tables)} tables; restore into an "
                          f"empty database (or pass --force to replace them)")
    if url.startswith("sqlite"):
        await asyncio.to_thread(_sqlite_restore, source, _sqlite_file(settings))
    else:
        await asyncio.to_thread(_mariadb_load, url, source)
    return f"restored {source} into {redact_url(url)}"


async def _tables(settings: Settings) -> list[str]:
    engine = make_engine(settings.database, settings.data_dir)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()


def _gz(path: Path) -> bool:
    return path.suffix == ".gz"


# -- SQLite --------------------------------------------------------------------------------------------
def _sqlite_file(settings: Settings) -> Path:
    path = sqlite_path(settings.database.url, settings.data_dir)
    if path is None:
        raise BackupError("db backup: an in-memory SQLite database has nothing to back up")
    return path


def _sqlite_copy(source: Path, target: Path, compress: bool) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with _staging(target) as staged:
        plain = staged.with_suffix(".db") if compress else staged
        src, dst = sqlite3.connect(source), sqlite3.connect(plain)
        try:
            src.backup(dst)          # page by page, consistent even while the CSMS writes (WAL)
        finally:
            dst.close()
            src.close()
        if compress:
            with open(plain, "rb") as raw, gzip.open(staged, "wb") as packed:
                shutil.copyfileobj(raw, packed)
            plain.unlink()


def _sqlite_restore(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        if _gz(source):
            plain = Path(tmp) / "restore.db"
            with gzip.open(source, "rb") as packed, open(plain, "wb") as raw:
                shutil.copyfileobj(packed, raw)
            source = plain
        src, dst = sqlite3.connect(source), sqlite3.connect(target)
        try:
            if src.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"db restore: {source} is not an intact SQLite database")
            src.backup(dst)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"db restore: {source} is not an SQLite backup ({exc})") from None
        finally:
            dst.close()
            src.close()


@contextmanager
def _staging(target: Path) -> Iterator[Path]:
    """Write beside the target and rename at the end: a failed backup never leaves a half file."""
    staged = target.with_name(f".{target.name}.partial")
    try:
        yield staged
        staged.replace(target)
    finally:
        staged.unlink(missing_ok=True)
        staged.with_suffix(".db").unlink(missing_ok=True)


# -- MariaDB / MySQL -----------------------------------------------------------------------------------
def _client(*names: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise BackupError(f"db backup: {names[0]} not found; install the MariaDB client (apt-get install mariadb-client)")


@contextmanager
def _options(url: str) -> Iterator[tuple[str, str]]:
    """(option file, database): credentials go in a 0600 file, never on a command line (ps shows those)."""
    u = make_url(url)
    if not u.database:
        raise BackupError(f"db backup: {redact_url(url)} names no database")
    lines = ["[client]", f"host={u.host or '127.0.0.1'}", f"port={u.port or 3306}"]
    if u.username:
        lines.append(f"user={u.username}")
    if u.password:
        lines.append(f"password={u.password}")
    if u.query.get("unix_socket"):
        lines.append(f"socket={u.query['unix_socket']}")
    fd, path = tempfile.mkstemp(prefix="csms-db-", suffix=".cnf")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write("\n".join(lines) + "\n")
        yield path, u.database
    finally:
        os.unlink(path)


def _run(cmd: list[str], stdin, stdout, what: str) -> None:
    proc = subprocess.run(cmd, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        reason = (proc.stderr.decode("utf-8", "replace").strip().splitlines() or ["no message"])[-1]
        raise BackupError(f"db {what}: {Path(cmd[0]).name} failed ({reason})")


def _mariadb_dump(url: str, target: Path) -> None:
    dump = _client("mariadb-dump", "mysqldump")
    target.parent.mkdir(parents=True, exist_ok=True)
    with _options(url) as (options, database), _staging(target) as staged:
        cmd = [dump, f"--defaults-extra-file={options}", "--single-transaction", "--quick", "--routines",
               "--triggers", "--hex-blob", "--default-character-set=utf8mb4", "--no-tablespaces",
               "--skip-comments", database]
        if _gz(target):
            with tempfile.TemporaryFile() as plain:
                _run(cmd, subprocess.DEVNULL, plain, "backup")
                plain.seek(0)
                with gzip.open(staged, "wb") as packed:
                    shutil.copyfileobj(plain, packed)
        else:
            with open(staged, "wb") as out:
                _run(cmd, subprocess.DEVNULL, out, "backup")


def _mariadb_load(url: str, source: Path) -> None:
    client = _client("mariadb", "mysql")
    with _options(url) as (options, database):
        cmd = [client, f"--defaults-extra-file={options}", "--default-character-set=utf8mb4", database]
        if _gz(source):
            with tempfile.TemporaryFile() as plain:
                with gzip.open(source, "rb") as packed:
                    shutil.copyfileobj(packed, plain)
                plain.seek(0)
                _run(cmd, plain, subprocess.DEVNULL, "restore")
        else:
            with open(source, "rb") as dump:
                _run(cmd, dump, subprocess.DEVNULL, "restore")
