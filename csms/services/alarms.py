"""Alarms from everything that can go wrong, one lifecycle (csms.domain.alarms ALARM: Raised ->
Acknowledged -> Resolved), version-neutral.

Sources (csms/services/alarm_sources.py, the security and provisioning services) ``observe`` a cause
or ``clear`` it. A cause whose kind has a debounce waits here, in memory, until it has lasted that
long (``due``, run by a periodic job): one that clears before raises nothing (a reconnect flap, a
Faulted that recovers). While an alarm is open, each new observation of its cause counts on it
(``count``); a cause that clears resolves its alarm by itself (``resolved_by = "auto"``). A condition
that periodic checks keep finding (a charge point away, a transaction stuck) is not raised again after
an operator resolved its alarm, until it has cleared once (``cleared_at``). Every change is published
as an AlarmChanged: the operator feed and the notifier listen.

Observations of one key are handled one at a time, in the order they came (the bus runs each reaction
in a task of its own: a Faulted and the Available right after it must not overtake each other).
Pending causes live in this process: with several nodes, a charge point's causes are observed on the
node that holds its socket, and after a restart the periodic checks find what is still wrong."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime

from csms import metrics
from csms.domain import alarms as a
from csms.domain.alarms import Alarm, AlarmQuery, ResponseTimes, Signal
from csms.domain.events import AlarmChanged
from csms.domain.models import Page
from csms.domain.repositories import ChargePointRepository
from csms.domain.repositories_alarms import AlarmRepository
from csms.domain.states import IllegalTransition
from csms.services.clock import Clock
from csms.services.locks import KeyedLocks

log = logging.getLogger(__name__)


class UnknownAlarm(Exception):
    pass


@dataclass(frozen=True)
class AlarmPolicy:
    """Debounce (seconds) and severity per kind; kinds not named take csms.domain.alarms.KINDS."""
    debounce: dict[str, float]
    severity: dict[str, str]

    def debounce_of(self, kind: str) -> float:
        return self.debounce.get(kind, a.KINDS[kind][0])

    def severity_of(self, kind: str) -> str:
        return self.severity.get(kind, a.KINDS[kind][1])


DEFAULT_POLICY = AlarmPolicy({}, {})


def _resolved_while_present(alarm: Alarm | None) -> bool:
    """Resolved by an operator, and its cause not (yet) seen to clear."""
    return alarm is not None and alarm.status == a.RESOLVED and alarm.resolved_by != a.AUTO and alarm.cleared_at is None


# a quiet key is read again after this long even when no AlarmChanged said it changed: the bus between
# nodes (Redis pub/sub) may lose an event while a node reconnects
QUIET_RECHECK_S = 900.0


class AlarmService:
    def __init__(self, repo: AlarmRepository, charge_points: ChargePointRepository, bus, clock: Clock,
                 policy: AlarmPolicy = DEFAULT_POLICY):
        self.repo = repo
        self.charge_points = charge_points
        self.bus = bus
        self.clock = clock
        self.policy = policy
        self._pending: dict[str, tuple[Signal, datetime]] = {}     # key -> (latest signal, since)
        self._keys = KeyedLocks()          # an asyncio lock is fair: waiters get it in the order they asked
        # keys read lately with no open alarm and nothing pending: a clear() of them (every status
        # report of a healthy connector) reads nothing; forgotten at the next observe(), at any
        # AlarmChanged of the key on any node (on_alarm_changed), or after QUIET_RECHECK_S
        self._quiet: dict[str, float] = {}

    # -- causes ------------------------------------------------------------------------------------
    async def observe(self, signal: Signal) -> Alarm | None:
        """Something is wrong. The alarm raised or counted, or None while it waits out its debounce."""
        async with self._keys.hold(signal.key):
            return await self._observe(signal)

    async def _observe(self, signal: Signal) -> Alarm | None:
        now = self.clock.now()
        key = signal.key
        self._quiet.pop(key, None)
        latest = await self.repo.latest_for(key)
        open_ = latest if latest is not None and latest.status in a.OPEN else None
        if signal.level and open_ is None and _resolved_while_present(latest):
            return None                 # an operator closed it while the condition lasts: not again until it clears
        if open_ is not None:
            self._pending.pop(key, None)
            if signal.level:            # a periodic check seeing the same condition: not a new occurrence
                return open_
            repeated = await self.repo.repeat(open_.id, type=signal.type or open_.type,
                                              message=signal.message or open_.message, at=now)
            if repeated is not None:
                self._publish(repeated, "repeated", now)
                return repeated
        since = min(signal.since or now, now)
        if key in self._pending:
            since = min(since, self._pending[key][1])
        wait = self.policy.debounce_of(signal.kind)
        if wait > 0 and (now - since).total_seconds() < wait:
            self._pending[key] = (signal, since)
            return None
        return await self._raise(signal, now)

    async def clear(self, signal: Signal) -> Alarm | None:
        """The cause is over: a pending one is forgotten, an open alarm resolves by itself."""
        async with self._keys.hold(signal.key):
            return await self._clear(signal)

    async def _clear(self, signal: Signal) -> Alarm | None:
        key = signal.key
        if self._pending.pop(key, None) is not None:
            metrics.ALARMS_DEBOUNCED.labels(signal.kind).inc()
            log.info("%s cleared within its debounce: no alarm", key)
        else:
            quiet = self._quiet.get(key)
            if quiet is not None and time.monotonic() - quiet < QUIET_RECHECK_S:
                return None
        latest = await self.repo.latest_for(key)
        now = self.clock.now()
        if _resolved_while_present(latest):        # the condition an operator resolved is over now
            await self.repo.transition(latest.id, a.RESOLVED, cleared_at=now)
        if latest is None or latest.status not in a.OPEN:
            if len(self._quiet) >= 100_000:
                self._quiet.clear()
            self._quiet[key] = time.monotonic()
            return None
        return await self._move(latest.id, a.RESOLVED, now, resolved_by=a.AUTO, resolution="the cause cleared",
                                cleared_at=now)

    async def due(self) -> list[Alarm]:
        """Raise the pending causes that have lasted their debounce (the periodic job)."""
        now = self.clock.now()
        raised = []
        for key, (signal, since) in list(self._pending.items()):
            if (now - since).total_seconds() >= self.policy.debounce_of(signal.kind):
                async with self._keys.hold(key):
                    if key in self._pending:        # not cleared while we waited for the key
                        raised.append(await self._raise(self._pending[key][0], now))
        return raised

    def pending(self) -> list[Signal]:
        return [signal for signal, _ in self._pending.values()]

    def is_pending(self, signal: Signal) -> bool:
        return signal.key in self._pending

    async def clear_alarm(self, alarm: Alarm) -> Alarm | None:
        """Resolve ``alarm`` as its cause cleared (a periodic check found it over)."""
        return await self.clear(Signal(alarm.kind, alarm.charge_point_id, alarm.evse_id, alarm.connector_id,
                                       alarm.subject))

    async def _raise(self, signal: Signal, now: datetime) -> Alarm:
        self._pending.pop(signal.key, None)
        station_id = None
        if signal.charge_point_id:
            cp = await self.charge_points.get(signal.charge_point_id)
            station_id = cp.station_id if cp is not None else None
        alarm, created = await self.repo.raise_(
            kind=signal.kind, severity=self.policy.severity_of(signal.kind), dedup_key=signal.key,
            charge_point_id=signal.charge_point_id, station_id=station_id, evse_id=signal.evse_id,
            connector_id=signal.connector_id, subject=signal.subject[:128], type=signal.type or signal.kind,
            message=signal.message or signal.kind, at=now)
        if created:
            metrics.ALARMS_RAISED.labels(signal.kind).inc()
            log.warning("alarm %s raised (%s, %s): %s", alarm.id, alarm.kind, alarm.severity, alarm.message)
            self._publish(alarm, "raised", now)
        return alarm

    # -- operators ---------------------------------------------------------------------------------
    async def acknowledge(self, alarm_id: int, by: str) -> Alarm:
        """Raised -> Acknowledged; acknowledging twice changes nothing."""
        now = self.clock.now()
        return await self._move(alarm_id, a.ACKNOWLEDGED, now, acknowledged_by=by)

    async def resolve(self, alarm_id: int, by: str, resolution: str | None = None) -> Alarm:
        now = self.clock.now()
        return await self._move(alarm_id, a.RESOLVED, now, resolved_by=by, resolution=resolution)

    async def _move(self, alarm_id: int, target: str, now: datetime, **fields) -> Alarm:
        stamp = {a.ACKNOWLEDGED: "acknowledged_at", a.RESOLVED: "resolved_at"}[target]
        for _ in range(3):                  # compare-and-set; retried when it changed under us
            alarm = await self.repo.get(alarm_id)
            if alarm is None:
                raise UnknownAlarm(f"alarm {alarm_id} not found")
            if alarm.status == target:
                return alarm
            a.ALARM.check(alarm.status, target)
            moved = await self.repo.transition(alarm_id, alarm.status, status=target, **{stamp: now}, **fields)
            if moved is not None:
                self._publish(moved, target.lower(), now)
                return moved
        raise IllegalTransition("alarm", "changing", target)

    def changed(self, alarm: Alarm, change: str) -> None:
        """Tell listeners of a change made elsewhere (a work order assigned)."""
        self._publish(alarm, change, self.clock.now())

    def _publish(self, alarm: Alarm, change: str, at: datetime) -> None:
        self._quiet.pop(alarm.dedup_key, None)
        self.bus.publish(AlarmChanged(alarm, change, at))

    async def on_alarm_changed(self, e: AlarmChanged) -> None:
        """An alarm changed here or on another node (an operator resolved it on an API node, another
        OCPP node raised it): its key is no longer known to be quiet."""
        self._quiet.pop(e.alarm.dedup_key, None)

    # -- reading -----------------------------------------------------------------------------------
    async def get(self, alarm_id: int) -> Alarm:
        alarm = await self.repo.get(alarm_id)
        if alarm is None:
            raise UnknownAlarm(f"alarm {alarm_id} not found")
        return alarm

    async def list(self, query: AlarmQuery = AlarmQuery(), *, limit: int = 50, offset: int = 0) -> Page:
        return await self.repo.list(query, limit=limit, offset=offset)

    async def open_of_kind(self, kind: str) -> list[Alarm]:
        return await self.repo.open_of_kind(kind)

    async def response_times(self, *, since: datetime, until: datetime, station_id: int | None = None,
                             period: str | None = None) -> list[ResponseTimes]:
        """MTTA / MTTR per station (and per day or month when ``period`` says so) of the alarms raised
        in [since, until); the first row is the whole range of every station. Periods are UTC days."""
        timings = await self.repo.timings(since=since, until=until, station_id=station_id)
        groups: dict[tuple, list] = {}
        for t in timings:
            start = None
            if period == "day":
                start = t.raised_at.date().isoformat()
            elif period == "month":
                start = t.raised_at.date().replace(day=1).isoformat()
            groups.setdefault((t.station_id, start), []).append(t)
        rows = [a.response_times(timings, station_id, None)]
        for (station, start), items in sorted(groups.items(), key=lambda kv: (kv[0][0] is None, kv[0][0] or 0,
                                                                               kv[0][1] or "")):
            rows.append(a.response_times(items, station, start))
        return rows

