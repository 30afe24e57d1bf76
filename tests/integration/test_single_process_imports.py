"""The embedded single process (role all, no redis.url, no amqp.url) never loads the clients of the
services it does not use: a full start-up in a fresh interpreter leaves aio-pika (and aiormq) and
redis out of ``sys.modules`` (docs/scaling.md: they are imported by csms/features/cluster.py only
when their URL is set)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import asyncio, json, sys
    from pathlib import Path
    from api.server import start
    from tests.support.server import make_settings

    async def main():
        settings = make_settings(Path(sys.argv[1]))
        assert not settings.redis.url and not settings.amqp.url
        running = await start(settings)                # role all: OCPP, API, jobs
        try:
            loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("aio_pika", "aiormq", "redis"))
        finally:
            await running.stop()
        print(json.dumps(loaded))

    asyncio.run(main())
""")


def test_a_default_start_up_imports_neither_aio_pika_nor_redis(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}    # no CSMS_REDIS_URL / CSMS_AMQP_URL inherited
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
