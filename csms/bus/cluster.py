"""The event bus between nodes (Redis pub/sub on ``csms:events``). Every event is delivered in the
process that published it, as in one process (the domain's reactions run once, where it happened),
and is also sent to the other nodes, where only the subscribers that asked for every node's events
(``everywhere=True``: a driver's live push, the operator feed, the presence mirror) receive it. So a
driver follows their session on whichever API node holds their socket, whichever OCPP node holds the
charger's. Pub/sub rather than Streams: docs/scaling.md."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from redis.exceptions import RedisError

from csms import metrics
from csms.bus.events import InProcessBus, Subscriber
from csms.cluster import codec

log = logging.getLogger(__name__)
CHANNEL = "csms:events"
QUEUE = 10000       # events waiting to be sent to Redis; beyond, the newest are not sent (and counted)


class ClusterBus(InProcessBus):
    def __init__(self, channels, node: str):
        super().__init__()
        self.channels = channels
        self.node = node
        self._everywhere: dict[type, list[Subscriber]] = defaultdict(list)
        self._everywhere_any: list[Subscriber] = []
        self._out: asyncio.Queue[bytes] = asyncio.Queue(QUEUE)
        self._sender: asyncio.Task | None = None
        channels.on(CHANNEL, self._received)

    def subscribe(self, event_type: type | None, fn: Subscriber, everywhere: bool = False) -> Callable[[], None]:
        local = super().subscribe(event_type, fn)
        if not everywhere:
            return local
        target = self._everywhere_any if event_type is None else self._everywhere[event_type]
        target.append(fn)

        def unsubscribe() -> None:
            local()
            if fn in target:
                target.remove(fn)
        return unsubscribe

    def _send(self, event: Any) -> None:
        try:
            data = self.node.encode() + b"\n" + codec.dumps(event)
        except codec.CodecError as exc:
            log.warning("event %s stays on this node: %s", type(event).__name__, exc)
            return
        try:
            self._out.put_nowait(data)
        except asyncio.QueueFull:
            metrics.BUS_REMOTE_EVENTS.labels("dropped").inc()

    def publish(self, event: Any) -> None:
        super().publish(event)
        self._send(event)

    async def deliver(self, event: Any) -> None:
        await super().deliver(event)
        self._send(event)

    def _received(self, data: bytes) -> None:
        node, _, body = data.partition(b"\n")
        if node.decode() == self.node:
            return
        try:
            event = codec.loads(body)
        except (ValueError, TypeError, ImportError, AttributeError) as exc:   # a newer node's type: skipped
            log.warning("event from %s not understood: %s", node.decode(), exc)
            return
        metrics.BUS_REMOTE_EVENTS.labels("in").inc()
        for fn in (*self._everywhere.get(type(event), ()), *self._everywhere_any):
            self._start(fn, event)

    async def _send_loop(self) -> None:
        while True:
            data = await self._out.get()
            while True:
                try:
                    await self.channels.publish(CHANNEL, data)
                    metrics.BUS_REMOTE_EVENTS.labels("out").inc()
                    break
                except (RedisError, OSError):      # Redis away: hold the event, try again
                    await asyncio.sleep(0.5)

    def start(self) -> None:
        if self._sender is None:
            self._sender = asyncio.create_task(self._send_loop(), name="bus-to-redis")

    async def stop(self) -> None:
        if self._sender is not None:
            deadline = asyncio.get_running_loop().time() + 2
            while not self._out.empty() and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.01)
            self._sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sender
            self._sender = None
