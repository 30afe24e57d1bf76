"""Which node holds each charge point's socket, in Redis (hash ``csms:presence``: charge point ->
``node|protocol|expiry``, expiry in Redis's own clock so nodes' clocks do not matter), and this
node's view of it for the services' synchronous questions (is it connected, in which version).

The holder claims an entry when the socket opens (the previous holder, if another node, is told to
drop its socket: a charger that reconnected elsewhere is taken over), refreshes its entries every
third of the TTL (after a Redis restart the refresh writes them again), and releases one when the
socket closes. A node that dies stops refreshing: its entries expire after the TTL."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from redis.exceptions import RedisError

from csms.cluster.tasks import Loop
from csms.domain import events
from csms.transport.presence import RegistryPresence

log = logging.getLogger(__name__)
KEY = "csms:presence"

_CLAIM = """
local t = redis.call('time')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local old = redis.call('hget', KEYS[1], ARGV[1])
redis.call('hset', KEYS[1], ARGV[1], ARGV[2] .. '|' .. ARGV[3] .. '|' .. (now + tonumber(ARGV[4])))
if old then
  local node, proto, exp = string.match(old, '^(.*)|(.*)|(%d+)$')
  if node ~= ARGV[2] and tonumber(exp) > now then return node end
end
return false
"""
# ARGV: node, ttl_ms, then pairs (cp_id, protocol); returns the ids another live node holds now
_REFRESH = """
local t = redis.call('time')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local lost = {}
for i = 3, #ARGV, 2 do
  local cur = redis.call('hget', KEYS[1], ARGV[i])
  local mine = true
  if cur then
    local node, proto, exp = string.match(cur, '^(.*)|(.*)|(%d+)$')
    if node ~= ARGV[1] and tonumber(exp) > now then mine = false end
  end
  if mine then
    redis.call('hset', KEYS[1], ARGV[i], ARGV[1] .. '|' .. ARGV[i + 1] .. '|' .. (now + tonumber(ARGV[2])))
  else
    table.insert(lost, ARGV[i])
  end
end
return lost
"""
_RELEASE = """
local cur = redis.call('hget', KEYS[1], ARGV[1])
if cur and string.sub(cur, 1, string.len(ARGV[2]) + 1) == ARGV[2] .. '|' then
  redis.call('hdel', KEYS[1], ARGV[1])
  return 1
end
return 0
"""
_ALL = """
local t = redis.call('time')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local out = {}
local all = redis.call('hgetall', KEYS[1])
for i = 1, #all, 2 do
  local node, proto, exp = string.match(all[i + 1], '^(.*)|(.*)|(%d+)$')
  if tonumber(exp) > now then
    table.insert(out, all[i]); table.insert(out, node); table.insert(out, proto)
  elseif ARGV[1] == '1' then
    redis.call('hdel', KEYS[1], all[i])
  end
end
return out
"""


def _s(value) -> str:
    return value.decode() if isinstance(value, bytes) else value


class Directory:
    """The Redis side: claim, refresh, release, look up."""

    def __init__(self, redis, node: str, ttl: float):
        self.redis = redis
        self.node = node
        self.ttl_ms = max(1000, int(ttl * 1000))

    async def claim(self, cp_id: str, protocol: str) -> str | None:
        """Hold ``cp_id``; the other node that held it until now, if any."""
        old = await self.redis.eval(_CLAIM, 1, KEY, cp_id, self.node, protocol, self.ttl_ms)
        return _s(old) if old else None

    async def refresh(self, held: list[tuple[str, str]]) -> list[str]:
        """Extend this node's entries (write them again if Redis lost them); the ids another node holds."""
        if not held:
            return []
        args = [a for pair in held for a in pair]
        return [_s(x) for x in await self.redis.eval(_REFRESH, 1, KEY, self.node, self.ttl_ms, *args)]

    async def release(self, cp_id: str) -> bool:
        """Forget ``cp_id`` if this node holds it; False when another node holds it now."""
        return bool(await self.redis.eval(_RELEASE, 1, KEY, cp_id, self.node))

    async def owner(self, cp_id: str) -> tuple[str, str] | None:
        """(node, protocol) holding the charge point's socket, or None."""
        raw = await self.redis.hget(KEY, cp_id)
        if raw is None:
            return None
        node, protocol, expiry = _s(raw).rsplit("|", 2)
        now_s, now_us = await self.redis.time()
        return (node, protocol) if int(expiry) > now_s * 1000 + now_us // 1000 else None

    async def all(self, sweep: bool = False) -> dict[str, tuple[str, str]]:
        flat = [_s(x) for x in await self.redis.eval(_ALL, 1, KEY, "1" if sweep else "0")]
        return {flat[i]: (flat[i + 1], flat[i + 2]) for i in range(0, len(flat), 3)}


