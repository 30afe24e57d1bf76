"""Event bus: publish domain events to subscribers. In-process here; a Redis-backed bus with the
same interface carries them between nodes when CSMS_REDIS_URL is set."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)
Subscriber = Callable[[Any], Awaitable[None] | None]


class InProcessBus:
    def __init__(self):
        self._subs: dict[type, list[Subscriber]] = defaultdict(list)
        self._any: list[Subscriber] = []
        self._tasks: set[asyncio.Task] = set()

    def subscribe(self, event_type: type | None, fn: Subscriber, everywhere: bool = False) -> Callable[[], None]:
        """``everywhere``: also the events other nodes publish (csms/bus/cluster.py); one process has
        no others."""
        target = self._any if event_type is None else self._subs[event_type]
        target.append(fn)
        return lambda: target.remove(fn) if fn in target else None

    async def deliver(self, event: Any) -> None:
        """Deliver in this process and wait for every subscriber, in the order they subscribed; a
        subscriber's failure propagates to the caller. For what must be done before the caller
        answers (a payment notification is acknowledged only once its consequences are recorded)."""
        for fn in (*self._subs.get(type(event), ()), *self._any):
            result = fn(event)
            if asyncio.iscoroutine(result):
                await result

    def publish(self, event: Any) -> None:
        """Deliver without waiting: a slow subscriber never holds up the publisher."""
        for fn in (*self._subs.get(type(event), ()), *self._any):
            self._start(fn, event)

    def _start(self, fn: Subscriber, event: Any) -> None:
        try:
            result = fn(event)
        except Exception:
            log.exception("subscriber %r failed on %s", fn, type(event).__name__)
            return
        if asyncio.iscoroutine(result):
            task = asyncio.create_task(self._guard(fn, event, result))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _guard(fn, event, coro) -> None:
        try:
            await coro
        except Exception:
            log.exception("subscriber %r failed on %s", fn, type(event).__name__)

    def pending(self) -> int:
        """Reactions still running."""
        return len(self._tasks)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
