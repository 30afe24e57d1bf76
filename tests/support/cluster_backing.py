"""What several CSMS nodes in one test share: a private Redis and a fresh MariaDB database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from tests.support.private_services import PrivateRedis
from tests.support.server import drop_mariadb, fresh_mariadb, make_settings
from tests.support.services import MARIADB_URL, need


@asynccontextmanager
async def cluster_backing(tmp_path, **extra: object) -> AsyncIterator[tuple[PrivateRedis, Callable]]:
    """Yields (the Redis, settings(node name) -> the node's settings); stop the nodes inside the block."""
    need(MARIADB_URL, "MariaDB")
    redis = PrivateRedis(tmp_path)
    await redis.start()
    url, name = await fresh_mariadb(MARIADB_URL)
    run = uuid.uuid4().hex[:6]

    def settings(node: str):
        return make_settings(tmp_path, url, **{"redis.url": redis.url, "cluster.node_id": f"{node}-{run}", **extra})
    try:
        yield redis, settings
    finally:
        redis.stop()
        await drop_mariadb(MARIADB_URL, name)
