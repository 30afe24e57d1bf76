"""Peak shaving, the worker's side (``csms serve --role worker``): consumes the ingest queues and
writes their rows in batches, one transaction per batch with the messages' ids in the inbox, and acks
only after the commit. Killed mid-batch, it acked nothing: RabbitMQ delivers the messages again and
the inbox makes the second write a no-op (meter values are also INSERT IGNORE on their sample key).

The database away: everything is given back (nack, requeue) and retried after a pause. A batch the
database refuses is written message by message; a message refused ``max_deliveries`` times, or one that
cannot be read, goes to the dead-letter queue with the reason in its headers. Queue depth and the age
of the oldest message in a batch (consumer lag) are metrics."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime

import aio_pika
from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError

from csms import metrics
from csms.cluster import amqp, codec
from csms.cluster.tasks import Loop
from csms.db.batch import BatchWriter
from csms.db.tables_ingest import ingest_inbox

log = logging.getLogger(__name__)
DEPTH_EVERY = 5.0


class _Item:
    __slots__ = ("body", "error", "message", "queue")

    def __init__(self, queue: str, message):
        self.queue = queue
        self.message = message
        self.error: str | None = None
        try:
            self.body = codec.loads(message.body)
            if not isinstance(self.body, dict) or "id" not in self.body:
                raise ValueError("no message id")
            foreign = (set(self.body.get("inserts", {})) - set(amqp.INSERTS)) | \
                (set(self.body.get("updates", {})) - set(amqp.UPDATES))
            if foreign:
                self.body, self.error = None, f"not an ingest table: {', '.join(sorted(foreign))}"
                return
        except (ValueError, TypeError, ImportError, AttributeError) as exc:
            self.body = None
            self.error = f"undecodable: {type(exc).__name__}: {exc}"[:200]

    @property
    def id(self) -> str:
        return self.body["id"]

    @property
    def deliveries(self) -> int:
        return int((self.message.headers or {}).get("x-delivery-count") or 0) + 1


class IngestWorker(Loop):
    def __init__(self, url: str, prefix: str, engine, prefetch: int = 2000, interval: float = 0.2,
                 max_deliveries: int = 5):
        self.url = url
        self.prefix = prefix
        self.engine = engine
        self.prefetch = prefetch
        self.interval = interval
        self.max_deliveries = max_deliveries
        self.writer = BatchWriter(engine)         # its SQL only: rows in, one transaction per batch
        self._buffer: list[_Item] = []
        self._wake = asyncio.Event()
        self._connection = None
        self._channel = None
        self._admin = None
        self._queues: dict = {}
        self.batches = 0
        self.duplicates = 0
        self.dead = 0

    async def _consume(self) -> None:
        self._connection = await amqp.connect(self.url)
        self._channel = await self._connection.channel()
        await self._channel.set_qos(prefetch_count=self.prefetch)
        self._queues = await amqp.declare(self._channel, self.prefix)
        self._admin = await self._connection.channel(publisher_confirms=True)    # dead letters, queue depths
        for queue in amqp.QUEUES:
            await self._queues[queue].consume(self._received(queue))

    def _received(self, queue: str):
        async def on_message(message) -> None:
            self._buffer.append(_Item(queue, message))
            if len(self._buffer) >= self.prefetch // 2:
                self._wake.set()
        return on_message

    async def write_batch(self, items: list[_Item]) -> None:
        """One transaction for the batch; the acks after its commit."""
        for item in [i for i in items if i.body is None]:
            await self._dead(item, item.error)
        items = [i for i in items if i.body is not None]
        if not items:
            return
        oldest = min((i.message.timestamp for i in items if i.message.timestamp), default=None)
        try:
            await self._commit(items)
        except (OperationalError, InterfaceError) as exc:       # the database away: give them back
            log.error("ingest batch of %d not written (%s); redelivered later", len(items), type(exc).__name__)
            for item in items:
                await item.message.nack(requeue=True)
            await asyncio.sleep(1.0)
            return
        except Exception:                                        # refused: one by one, to find the culprit
            log.exception("ingest batch of %d refused; writing message by message", len(items))
            for item in items:
                await self._one(item)
            return
        for item in items:
            await item.message.ack()
        self.batches += 1
        if oldest is not None:
            at = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
            metrics.QUEUE_LAG.labels("amqp").set(max(0.0, (datetime.now(UTC) - at).total_seconds()))

    async def _commit(self, items: list[_Item]) -> None:
        async with self.engine.begin() as conn:
            ids = [i.id for i in items]
            seen = set((await conn.execute(select(ingest_inbox.c.id).where(ingest_inbox.c.id.in_(ids)))).scalars())
            fresh, inserts, updates, done = [], {}, {}, set()
            for item in items:
                if item.id in seen or item.id in done:       # delivered again: stored already
                    self.duplicates += 1
                    continue
                done.add(item.id)
                fresh.append(item)
                for table, rows in item.body.get("inserts", {}).items():
                    inserts.setdefault(table, []).extend(rows)
                for table, pairs in item.body.get("updates", {}).items():
                    by_key = updates.setdefault(table, {})
                    for key, row in pairs:
                        by_key[key] = {**by_key.get(key, {}), **row}
            if fresh:
                await self.writer.write(conn, inserts, updates)
                now = datetime.now(UTC)
                await conn.execute(ingest_inbox.insert(), [{"id": i.id, "queue": i.queue, "at": now} for i in fresh])
        for item in fresh:
            rows = sum(map(len, item.body.get("inserts", {}).values())) + \
                sum(map(len, item.body.get("updates", {}).values()))
            metrics.INGEST_WRITTEN.labels(item.queue).inc(rows)

    async def _one(self, item: _Item) -> None:
        try:
            await self._commit([item])
        except (OperationalError, InterfaceError):
            await item.message.nack(requeue=True)
        except Exception as exc:  # noqa: BLE001 (whatever the database refused: counted, then dead-lettered)
            if item.deliveries >= self.max_deliveries:
                await self._dead(item, f"{type(exc).__name__}: {exc}"[:200])
            else:
                await item.message.nack(requeue=True)
        else:
            await item.message.ack()

    async def _dead(self, item: _Item, reason: str) -> None:
        """To the dead-letter queue with the reason, then acked (out of the ingest queue)."""
        headers = {"x-reason": reason, "x-queue": item.queue, "x-deliveries": item.deliveries}
        await self._admin.default_exchange.publish(
            aio_pika.Message(item.message.body, headers=headers, message_id=item.message.message_id,
                             delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
            routing_key=amqp.name(self.prefix, amqp.DEAD))
        await item.message.ack()
        self.dead += 1
        metrics.INGEST_DEAD.labels(reason.split(":", 1)[0]).inc()
        log.error("ingest message %s from %s dead-lettered: %s", item.message.message_id, item.queue, reason)

    async def depths(self) -> dict[str, int]:
        """Messages ready in each queue (the metric csms_queue_depth)."""
        out = {}
        for queue in (*amqp.QUEUES, amqp.DEAD):
            declared = await self._admin.declare_queue(amqp.name(self.prefix, queue), passive=True)
            out[queue] = declared.declaration_result.message_count
            metrics.QUEUE_DEPTH.labels(queue).set(out[queue])
        return out

    async def _connect(self) -> None:
        """Connect and consume; RabbitMQ away at start: try again until it answers."""
        while True:
            try:
                await self._consume()
                return
            except (aio_pika.exceptions.AMQPError, OSError, TimeoutError) as exc:
                log.error("ingest worker: RabbitMQ unreachable (%s); retrying in 2 s", type(exc).__name__)
                if self._connection is not None:
                    await self._connection.close()
                    self._connection = None
                await asyncio.sleep(2.0)

    async def _run(self) -> None:
        await self._connect()
        last_depth = 0.0
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), self.interval)
            except TimeoutError:
                pass
            self._wake.clear()
            batch, self._buffer = self._buffer, []
            if batch:
                try:
                    await self.write_batch(batch)
                except Exception:
                    log.exception("ingest batch failed")
            if time.monotonic() - last_depth > DEPTH_EVERY:
                last_depth = time.monotonic()
                try:
                    await self.depths()
                except (aio_pika.exceptions.AMQPError, OSError, TimeoutError) as exc:
                    log.warning("queue depth not read: %s", exc)

    def start(self) -> None:
        self._spawn(self._run(), "ingest-worker")

    async def stop(self) -> None:
        await self._cancel()
        for item in self._buffer:            # not written: back to the queue for the next worker
            await item.message.nack(requeue=True)
        self._buffer.clear()
        if self._connection is not None:
            await self._connection.close()
            self._connection = None
