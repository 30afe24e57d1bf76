"""Peak shaving, the OCPP node's side: the services' BatchSink (csms/domain/repositories.py) that
sends the high-volume rows (meter values, status changes and live statuses, the OCPP message log:
csms/cluster/amqp.py) to durable RabbitMQ queues, and the rest (a transaction's live figures, which
its stop takes over) to the in-process BatchWriter. Security events are few and answered with what
their insert decided (new or a repeat): they stay direct writes.

The rule is the batch writer's: ``durable()`` resolves once what was queued is safe, here once
RabbitMQ confirmed it (publisher confirms on a durable queue), and the handlers await it before the
CALLRESULT goes out. Rows are sent in messages of up to ``CHUNK`` rows every ``interval`` seconds, at
once when someone waits. When RabbitMQ cannot take them the rows are written by the in-process writer
instead (fall back, never drop); ``fallbacks`` counts it. Each message has an id (node-sequence)
that the worker records with its rows (the inbox), so a redelivered message is not written twice and
``flush()`` (a reader about to read what was queued: a bill) waits until the worker stored it."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from datetime import UTC, datetime
from typing import Any

import aio_pika
from sqlalchemy import select

from csms import metrics
from csms.cluster import amqp, codec
from csms.cluster.tasks import Loop
from csms.db.tables_ingest import ingest_inbox

log = logging.getLogger(__name__)
CHUNK = 1000


class _Pending:
    def __init__(self):
        self.inserts: dict[str, list[dict]] = {}
        self.updates: dict[str, dict[Any, dict]] = {}

    def __bool__(self) -> bool:
        return bool(self.inserts or self.updates)

    def messages(self) -> list[dict]:
        out = [{"inserts": {table: part}} for table, rows in self.inserts.items()
               for part in (rows[i:i + CHUNK] for i in range(0, len(rows), CHUNK))]
        if self.updates:
            out.append({"updates": {table: list(by_key.items()) for table, by_key in self.updates.items()}})
        return out


class AmqpSink(Loop):
    def __init__(self, url: str, prefix: str, node: str, local, engine, interval: float = 0.2,
                 flush_timeout: float = 10.0):
        self.url = url
        self.prefix = prefix
        self.node = node
        self.local = local              # csms.db.batch.BatchWriter: what stays in-process, and the fallback
        self.engine = engine
        self.interval = interval
        self.flush_timeout = flush_timeout
        self._pending: dict[str, _Pending] = {}
        self._waiting: list[asyncio.Future] = []
        self._wake = asyncio.Event()
        self._seq = itertools.count(1)
        self._epoch = f"{node}-{int(time.time())}"
        self._unstored: dict[str, float] = {}        # message id -> when confirmed (flush waits for the inbox)
        self._connection = None
        self._channel = None
        self.published = 0
        self.fallbacks = 0

    # -- BatchSink ---------------------------------------------------------------------------------
    def _queue(self, queue: str) -> _Pending:
        return self._pending.setdefault(queue, _Pending())

    def insert(self, table: str, row: dict) -> None:
        queue = amqp.INSERTS.get(table)
        if queue is None:
            self.local.insert(table, row)
            return
        self._queue(queue).inserts.setdefault(table, []).append(row)

    def update_latest(self, table: str, key: Any, row: dict) -> None:
        queue = amqp.UPDATES.get(table)
        if queue is None:
            self.local.update_latest(table, key, row)
            return
        by_key = self._queue(queue).updates.setdefault(table, {})
        by_key[key] = {**by_key.get(key, {}), **row}

    def take_latest(self, table: str, key: Any) -> dict | None:
        queue = amqp.UPDATES.get(table)
        if queue is None:
            return self.local.take_latest(table, key)
        pending = self._pending.get(queue)
        return pending.updates.get(table, {}).pop(key, None) if pending else None

    def durable(self) -> asyncio.Future:
        waiter = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        self._wake.set()
        return waiter

    def pending(self) -> int:
        rows = sum(len(r) for p in self._pending.values() for r in (*p.inserts.values(), *p.updates.values()))
        return rows + self.local.pending()

    def lag(self) -> float:
        return self.local.lag()

    @property
    def rows_written(self) -> int:
        return self.local.rows_written

    @property
    def rows_dropped(self) -> int:
        return self.local.rows_dropped

    @property
    def failures(self) -> int:
        return self.local.failures

    async def flush(self) -> None:
        """Everything queued so far stored: published, then written by a worker (its inbox row seen), or
        written here when RabbitMQ cannot take it; after ``flush_timeout`` it goes on with what is stored."""
        await self.durable()
        await self.local.flush()
        ids = list(self._unstored)
        deadline = time.monotonic() + self.flush_timeout
        while ids:
            async with self.engine.connect() as conn:
                done = set((await conn.execute(select(ingest_inbox.c.id).where(ingest_inbox.c.id.in_(ids))))
                           .scalars())
            for mid in done:
                self._unstored.pop(mid, None)
            ids = [mid for mid in ids if mid not in done]
            if ids and time.monotonic() > deadline:
                log.warning("%d queued messages not yet stored by a worker after %.0f s", len(ids), self.flush_timeout)
                return
            if ids:
                await asyncio.sleep(0.02)

    # -- publishing ----------------------------------------------------------------------------------
    async def _channel_ready(self):
        if self._channel is None or self._channel.is_closed:
            if self._connection is None:
                self._connection = await amqp.connect(self.url)
            self._channel = await self._connection.channel(publisher_confirms=True)
            await amqp.declare(self._channel, self.prefix)
        return self._channel

    async def _publish(self, queue: str, message: dict) -> str:
        mid = f"{self._epoch}-{next(self._seq)}"
        body = codec.dumps({"id": mid, **message})
        channel = await self._channel_ready()
        await channel.default_exchange.publish(
            aio_pika.Message(body, message_id=mid, delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                             timestamp=datetime.now(UTC), content_type="application/json"),
            routing_key=amqp.name(self.prefix, queue), timeout=10)
        return mid

    async def publish_pending(self) -> None:
        pending, self._pending = self._pending, {}
        waiting, self._waiting = self._waiting, []
        if not pending:
            _release(waiting)
            return
        sends = [(queue, message) for queue, p in pending.items() if p for message in p.messages()]
        results = await asyncio.gather(*(self._publish(q, m) for q, m in sends), return_exceptions=True)
        failed = [(q, m) for (q, m), r in zip(sends, results, strict=True) if isinstance(r, BaseException)]
        now = time.monotonic()
        for (queue, message), result in zip(sends, results, strict=True):
            if not isinstance(result, BaseException):
                self._unstored[result] = now
                rows = sum(map(len, message.get("inserts", {}).values())) + \
                    sum(map(len, message.get("updates", {}).values()))
                self.published += rows
                metrics.INGEST_PUBLISHED.labels(queue).inc(rows)
        if failed:          # RabbitMQ cannot take them: written here instead, never dropped
            self.fallbacks += 1
            log.error("RabbitMQ refused %d messages (%s); writing them in-process", len(failed),
                      next(type(r).__name__ for r in results if isinstance(r, BaseException)))
            self._channel = None
            for _queue, message in failed:
                for table, rows in message.get("inserts", {}).items():
                    for row in rows:
                        self.local.insert(table, row)
                for table, items in message.get("updates", {}).items():
                    for key, row in items:
                        self.local.update_latest(table, key, row)
            try:
                await self.local.durable()
            except Exception:            # the database away too: the answers wait (the charger retries)
                self._waiting[:0] = waiting
                raise
        _release(waiting)

    async def _run(self) -> None:
        while True:
            if not self._waiting:
                try:
                    await asyncio.wait_for(self._wake.wait(), self.interval)
                except TimeoutError:
                    pass
            self._wake.clear()
            try:
                await self.publish_pending()
            except Exception:
                log.exception("ingest publish failed")
                await asyncio.sleep(0.5)

    async def start(self) -> None:
        try:
            await self._channel_ready()
        except Exception as exc:  # noqa: BLE001 (any failure to connect: rows fall back to the in-process writer until it is back)
            log.error("RabbitMQ not reachable at start (%s); writing in-process until it is", type(exc).__name__)
        self._spawn(self._run(), "ingest-publisher")

    async def stop(self) -> None:
        await self._cancel()
        try:
            await self.publish_pending()
        except Exception:
            log.exception("final ingest publish failed")
        for waiter in self._waiting:
            waiter.cancel()
        self._waiting.clear()
        if self._connection is not None:
            await self._connection.close()
            self._connection = None


def _release(waiting: list[asyncio.Future]) -> None:
    for waiter in waiting:
        if not waiter.done():
            waiter.set_result(None)
