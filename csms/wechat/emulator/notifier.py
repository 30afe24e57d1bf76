"""Delivers WeChat Pay notifications the way WeChat does: POST the JSON body with fresh
Wechatpay-* signature headers, until the merchant answers 200/204, waiting the configured delays
between attempts (WeChat: 15 s, 15 s, 30 s, 3 min, ... about 24 h in all)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import aiohttp

from csms.wechat.emulator.state import EmulatorState, Notification

log = logging.getLogger(__name__)


class Notifier:
    def __init__(self, state: EmulatorState):
        self.state = state
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task] = set()
        self._closed = False

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))

    async def close(self) -> None:
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    @property
    def session(self) -> aiohttp.ClientSession:
        assert self._session is not None, "Notifier.start() first"
        return self._session

    @property
    def closed(self) -> bool:
        return self._closed

    def spawn(self, coro) -> asyncio.Task:
        """Run ``coro`` in the background until it ends or the emulator stops."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def deliver(self, note: Notification) -> asyncio.Task:
        """Start delivering ``note`` in the background (retries included); returns the task."""
        return self.spawn(self._deliver(note))

    def after(self, delay: float, fn) -> None:
        """Run ``fn()`` (sync) after ``delay`` seconds, in the background (refund completion)."""
        async def later() -> None:
            await asyncio.sleep(delay)
            if not self._closed:
                fn()
        self.spawn(later())

    async def attempt(self, note: Notification) -> bool:
        """One POST of ``note``; True when the merchant acknowledged it (2xx)."""
        headers = {"Content-Type": "application/json", "User-Agent": "Mozilla/4.0",
                   **self.state.signer.headers(note.signed_with, note.body)}
        record: dict = {"at": datetime.now(UTC).isoformat()}
        ok = False
        try:
            assert self._session is not None
            async with self._session.post(note.url, data=note.body.encode(), headers=headers) as resp:
                await resp.read()
                record["status"] = resp.status
                ok = 200 <= resp.status < 300
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            record["error"] = f"{type(exc).__name__}: {exc}"
        note.attempts.append(record)
        if ok:
            note.delivered = True
        return ok

    async def _deliver(self, note: Notification) -> None:
        delays = (0.0, *self.state.config.retry_delays)
        for delay in delays:
            if delay:
                await asyncio.sleep(delay)
            if self._closed:
                return
            if await self.attempt(note):
                return
        log.warning("wechat emulator: notification %s to %s never acknowledged", note.id, note.url)
