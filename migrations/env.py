"""Alembic environment. ``csms db upgrade`` and ``csms serve`` pass a live connection in
``config.attributes['connection']``; the alembic CLI builds one from CSMS settings."""

from __future__ import annotations

import asyncio

from alembic import context

from csms.db.tables import metadata

config = context.config


def run_with(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_with(connection)
        return
    from csms.db.session import make_engine
    from csms.settings import load_settings

    settings = load_settings()

    async def go():
        engine = make_engine(settings.database, settings.data_dir)
        async with engine.begin() as conn:
            await conn.run_sync(run_with)
        await engine.dispose()

    asyncio.run(go())


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `csms db upgrade`")
run_online()
