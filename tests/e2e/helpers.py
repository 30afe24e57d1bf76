"""Small helpers shared by the end-to-end tests: polling instead of sleeping, and answering a
command as the charge point while the REST request that caused it is still open."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any
from collections.abc import Awaitable, Callable

from tests.support.ocpp_client import RawClient

BOOT = {"chargePointVendor": "Acme", "chargePointModel": "X1"}


def a_time(minute: int = 0, second: int = 0) -> str:
    """A fixed OCPP timestamp on 2026-01-01 (UTC)."""
    return f"2026-01-01T00:{minute:02d}:{second:02d}Z"


def new_id(prefix: str = "CP") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 3.0, interval: float = 0.02,
                     what: str = "condition") -> Any:
    """Poll ``check`` until it returns something truthy; return it. Fails after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = await check()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout} s (last: {last!r})")
        await asyncio.sleep(interval)


async def answer(client: RawClient, request: Awaitable, reply: dict | list,
                 timeout: float = 5) -> tuple[list, int, Any]:
    """Run ``request`` (a REST call that makes the CSMS send a CALL), answer that CALL with
    ``reply`` (a payload dict -> CALLRESULT, or a whole frame list with "{id}" -> CALLERROR),
    and return (the CALL frame received, HTTP status, HTTP body)."""
    task = asyncio.ensure_future(request)
    try:
        frame = await client.next_call(timeout)
    except BaseException:
        task.cancel()
        raise
    if isinstance(reply, dict):
        await client.reply(frame, reply)
    else:
        await client.send([frame[1] if part == "{id}" else part for part in reply])
    status, body = await asyncio.wait_for(task, timeout)
    return frame, status, body


async def no_frame(client: RawClient, within: float = 0.2) -> None:
    """Assert the CSMS sends nothing to ``client`` for ``within`` seconds."""
    try:
        frame = await client.recv(within)
    except TimeoutError:
        return
    raise AssertionError(f"expected no frame, got {frame}")
