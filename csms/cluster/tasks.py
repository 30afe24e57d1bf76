"""A node's long-running loop (pub/sub listener, presence refresh, scheduler lock, queue consumer):
started once, cancelled and awaited at stop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine


class Loop:
    _task: asyncio.Task | None = None

    def _spawn(self, coro: Coroutine, name: str) -> None:
        if self._task is None:
            self._task = asyncio.create_task(coro, name=name)
        else:
            coro.close()

    async def _cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