class ClusterPresence(RegistryPresence, Loop):
    """The services' Presence (csms/services/chargers.py) on several nodes: this node's sockets
    first (the registry), then a mirror of the directory, kept by the bus's connect and disconnect
    events from every node and read again from Redis every third of the TTL. ``connected()`` and
    ``close_local`` are this node's own sockets (its jobs)."""

    def __init__(self, registry, directory: Directory, drop_remote: Callable[[str, str, str], Awaitable[None]]):
        super().__init__(registry)
        self.directory = directory
        self.drop_remote = drop_remote
        self._mirror: dict[str, tuple[str, str]] = {}      # cp_id -> (node, protocol)
        self._seen: dict[str, datetime] = {}
        self.lost_sockets = 0                               # sockets dropped because another node holds them

    # -- Presence: this node's sockets (RegistryPresence), then the other nodes' ------------------------
    def is_connected(self, cp_id: str) -> bool:
        return super().is_connected(cp_id) or cp_id in self._mirror

    def last_frame_at(self, cp_id: str) -> datetime | None:
        here = super().last_frame_at(cp_id)
        if here is None and cp_id in self._mirror:
            return self._seen.get(cp_id) or datetime.now(UTC)
        return here

    def protocol_of(self, cp_id: str) -> str | None:
        held = self._mirror.get(cp_id)
        return super().protocol_of(cp_id) or (held[1] if held else None)

    async def close(self, cp_id: str, reason: str) -> None:
        if self.registry.get(cp_id) is not None:
            await super().close(cp_id, reason)
            return
        held = await self.directory.owner(cp_id)
        if held is not None and held[0] != self.directory.node:
            await self.drop_remote(held[0], cp_id, reason)

    # -- the mirror -------------------------------------------------------------------------------------
    def on_connected(self, e: events.ChargePointConnected) -> None:
        self._mirror[e.charge_point_id] = ("?", e.protocol)
        self._seen[e.charge_point_id] = e.at

    def on_disconnected(self, e: events.ChargePointDisconnected) -> None:
        if self.registry.get(e.charge_point_id) is None:
            self._mirror.pop(e.charge_point_id, None)
            self._seen.pop(e.charge_point_id, None)

    async def opened(self, cp_id: str, protocol: str) -> None:
        """This node now holds ``cp_id``: claim it, and have the node that held it drop its socket."""
        self._mirror[cp_id] = (self.directory.node, protocol)
        try:
            old = await self.directory.claim(cp_id, protocol)
        except (RedisError, OSError) as exc:       # Redis away: charging goes on here; the refresh claims it later
            log.warning("%s not claimed: Redis unreachable (%s)", cp_id, type(exc).__name__)
            return
        if old is not None:
            log.info("%s moved here from node %s: taking it over", cp_id, old)
            await self.drop_remote(old, cp_id, "taken over by another node")

    async def closed(self, cp_id: str) -> bool:
        """This node's socket of ``cp_id`` closed; False when another node holds it now (taken over:
        the charge point is not offline)."""
        self._mirror.pop(cp_id, None)
        try:
            return await self.directory.release(cp_id)
        except (RedisError, OSError):
            return True

    async def sync(self, sweep: bool = False) -> None:
        held = [(conn.cp_id, conn.protocol) for conn in self.registry]
        for cp_id in await self.directory.refresh(held):
            conn = self.registry.get(cp_id)
            if conn is not None:        # reconnected to another node meanwhile: that one holds it
                self.lost_sockets += 1
                self.registry.remove(conn)
                await conn.close(1001, "taken over by another node")
        self._mirror = await self.directory.all(sweep)
        self._seen = {k: v for k, v in self._seen.items() if k in self._mirror}

    async def _run(self, every: float) -> None:
        n = 0
        while True:
            try:
                await self.sync(sweep=n % 10 == 0)
            except (RedisError, OSError) as exc:
                log.warning("presence not refreshed: Redis unreachable (%s)", type(exc).__name__)
            n += 1
            await asyncio.sleep(every)

    def start(self) -> None:
        self._spawn(self._run(self.directory.ttl_ms / 3000), "presence")

    async def stop(self) -> None:
        await self._cancel()
