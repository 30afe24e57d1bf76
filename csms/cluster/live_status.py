"""The live connector status in Redis (docs/scaling.md "Live connector status"): one hash per charge
point, ``csms:status:<cp>``, field ``<evse>:<connector>``, value ``<at ms>|<status>|<error code>``.

Written by the OCPP node that received the status (its ``ConnectorStatusChanged``, published once the
status is applied), in one pipelined script call per ``FLUSH_EVERY`` for everything that changed
since, beside the database's write-behind, which is unchanged. A field is replaced only by a status
at least as recent (by the charger's timestamp), so the order of nodes' writes and of the warm-up does
not matter. Read by the map, the driver API and the console through the SQL repositories
(csms/db/repositories.py, repositories_station_map.py), with whether the charge point is connected
(the presence hash), in one pipeline.

``csms:status:warm`` names the Redis instance (its run_id) that holds a complete copy. Without it
(flushed, restarted, never warmed) a read answers None and the reader reads the database, and a
node notices within ``CHECK_EVERY`` and warms the hashes from the database, one node at a time
(``csms:status:warming``, SET NX with a TTL), then sets the marker once the presence hash is whole
again too (``settle``). Redis away: reads fall back to the database (a read waits at most
``READ_TIMEOUT``), writes are kept (the newest per connector) and sent when it is back."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Iterable
from datetime import UTC, datetime

from redis.exceptions import RedisError

from csms import metrics
from csms.cluster.presence import KEY as PRESENCE
from csms.cluster.tasks import Loop
from csms.domain import events
from csms.domain.live_status import LiveChargePoint, LiveStatus

log = logging.getLogger(__name__)
PREFIX = "csms:status:"
WARM = "csms:status:warm"
WARMING = "csms:status:warming"
FLUSH_EVERY = 0.05          # seconds between pipelined writes
CHECK_EVERY = 5.0           # seconds between checks that Redis holds a warmed copy
READ_TIMEOUT = 1.0          # a Redis that does not answer is treated as away (read the database)
CHUNK = 500                 # connectors per script call

# KEYS: hashes; ARGV: field, at ms, value for each key in turn. The newer (or equal) status wins.
_PUT = """
for i = 1, #KEYS do
  local f, at, v = ARGV[i * 3 - 2], tonumber(ARGV[i * 3 - 1]), ARGV[i * 3]
  local cur = redis.call('hget', KEYS[i], f)
  if (not cur) or tonumber(string.match(cur, '^(%-?%d+)|')) <= at then
    redis.call('hset', KEYS[i], f, v)
  end
end
return #KEYS
"""

# KEYS: the warm marker, the presence hash, then the charge points' hashes; ARGV: the charge point ids.
# One call, one string (a reply of thousands of elements costs the client more than the read):
# {warmed, "<online 0|1> <field>=<value> ..." per charge point, one a line}
_READ = """
local t = redis.call('time')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local lines = {}
for i = 1, #ARGV do
  local held = redis.call('hget', KEYS[2], ARGV[i])
  local online = '0'
  if held and tonumber(string.match(held, '|(%d+)$')) > now then online = '1' end
  local parts = {online}
  local all = redis.call('hgetall', KEYS[i + 2])
  for j = 1, #all, 2 do parts[#parts + 1] = all[j] .. '=' .. all[j + 1] end
  lines[i] = table.concat(parts, ' ')
