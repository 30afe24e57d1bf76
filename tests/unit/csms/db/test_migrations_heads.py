"""A start at the shipped heads skips alembic (its import and script loading cost ~0.2 s of each
start): the heads read from the migration files must be alembic's own, and a database behind them
is still upgraded."""

from __future__ import annotations

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from csms.db.session import MIGRATIONS, applied, shipped_heads, upgrade


def alembic_heads() -> frozenset[str]:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return frozenset(ScriptDirectory.from_config(cfg).get_heads())


def test_the_heads_read_from_the_files_are_alembics():
    assert shipped_heads() == alembic_heads()


def test_annotated_and_merge_revisions_are_read_and_an_unclear_file_leaves_it_to_alembic(tmp_path):
    (tmp_path / "a.py").write_text('revision: str = "a1"\ndown_revision: Union[str, None] = None\n')
    (tmp_path / "b.py").write_text("revision = 'b1'\ndown_revision = 'a1'\n")
    (tmp_path / "c.py").write_text('revision = "c1"\ndown_revision = "a1"\n')
    (tmp_path / "d.py").write_text('revision = "d1"\ndown_revision = ("b1", "c1")\n')
    assert shipped_heads(tmp_path) == {"d1"}

    (tmp_path / "e.py").write_text('revision = make_id()\ndown_revision = "d1"\n')
    assert shipped_heads(tmp_path) is None


async def test_a_database_behind_the_heads_is_upgraded_and_one_at_them_is_left_alone(tmp_path):
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    assert await applied(engine) == frozenset()
    await upgrade(engine, "0019")
    assert await applied(engine) == {"0019"}

    await upgrade(engine)
    assert await applied(engine) == alembic_heads()

    await upgrade(engine)           # at the heads: nothing to do
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
    await engine.dispose()
    assert await applied(engine) == alembic_heads() and "ingest_inbox" in tables
