"""Feature: several nodes acting as one on Redis (docs/scaling.md): the pub/sub connection, the bus
between nodes, the presence directory and its mirror, command routing, the scheduler lock. Built only
when redis.url is set; the container uses the in-process parts otherwise."""

from __future__ import annotations

from dataclasses import dataclass

from csms.bus.cluster import ClusterBus
from csms.cluster.channels import Channels
from csms.cluster.leader import LeaderLock
from csms.cluster.presence import ClusterPresence, Directory
from csms.cluster.routing import RoutedGateway, Router
from csms.domain import events
from csms.settings import Settings


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


def build_bus(redis, node: str) -> tuple[Channels, ClusterBus]:
    channels = Channels(redis)
    return channels, ClusterBus(channels, node)


def build(settings: Settings, *, redis, node: str, channels: Channels, bus: ClusterBus, registry,
          local_gateway) -> Cluster:
    c = settings.cluster
    directory = Directory(redis, node, c.presence_ttl)
    router = Router(channels, node, local_gateway, registry)
    presence = ClusterPresence(registry, directory, router.drop)
    bus.subscribe(events.ChargePointConnected, presence.on_connected, everywhere=True)
    bus.subscribe(events.ChargePointDisconnected, presence.on_disconnected, everywhere=True)
    return Cluster(node=node, channels=channels, bus=bus, directory=directory, router=router, presence=presence,
                   gateway=RoutedGateway(local_gateway, presence, directory, router),
                   leader=LeaderLock(redis, node, ttl=c.scheduler_lock_ttl))