end
return {redis.call('exists', KEYS[1]), table.concat(lines, '\\n')}
"""

Row = tuple[str, int, int, str, str, datetime | None]    # cp, evse, connector, status, error code, at
Loader = Callable[[], Awaitable[Iterable[Row]]]


def _s(value) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _ms(at: datetime | None) -> int:
    if at is None:
        return 0
    return int((at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp() * 1000)


def _parse(raw) -> LiveStatus:
    at, status, error_code = _s(raw).split("|", 2)
    return LiveStatus(status, error_code, datetime.fromtimestamp(int(at) / 1000, UTC) if int(at) else None)


class RedisLiveStatus(Loop):
    """``settle``: the presence refresh period (presence_ttl / 3). A flushed Redis has lost the
    presence hash too; it is whole again once every OCPP node has refreshed its entries, so a warm-up
    waits that long before it declares the copy complete (readers read the database meanwhile)."""

    def __init__(self, redis, settle: float = 10.0):
        self.redis = redis
        self.settle = settle
        self._queued: dict[tuple[str, int, int], LiveStatus] = {}
        self.fallbacks = 0          # reads answered None (Redis away or not warmed): the database answered
        self.warmed = 0             # warm-ups done by this node

    # -- writing --------------------------------------------------------------------------------------
    def on_status(self, e: events.ConnectorStatusChanged) -> None:
        """A status applied on this node (evse 0 is the charge point's own, not a connector's)."""
        if e.evse_id > 0:
            self._queued[(e.charge_point_id, e.evse_id, e.connector_id)] = LiveStatus(e.status, e.error_code, e.at)

    async def _put(self, items: list[tuple[tuple[str, int, int], LiveStatus]]) -> None:
        for i in range(0, len(items), CHUNK):
            part = items[i: i + CHUNK]
            keys = [PREFIX + cp_id for (cp_id, _, _), _ in part]
            args = [a for (_, evse, conn), s in part
                    for a in (f"{evse}:{conn}", _ms(s.at), f"{_ms(s.at)}|{s.status}|{s.error_code}")]
            await self.redis.eval(_PUT, len(keys), *keys, *args)

    async def flush(self) -> None:
        """Send what changed since the last flush; kept for the next one when Redis is away."""
        if not self._queued:
            return
        queued, self._queued = self._queued, {}
        try:
            await self._put(list(queued.items()))
        except (RedisError, OSError):
            for key, s in queued.items():
                self._queued.setdefault(key, s)         # a newer status queued meanwhile wins
            raise

    # -- reading --------------------------------------------------------------------------------------
    async def read(self, cp_ids: Collection[str]) -> dict[str, LiveChargePoint] | None:
        ids = list(dict.fromkeys(cp_ids))
        if not ids:
            return {}
        try:
            async with asyncio.timeout(READ_TIMEOUT):
                warm, body = await self.redis.eval(
                    _READ, len(ids) + 2, WARM, PRESENCE, *(PREFIX + cp_id for cp_id in ids), *ids)
        except (RedisError, OSError, TimeoutError) as exc:
            self.fallbacks += 1
            metrics.LIVE_STATUS_READS.labels("database").inc()
            log.debug("live status read from the database: Redis unreachable (%s)", type(exc).__name__)
            return None
        if not warm:
            self.fallbacks += 1
            metrics.LIVE_STATUS_READS.labels("database").inc()
            return None
        metrics.LIVE_STATUS_READS.labels("redis").inc()
        out = {}
        for cp_id, line in zip(ids, _s(body).split("\n")):
            online, *fields = line.split(" ")
            connectors = {}
            for f in fields:
                key, value = f.split("=", 1)
                evse, conn = key.split(":")
                connectors[(int(evse), int(conn))] = _parse(value)
            out[cp_id] = LiveChargePoint(online == "1", connectors)
        return out

    # -- warming --------------------------------------------------------------------------------------
    async def check(self, load: Loader) -> bool:
        """Warm the hashes from the database when this Redis instance has no complete copy (flushed,
        restarted, never warmed); True when this node warmed them."""
        run_id = (await self.redis.info("server"))["run_id"]
        if _s(await self.redis.get(WARM) or b"") == run_id:
            return False
        if not await self.redis.set(WARMING, run_id, nx=True, px=int(self.settle * 1000) + 60_000):
            return False                    # another node is warming it
        try:
            await self.redis.delete(WARM)   # a copy restored from a snapshot: read around it until warmed
            await asyncio.sleep(self.settle)
            rows = list(await load())
            await self._put([((cp_id, evse, conn), LiveStatus(status, error_code, at))
                             for cp_id, evse, conn, status, error_code, at in rows if evse > 0])
            await self.redis.set(WARM, run_id)
        finally:
            await self.redis.delete(WARMING)
        self.warmed += 1
        log.info("live connector status warmed from the database: %d connectors", len(rows))
        return True

    async def _check(self, load: Loader) -> None:
        try:
            await self.check(load)
        except (RedisError, OSError) as exc:
            log.warning("live status not checked: Redis unreachable (%s)", type(exc).__name__)
        except Exception:       # the database away during a warm-up: tried again at the next check
            log.exception("live status not warmed")

    async def _run(self, load: Loader) -> None:
        """Flush every FLUSH_EVERY; check (and warm, beside the flushes) every CHECK_EVERY."""
        n, every = 0, round(CHECK_EVERY / FLUSH_EVERY)
        checking: asyncio.Task | None = None
        try:
            while True:
                try:
                    await self.flush()
                except (RedisError, OSError) as exc:
                    if n % every == 0:
                        log.warning("live status not written: Redis unreachable (%s)", type(exc).__name__)
                if n % every == 0 and (checking is None or checking.done()):
                    checking = asyncio.create_task(self._check(load), name="live-status-warm")
                n += 1
                await asyncio.sleep(FLUSH_EVERY)
        finally:
            if checking is not None:
                checking.cancel()

    def start(self, load: Loader) -> None:
        """``load``: every connector's stored status, for a warm-up."""
        self._spawn(self._run(load), "live-status")

    async def stop(self) -> None:
        await self._cancel()
        try:
            await self.flush()
        except (RedisError, OSError):
            log.warning("live status of %d connectors not written at stop: Redis unreachable", len(self._queued))
