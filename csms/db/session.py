"""Engine creation and schema migration (Alembic, applied programmatically)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from csms import paths
from csms.db import sqlite_async
from csms.db.sqlite_writer import PRAGMAS
from csms.settings import DatabaseSettings

log = logging.getLogger(__name__)
MIGRATIONS = paths.MIGRATIONS


def sqlite_path(url: str, data_dir: Path | None = None) -> Path | None:
    """The file of a SQLite URL (None for other databases and :memory:). A relative path lies in the
    data directory, and its leading ``var/`` (the form of the contract's default URL) is the data
    directory itself."""
    if not url.startswith("sqlite"):
        return None
    path = url.split(":///", 1)[1] if ":///" in url else ""
    if not path or path == ":memory:":
        return None
    p = Path(path)
    if p.is_absolute():
        return p
    if p.parts[0] == "var":
        p = Path(*p.parts[1:])
    return (data_dir or paths.default_data_dir()) / p


def make_engine(cfg: DatabaseSettings, data_dir: Path | None = None) -> AsyncEngine:
    url = cfg.url
    if url.startswith("sqlite"):
        p = sqlite_path(url, data_dir)
        if p is None:  # in memory: aiosqlite's one shared connection
            return create_async_engine(url, echo=cfg.echo)
        p.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite+{sqlite_async.DRIVER}:///{p}"  # one thread hop per statement (see there)
        # one connection: SQLite has one writer, and queuing in-process beats busy-waiting on the file lock
        engine = create_async_engine(url, echo=cfg.echo, pool_size=1, max_overflow=0, pool_timeout=60)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn, _record):  # WAL lets readers run beside the batch writer
            cur = dbapi_conn.cursor()
            for pragma in PRAGMAS:
                cur.execute(pragma)
            cur.close()
        return engine
    return create_async_engine(url, echo=cfg.echo, pool_size=cfg.pool_size, max_overflow=cfg.pool_size,
                               pool_recycle=3600, pool_pre_ping=True)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)


def _alembic_config(connection=None):
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


# `revision = "0020"` / `down_revision = ("0010", "0011")`, annotated or not, as alembic's templates write them
_REVISION = re.compile(r"""^revision(?:\s*:[^=\n]+)?\s*=\s*['"]([^'"]+)['"]\s*$""", re.M)
_DOWN_REVISION = re.compile(r"^down_revision(?:\s*:[^=\n]+)?\s*=\s*(.+)$", re.M)


def shipped_heads(versions: Path = MIGRATIONS / "versions") -> frozenset[str] | None:
    """The newest revisions of the migrations shipped, read from their files without alembic (whose
    import and loading of the scripts cost ~0.2 s of every start); None when a file does not say
    plainly (then alembic decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in versions.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(text), _DOWN_REVISION.search(text)
        if revision is None or down is None:
            return None
        revisions.add(revision.group(1))
        parents.update(re.findall(r"""['"]([^'"]+)['"]""", down.group(1)))
    return frozenset(revisions - parents) or None


async def upgrade(engine: AsyncEngine, revision: str = "heads") -> None:
    """Apply migrations up to ``revision`` on ``engine`` (nothing to do, and alembic not even loaded,
    when the database is at the shipped heads already: every start but the first after an upgrade)."""
    if revision == "heads" and (heads := shipped_heads()) is not None and await applied(engine) == heads:
        return
    from alembic import command

    def run(sync_conn):
        command.upgrade(_alembic_config(sync_conn), revision)

    async with engine.begin() as conn:
        await conn.run_sync(run)


async def applied(engine: AsyncEngine) -> frozenset[str]:
    """The revisions the database is at (several after a branch that no merge joined yet)."""
    async with engine.connect() as conn:
        try:
            rows = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
        except Exception:  # table absent: nothing applied yet
            return frozenset()
    return frozenset(r[0] for r in rows)


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        try:
            row = (await conn.execute(text("SELECT version_num FROM alembic_version"))).first()
        except Exception:  # table absent: nothing applied yet
            return None
    return row[0] if row else None


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
