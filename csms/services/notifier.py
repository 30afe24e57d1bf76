"""Alarm notifications: each AlarmChanged is routed by the rules (csms.domain.notifications) to the
targets of their channels, and every attempt is recorded.

Sending runs in the background, never in the caller's task (the bus subscriber only queues), in one
lane per channel type: a bounded queue with its own workers, so a slow or failing SMTP server delays
no SMS and never the OCPP path. A failed attempt is retried after a backoff that doubles, up to
``max_attempts``; a full queue drops the message (recorded as ``dropped``). ``stop`` lets queued work
finish for a grace period, then cancels the rest."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from csms import metrics
from csms.domain.alarms import Alarm, place
from csms.domain.events import AlarmChanged
from csms.domain.models import Page
from csms.domain.notifications import DROPPED, FAILED, SENT, SUPPRESSED, Channel, Delivery, matches, quiet
from csms.domain.repositories_alarms import (ChannelRepository, DeliveryRepository, OperatorContactRepository,
                                             RuleRepository)
from csms.services.clock import Clock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlarmMessage:
    """What every channel says of one alarm change, in its own format."""
    alarm: Alarm
    event: str                         # raised | repeated | acknowledged | resolved
    title: str
    text: str
    at: datetime


class Sender(Protocol):
    """One channel type's way out (csms/notify/). Raises on failure; returns when the provider took it."""
    async def send(self, address: str, message: AlarmMessage) -> None: ...


@dataclass(frozen=True)
class NotifyConfig:
    queue_size: int = 1000             # per channel type
    workers: int = 2                   # per channel type
    max_attempts: int = 4
    backoff: float = 2.0               # seconds before the second attempt, doubled for each further one
    timeout: float = 10.0              # seconds one attempt may take
    stop_grace: float = 5.0            # seconds queued work may take to finish at shutdown


EVENT_WORDS = {"raised": "告警", "repeated": "告警重复", "acknowledged": "已确认", "resolved": "已恢复"}


def render(alarm: Alarm, event: str, at: datetime) -> AlarmMessage:
    title = f"[{alarm.severity}] {EVENT_WORDS.get(event, event)} {alarm.kind} {place(alarm)}"
    text = (f"{alarm.message}\nalarm {alarm.id} · {alarm.status} · {alarm.count}x · "
            f"raised {alarm.raised_at.isoformat()}")
    return AlarmMessage(alarm, event, title, text, at)


@dataclass
class _Job:
    message: AlarmMessage
    rule_id: int
    channel: Channel
    target: str                        # as recorded (an operator username for WeChat)
    address: str                       # where it goes (the operator's openid)
    attempt: int = 1


@dataclass
class _Lane:
    queue: asyncio.Queue
    workers: list[asyncio.Task] = field(default_factory=list)


