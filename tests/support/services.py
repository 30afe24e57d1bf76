"""External services for tests: MariaDB and Redis URLs from the environment, with the machine's
defaults. Locally an unreachable service skips its tests with a reason; with
CSMS_TEST_REQUIRE_SERVICES=1 (CI) it fails them instead."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest

MARIADB_URL = os.environ.get("CSMS_TEST_MARIADB_URL", "mysql+aiomysql://root:@127.0.0.1:3306/test")
REDIS_URL = os.environ.get("CSMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
AMQP_URL = os.environ.get("CSMS_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
REQUIRE = os.environ.get("CSMS_TEST_REQUIRE_SERVICES") == "1"


def reachable(url: str) -> bool:
    u = urlparse(url.replace("+aiomysql", ""))
    default = {"amqp": 5672, "redis": 6379}.get(u.scheme, 3306)
    try:
        with socket.create_connection((u.hostname or "127.0.0.1", u.port or default), timeout=1):
            return True
    except OSError:
        return False


def need(url: str, what: str) -> None:
    if reachable(url):
        return
    message = f"{what} not reachable at {url}"
    if REQUIRE:
        pytest.fail(message + " (CSMS_TEST_REQUIRE_SERVICES=1)")
    pytest.skip(message)
