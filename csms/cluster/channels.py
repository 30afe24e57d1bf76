"""One Redis pub/sub connection per node, shared by the bus between nodes and command routing:
handlers per channel, and a listener that reconnects and subscribes again when Redis restarts
(what was published while it was away is lost: see docs/scaling.md for why that is acceptable)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from redis.exceptions import RedisError

from csms.cluster.tasks import Loop

log = logging.getLogger(__name__)
Handler = Callable[[bytes], Awaitable[None] | None]


class Channels(Loop):
    def __init__(self, redis, retry: float = 0.5):
        self.redis = redis
        self.retry = retry
        self._handlers: dict[str, Handler] = {}
        self._tasks: set[asyncio.Task] = set()
        self.subscribed = asyncio.Event()     # set while the listener is subscribed (tests wait on it)
        self.reconnects = 0

    def on(self, channel: str, handler: Handler) -> None:
        self._handlers[channel] = handler

    async def publish(self, channel: str, data: bytes) -> int:
        return await self.redis.publish(channel, data)

    async def _listen(self) -> None:
        while True:
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(*self._handlers)
                self.subscribed.set()
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    channel = message["channel"]
                    handler = self._handlers.get(channel.decode() if isinstance(channel, bytes) else channel)
                    if handler is not None:
                        self._dispatch(handler, message["data"])
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                self.subscribed.clear()
                self.reconnects += 1
                log.warning("Redis pub/sub lost (%s); subscribing again in %.1f s", type(exc).__name__, self.retry)
                await asyncio.sleep(self.retry)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    def _dispatch(self, handler: Handler, data: bytes) -> None:
        try:
            result = handler(data)
        except Exception:
            log.exception("pub/sub handler failed")
            return
        if asyncio.iscoroutine(result):
            task = asyncio.create_task(result)
            self._tasks.add(task)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("pub/sub handler failed: %r", task.exception())

    def start(self) -> None:
        self._spawn(self._listen(), "redis-pubsub")

    async def stop(self) -> None:
        await self._cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
