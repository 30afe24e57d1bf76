"""Feature: several nodes acting as one on Redis (docs/scaling.md): the pub/sub connection, the bus
between nodes, the presence directory and its mirror, command routing, the scheduler lock, the live
connector status; and the RabbitMQ ingest (peak shaving). Built only when redis.url / amqp.url is set:
their clients (redis, aio-pika) are imported here, when they are, so the embedded single process
never loads them; the container uses the in-process parts otherwise."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from csms.bus.events import InProcessBus
from csms.domain.repositories import BatchSink
from csms.settings import Settings

if TYPE_CHECKING:
    from csms.bus.cluster import ClusterBus
    from csms.cluster.channels import Channels
    from csms.cluster.ingest_worker import IngestWorker
    from csms.cluster.leader import LeaderLock
    from csms.cluster.live_status import RedisLiveStatus
    from csms.cluster.presence import ClusterPresence, Directory
    from csms.cluster.routing import RoutedGateway, Router


@dataclass(frozen=True)
class Cluster:
    node: str
    channels: Channels
    bus: ClusterBus
    directory: Directory
    router: Router
    presence: ClusterPresence
    gateway: RoutedGateway
    leader: LeaderLock
    live: RedisLiveStatus


def redis_client(url: str):
    if not url:
        return None
    import redis.asyncio as aioredis
    return aioredis.from_url(url)


def live_status(settings: Settings, redis) -> RedisLiveStatus | None:
    """The live connector status in Redis; None in one process (the database is read)."""
    if redis is None:
        return None
    from csms.cluster.live_status import RedisLiveStatus
    return RedisLiveStatus(redis, settle=settings.cluster.presence_ttl / 3)


def ingest(settings: Settings, node: str, writer, engine) -> tuple[BatchSink, IngestWorker | None]:
    """(the services' BatchSink, the ingest worker): through RabbitMQ when amqp.url is set, else the
    in-process writer and no worker."""
    a = settings.amqp
    if not a.url:
        return writer, None
    from csms.cluster.ingest import AmqpSink
    from csms.cluster.ingest_worker import IngestWorker
    return (AmqpSink(a.url, a.prefix, node, writer, engine, interval=settings.ocpp.flush_interval),
            IngestWorker(a.url, a.prefix, engine, a.prefetch, a.batch_interval, a.max_deliveries))


def bus(redis, node: str) -> tuple[Channels | None, InProcessBus]:
    """(the pub/sub connection, the bus): between nodes on Redis, else in process only."""
    if redis is None:
        return None, InProcessBus()
    from csms.bus.cluster import ClusterBus
    from csms.cluster.channels import Channels
    channels = Channels(redis)
    return channels, ClusterBus(channels, node)


def cluster(settings: Settings, *, redis, node: str, channels, bus, registry, local_gateway,
            live) -> Cluster | None:
    if redis is None:
        return None
    from csms.cluster.leader import LeaderLock
    from csms.cluster.presence import ClusterPresence, Directory
    from csms.cluster.routing import RoutedGateway, Router
    from csms.domain import events
    c = settings.cluster
    directory = Directory(redis, node, c.presence_ttl)
    router = Router(channels, node, local_gateway, registry)
    presence = ClusterPresence(registry, directory, router.drop)
    bus.subscribe(events.ConnectorStatusChanged, live.on_status)      # here only: the node that applied it writes
    bus.subscribe(events.ChargePointConnected, presence.on_connected, everywhere=True)
    bus.subscribe(events.ChargePointDisconnected, presence.on_disconnected, everywhere=True)
    return Cluster(node=node, channels=channels, bus=bus, directory=directory, router=router, presence=presence,
                   gateway=RoutedGateway(local_gateway, presence, directory, router),
                   leader=LeaderLock(redis, node, ttl=c.scheduler_lock_ttl), live=live)