class Notifier:
    def __init__(self, rules: RuleRepository, channels: ChannelRepository, deliveries: DeliveryRepository,
                 contacts: OperatorContactRepository, senders: dict[str, Sender], clock: Clock,
                 config: NotifyConfig = NotifyConfig()):
        self.rules = rules
        self.channels = channels
        self.deliveries = deliveries
        self.contacts = contacts
        self.senders = senders
        self.clock = clock
        self.config = config
        self._lanes: dict[str, _Lane] = {}
        self._retries: set[asyncio.TimerHandle] = set()
        self._recording: set[asyncio.Task] = set()
        self._running = False

    # -- routing -------------------------------------------------------------------------------------
    async def on_alarm_changed(self, e: AlarmChanged) -> None:
        """Queue the deliveries this change calls for (the bus subscriber: it never sends itself)."""
        rules = [r for r in await self.rules.list() if matches(r, e.alarm, e.change)]
        if not rules:
            return
        channels = {c.id: c for c in await self.channels.list()}
        message = render(e.alarm, e.change, e.at)
        seen: set[tuple[int, str]] = set()          # one message per target, whichever rules match
        for rule in rules:
            for channel_id in rule.channel_ids:
                channel = channels.get(channel_id)
                if channel is None or not channel.enabled or channel.type not in self.senders:
                    continue
                for target, address in await self._targets(channel):
                    if (channel.id, target) in seen:
                        continue
                    seen.add((channel.id, target))
                    job = _Job(message, rule.id, channel, target, address)
                    if quiet(rule, e.alarm, e.at):
                        await self._record(job, SUPPRESSED, "quiet hours")
                    else:
                        await self._enqueue(job)

    async def _targets(self, channel: Channel) -> list[tuple[str, str]]:
        if channel.type == "wechat":        # operators who bound their WeChat (none named: all of them)
            return await self.contacts.openids(channel.targets)
        return [(t, t) for t in channel.targets]

    async def _enqueue(self, job: _Job) -> None:
        lane = self._lanes.get(job.channel.type)
        if lane is None or not self._running:
            await self._record(job, DROPPED, "notifications are not running")
            return
        try:
            lane.queue.put_nowait(job)
        except asyncio.QueueFull:
            await self._record(job, DROPPED, f"the {job.channel.type} queue is full")

    # -- sending -----------------------------------------------------------------------------------
    async def _work(self, lane: _Lane) -> None:
        while True:
            job = await lane.queue.get()
            try:
                await self._attempt(job)
            except Exception:
                log.exception("notification of alarm %s to %s failed unexpectedly", job.message.alarm.id, job.target)
            finally:
                lane.queue.task_done()

    async def _attempt(self, job: _Job) -> None:
        started = time.monotonic()
        sender = self.senders[job.channel.type]
        try:
            await asyncio.wait_for(sender.send(job.address, job.message), self.config.timeout)
        except Exception as exc:            # the channel's trouble, whatever it is, stays in its lane
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            await self._record(job, FAILED, error, started)
            if job.attempt < self.config.max_attempts and self._running:
                self._retry(job)
            return
        await self._record(job, SENT, None, started)

    def _retry(self, job: _Job) -> None:
        delay = self.config.backoff * 2 ** (job.attempt - 1)
        again = _Job(job.message, job.rule_id, job.channel, job.target, job.address, job.attempt + 1)

        def requeue() -> None:
            self._retries.discard(handle)
            task = asyncio.ensure_future(self._enqueue(again))
            self._recording.add(task)
            task.add_done_callback(self._recording.discard)
        handle = asyncio.get_running_loop().call_later(delay, requeue)
        self._retries.add(handle)

    async def _record(self, job: _Job, status: str, error: str | None, started: float | None = None) -> None:
        metrics.NOTIFICATIONS.labels(job.channel.type, status).inc()
        duration = round((time.monotonic() - started) * 1000) if started is not None else None
        if status != SENT:
            log.warning("alarm %s -> %s %s: %s (attempt %d): %s", job.message.alarm.id, job.channel.type,
                        job.target, status, job.attempt, error)
        try:
            await self.deliveries.add(Delivery(job.message.alarm.id, job.channel.id, job.channel.type, job.target,
                                               job.message.event, status, job.attempt, self.clock.now(),
                                               rule_id=job.rule_id, error=error, duration_ms=duration))
        except Exception:
            log.exception("could not record a delivery attempt of alarm %s", job.message.alarm.id)

    # -- life ----------------------------------------------------------------------------------------
    def start(self) -> None:
        self._running = True
        for channel_type in self.senders:
            lane = _Lane(asyncio.Queue(self.config.queue_size))
            lane.workers = [asyncio.create_task(self._work(lane), name=f"notify-{channel_type}-{n}")
                            for n in range(self.config.workers)]
            self._lanes[channel_type] = lane

    async def stop(self) -> None:
        """No new attempts (retries not yet due are dropped); queued ones get ``stop_grace`` seconds."""
        self._running = False
        for handle in self._retries:
            handle.cancel()
        self._retries.clear()
        lanes = list(self._lanes.values())
        try:
            await asyncio.wait_for(asyncio.gather(*(lane.queue.join() for lane in lanes)), self.config.stop_grace)
        except asyncio.TimeoutError:
            log.warning("notifications still queued after %.0f s were dropped at shutdown", self.config.stop_grace)
        workers = [w for lane in lanes for w in lane.workers]
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, *self._recording, return_exceptions=True)
        self._lanes.clear()

    def queued(self) -> int:
        return sum(lane.queue.qsize() for lane in self._lanes.values())

    async def deliveries_of(self, **filters) -> Page:
        return await self.deliveries.list(**filters)
