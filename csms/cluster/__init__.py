"""Several CSMS processes acting as one, on Redis (presence, live status, the bus between nodes,
command routing, the scheduler lock) and RabbitMQ (peak shaving). Nothing here runs without
redis.url / amqp.url: the embedded single process never imports these modules' clients."""

from __future__ import annotations

import os
import socket


def node_id(configured: str = "") -> str:
    """This process's name among the nodes: the configured one, else HOSTNAME-PID."""
    return configured or f"{socket.gethostname()}-{os.getpid()}"
