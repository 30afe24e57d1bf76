"""Statistics: daily roll-ups per charge point and station (job ``stats-rollup``: today and yesterday
every ``stats.interval`` seconds; any past day on demand, replacing what was stored), the history of
connector statuses and presence they are computed from, and the dashboard's figures over them."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from csms.domain import events
from csms.domain.clock import Clock
from csms.domain.repositories import BatchSink
from csms.domain.stats import Figures, NetworkDay, Point, StatsRepository, StatsSource
from csms.services.stats_arithmetic import day_window, local_day, rollup

log = logging.getLogger(__name__)


class StatusHistory:
    """Every connector status change and every connect / disconnect, batched (what the roll-ups'
    occupied, available, faulted and offline minutes are computed from)."""

    def __init__(self, batch: BatchSink):
        self.batch = batch

    async def on_status(self, e: events.ConnectorStatusChanged) -> None:
        if e.evse_id > 0 and e.connector_id > 0 and e.status != e.previous:     # connector 0 is the whole charge point
            self.batch.insert("connector_status_log", {"charge_point_id": e.charge_point_id, "evse_id": e.evse_id,
                                                       "connector_id": e.connector_id, "status": e.status,
                                                       "error_code": e.error_code, "at": e.at})

    async def on_connected(self, e: events.ChargePointConnected) -> None:
        self.batch.insert("presence_log", {"charge_point_id": e.charge_point_id, "online": True, "at": e.at})

    async def on_disconnected(self, e: events.ChargePointDisconnected) -> None:
        self.batch.insert("presence_log", {"charge_point_id": e.charge_point_id, "online": False, "at": e.at})


class Statistics:
    def __init__(self, source: StatsSource, repo: StatsRepository, batch: BatchSink, clock: Clock, timezone: str):
        self.source = source
        self.repo = repo
        self.batch = batch
        self.clock = clock
        self.tz = ZoneInfo(timezone)

    async def _zones(self) -> dict[str, list[int]]:
        """Time zone -> its stations (station 0, charge points without one, in stats.timezone)."""
        zones: dict[str, list[int]] = defaultdict(list)
        zones[self.tz.key].append(0)
        for sid, tz in (await self.source.stations()).items():
            zones[tz or self.tz.key].append(sid)
        return zones

    async def roll_up(self, day: date) -> int:
        """Compute ``day`` (each station in its own time zone) and replace what was stored for it; the
        number of charge point rows written."""
        await self.batch.flush()          # status changes still queued belong to the day
        written, total, charge_points = 0, Figures(), 0
        for zone, station_ids in (await self._zones()).items():
            tz = ZoneInfo(zone)
            activity = await self.source.activity(*day_window(day, tz))
            mine = set(station_ids)
            activity = replace(activity, units=tuple(u for u in activity.units if u.station_id in mine))
            # the arithmetic is pure CPU: off the event loop
            points, stations = await asyncio.to_thread(rollup, activity, day, tz)
            await self.repo.replace_day(day, station_ids, points, stations)
            written += len(points)
            total = sum((s.figures for s in stations), total)
            charge_points += len(points)
        users = await self.source.users(*day_window(day, self.tz))
        await self.repo.replace_network_day(replace(users, day=day, figures=total, charge_points=charge_points))
        return written

    async def tick(self) -> None:
        """Today and yesterday, in stats.timezone (yesterday's last changes may arrive late)."""
        today = local_day(self.clock.now(), self.tz)
        for day in (today - timedelta(days=1), today):
            n = await self.roll_up(day)
            log.debug("stats: %s rolled up (%d charge points)", day, n)

    # --- queries -------------------------------------------------------------------------------------

    async def series(self, start: date, end: date, *, by: str = "day", station_id: int | None = None,
                     charge_point_id: str | None = None) -> list[Point]:
        return await self.repo.series(start, end, by=by, station_id=station_id, charge_point_id=charge_point_id)

    async def ranking(self, start: date, end: date, metric: str, limit: int) -> list[Point]:
        """Stations by ``metric`` over the range, highest first (ties: lower id first)."""
        def value(p: Point):
            v = p.active_users if metric == "active_users" else getattr(p.figures, metric)
            return -1 if v is None else v
        rows = await self.repo.per_station(start, end)
        return sorted(rows, key=lambda p: (-value(p), p.station_id))[:limit]

    async def users(self, start: date, end: date, by: str = "day") -> list[NetworkDay]:
        return await self.repo.network(start, end, by=by)
