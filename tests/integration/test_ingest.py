"""Peak shaving through RabbitMQ (the shared broker, queues under a unique prefix per test): rows an
OCPP node queues are confirmed by RabbitMQ before durable() resolves and written by a worker in one
transaction with their ids; a message delivered again (a worker killed before its ack) is stored
once; a message that cannot be read or that the database refuses goes to the dead-letter queue with
the reason; RabbitMQ unreachable: the rows are written in-process, never dropped."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import aio_pika
import pytest
from sqlalchemy import func, select

from csms.cluster import amqp, codec
from csms.cluster.ingest import AmqpSink
from csms.cluster.ingest_worker import IngestWorker
from csms.db import tables as t
from csms.db.batch import BatchWriter
from csms.db.session import make_engine, upgrade
from csms.db.tables_ingest import ingest_inbox
from csms.domain.models import MeterSample, SampledValue
from csms.services.transactions import rows as meter_rows
from csms.settings import DatabaseSettings
from tests.support.services import AMQP_URL, need


@pytest.fixture
async def engine(tmp_path):
    engine = make_engine(DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'csms.db'}"))
    await upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def broker():
    need(AMQP_URL, "RabbitMQ")
    prefix = f"test-{uuid.uuid4().hex[:10]}"
    yield prefix
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        for queue in (*amqp.QUEUES, amqp.DEAD):
            await channel.queue_delete(amqp.name(prefix, queue))


def samples(n: int, start: int = 0) -> list[MeterSample]:
    return [MeterSample(datetime(2026, 1, 1, 0, i // 60, i % 60, tzinfo=UTC),
                        (SampledValue(str(1000 + i * 10), measurand="Energy.Active.Import.Register", unit="Wh"),))
            for i in range(start, start + n)]


async def count(engine, table) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one()


async def eventually(check, timeout: float = 10.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not (result := await check()):
        assert asyncio.get_running_loop().time() < deadline, "not reached in time"
        await asyncio.sleep(0.05)
    return result


async def test_rows_are_confirmed_then_written_once_by_a_worker(engine, broker):
    writer = BatchWriter(engine)
    sink = AmqpSink(AMQP_URL, broker, "node-a", writer, engine, interval=0.05)
    await sink.start()
    worker = IngestWorker(AMQP_URL, broker, engine, prefetch=100, interval=0.05)
    try:
        for row in meter_rows("CP-1", 1, 1, None, samples(150)):
            sink.insert("meter_values", row)
        sink.insert("ocpp_messages", {"charge_point_id": "CP-1", "direction": "in", "message_type": 2,
                                      "message_id": "1", "action": "Heartbeat", "payload": "{}",
                                      "at": datetime.now(UTC)})
        sink.update_latest("connectors", ("CP-1", 1, 1), {"status": "Charging"})
        await sink.durable()                    # confirmed by RabbitMQ: safe to answer the charger
        assert sink.published == 152 and sink.fallbacks == 0
        assert await count(engine, t.meter_values) == 0      # nobody has written them yet
        worker.start()
        await eventually(lambda: _equal(count(engine, t.meter_values), 150))
        await sink.flush()                      # read-your-writes: the inbox shows them stored
        assert await count(engine, t.ocpp_messages) == 1
        assert await count(engine, ingest_inbox) >= 3         # meter values (1 message), log, status
        await eventually(lambda: _depths_zero(worker))        # acked after the commit: the queues drain
    finally:
        await worker.stop()
        await sink.stop()


async def _depths_zero(worker) -> bool:
    depths = await worker.depths()
    return depths["meter_values"] == depths["message_log"] == depths["status"] == depths["dead"] == 0


async def _equal(coro, value) -> bool:
    return await coro == value


async def _publish(prefix: str, queue: str, body: bytes, message_id: str | None = None) -> None:
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        await amqp.declare(channel, prefix)
        await channel.default_exchange.publish(
            aio_pika.Message(body, message_id=message_id, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
            routing_key=amqp.name(prefix, queue))


async def test_a_message_delivered_again_is_stored_once(engine, broker):
    rows = meter_rows("CP-2", 1, 1, None, samples(5))
    body = codec.dumps({"id": "node-x-1", "inserts": {"meter_values": rows,
                                                      "ocpp_messages": [{"charge_point_id": "CP-2", "direction": "in",
                                                                         "message_type": 2, "message_id": "9",
                                                                         "action": "Heartbeat", "payload": "{}",
                                                                         "at": datetime.now(UTC)}]}})
    await _publish(broker, "meter_values", body, "node-x-1")
    # the first worker takes the message and is killed before writing it: nothing acked
    first = IngestWorker(AMQP_URL, broker, engine, prefetch=10, interval=30)
    first.start()
    await eventually(lambda: _true(bool(first._buffer)))
    first._task.cancel()                           # killed mid-batch: the connection drops, unacked
    await first._connection.close()
    first._connection, first._task, first._buffer = None, None, []
    second = IngestWorker(AMQP_URL, broker, engine, prefetch=10, interval=0.05)
    second.start()
    try:
        await eventually(lambda: _equal(count(engine, t.meter_values), 5))
        await _publish(broker, "meter_values", body, "node-x-1")        # and once more, as a replay
        await eventually(lambda: _true(second.duplicates >= 1))
        assert await count(engine, t.meter_values) == 5
        assert await count(engine, t.ocpp_messages) == 1               # not idempotent by itself: the inbox
    finally:
        await second.stop()


async def _true(value) -> bool:
    return value


async def test_poison_messages_go_to_the_dead_letter_queue_with_the_reason(engine, broker):
    await _publish(broker, "meter_values", b"not json at all", "garbage")
    refused = codec.dumps({"id": "node-y-1", "inserts": {"ocpp_messages": [{"charge_point_id": None}]}})
    await _publish(broker, "message_log", refused, "refused")         # NOT NULL columns: the database refuses
    await _publish(broker, "status", codec.dumps({"id": "node-y-2", "inserts": {"users": [{"id": 1}]}}), "foreign")
    worker = IngestWorker(AMQP_URL, broker, engine, prefetch=10, interval=0.05, max_deliveries=2)
    worker.start()
    try:
        await eventually(lambda: _true(worker.dead == 3), timeout=20)
    finally:
        await worker.stop()
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        dead = await channel.declare_queue(amqp.name(broker, amqp.DEAD), passive=True)
        reasons = {}
        for _ in range(3):
            message = await dead.get(timeout=5)
            reasons[message.message_id] = message.headers["x-reason"]
            await message.ack()
    assert reasons["garbage"].startswith("undecodable")
    assert "IntegrityError" in reasons["refused"], reasons
    assert reasons["foreign"].startswith("not an ingest table")         # only the ingest tables, ever
    assert await count(engine, ingest_inbox) == 0


async def test_rabbitmq_unreachable_rows_are_written_in_process(engine):
    writer = BatchWriter(engine, interval=0.05)
    writer.start()
    sink = AmqpSink("amqp://guest:guest@127.0.0.1:1/", "nowhere", "node-z", writer, engine, interval=0.05)
    await sink.start()
    try:
        for row in meter_rows("CP-3", 1, 1, None, samples(3)):
            sink.insert("meter_values", row)
        await asyncio.wait_for(sink.durable(), 20)        # answered: written here instead
        assert sink.fallbacks >= 1
        assert await count(engine, t.meter_values) == 3
    finally:
        await sink.stop()
        await writer.stop()
