"""RabbitMQ names and connection shared by the OCPP nodes' sink (csms/cluster/ingest.py) and the
workers (csms/cluster/ingest_worker.py): which rows go to which durable queue, the dead-letter
queue, and the queues' declaration (quorum queues: replicated, a delivery count on every message;
the status queue has a single active consumer, so live figures are written in the order they came)."""

from __future__ import annotations

import aio_pika

# table -> queue, for the rows an OCPP node sends through RabbitMQ; everything else stays in-process
INSERTS = {"meter_values": "meter_values", "ocpp_messages": "message_log",
           "connector_status_log": "status", "presence_log": "status"}
UPDATES = {"connectors": "status", "charge_points": "status"}
QUEUES = ("meter_values", "message_log", "status")
ORDERED = {"status"}
DEAD = "dead"


def name(prefix: str, queue: str) -> str:
    return f"{prefix}.{queue}"


async def connect(url: str) -> aio_pika.abc.AbstractRobustConnection:
    """A connection that reconnects by itself (and declares again what its channels declared)."""
    return await aio_pika.connect_robust(url, timeout=10, client_properties={"connection_name": "csms"})


async def declare(channel, prefix: str) -> dict[str, aio_pika.abc.AbstractQueue]:
    queues = {}
    for queue in (*QUEUES, DEAD):
        args = {"x-queue-type": "quorum"}
        if queue in ORDERED:
            args["x-single-active-consumer"] = True
        queues[queue] = await channel.declare_queue(name(prefix, queue), durable=True, arguments=args)
    return queues
