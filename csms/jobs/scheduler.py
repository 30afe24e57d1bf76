"""Periodic jobs (APScheduler), all of them in one table (``jobs``), and a scheduler that stops
cleanly: a job that runs when it stops is waited for (then cancelled) before the database closes."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from csms import metrics
from csms.settings_checks import parse_clock_time

if TYPE_CHECKING:      # the table reads the container's services; the container builds the scheduler
    from csms.container import Container

log = logging.getLogger(__name__)
BEIJING = "Asia/Shanghai"   # WeChat Pay's bill days are Beijing days
STOP_GRACE = 10.0          # seconds a running job may take to finish when the scheduler stops


@dataclass(frozen=True)
class Job:
    id: str
    trigger: str                     # "interval" | "cron" (APScheduler trigger names)
    args: dict[str, Any]             # the trigger's arguments
    run: Callable[[], Awaitable[Any]]
    node: bool = False               # True: every OCPP node runs it on its own sockets; False: one scheduler


def every(seconds: float = 0, **kw) -> tuple[str, dict]:
    return "interval", {"seconds": seconds, **kw}


def daily_at(clock_time: str, timezone: str) -> tuple[str, dict]:
    """A cron trigger every day at ``HH:MM`` in ``timezone``."""
    hour, minute = parse_clock_time(clock_time)
    return "cron", {"hour": hour, "minute": minute, "timezone": timezone}


def jobs(c: Container) -> list[Job]:
    """Every periodic job of the CSMS."""
    d, w, a = c.settings.driver, c.settings.wechat, c.settings.alarms

    async def presence() -> None:
        c.chargers.record_presence()
        metrics.BATCH_PENDING.set(c.batch.pending())

    async def retention() -> None:
        n = await c.message_log.purge()
        if n:
            log.info("message log: purged %d frames older than %d days", n, c.message_log.retention_days)

    async def reconcile() -> None:
        day = (c.clock.now() + timedelta(hours=8)).date() - timedelta(days=1)    # yesterday, Beijing time
        await c.payments.payments.reconcile(day)

    async def query_payments() -> None:
        await c.payments.payments.query_pending(timedelta(seconds=d.pay_query_after))

    async def driver_sessions() -> None:
        await c.charging.progress.catch_up()      # orders whose transaction moved on while the process died
        await c.charging.stop.tick()

    async def order_checks() -> None:
        await c.backoffice.reviews.sweep(timedelta(hours=c.settings.anomalies.sweep_lookback_hours))

    back = [Job("order-checks", *every(c.settings.anomalies.sweep_interval), order_checks)]
    if c.redis is not None:     # several nodes: their views and the database reconciled (one scheduler)
        back.append(Job("state-reconciliation", *every(c.settings.cluster.reconcile_interval), c.reconciliation.sweep))
    if c.settings.stats.interval > 0:
        back.append(Job("stats-rollup", *every(c.settings.stats.interval), c.backoffice.stats.tick))
    return [
        Job("presence", *every(5), presence, node=True),
        Job("stale-connections", *every(30), c.chargers.close_stale, node=True),
        Job("message-log-retention", *every(hours=1), retention),
        Job("reservation-expiry", *every(10), c.reservations.reservations.expire_due),
        Job("report-request-timeout", *every(15), c.report_requests.expire_due),
        Job("driver-sessions", *every(5), driver_sessions),
        Job("payment-query", *every(30), query_payments),
        # after WeChat Pay has published yesterday's trade bill (from 09:00 Beijing time)
        Job("payment-reconciliation", *daily_at(w.reconcile_at, BEIJING), reconcile),
        Job("content-check-resubmit", *every(minutes=5), c.profile.moderation.resubmit_due),
        # alarms: causes that outlasted their debounce; charge points away and transactions stuck
        Job("alarm-debounce", *every(a.check_interval), c.operations.alarms.due),
        Job("alarm-offline-check", *every(a.sweep_interval), c.operations.sources.check_offline),
        Job("alarm-stuck-transactions", *every(a.sweep_interval), c.operations.sources.check_stuck),
        *back,
    ]


class Scheduler:
    """Runs the table's jobs; with ``gate``, a cluster job runs only while ``gate()`` is True (the node
    holds the scheduler lock: csms/cluster/leader.py), so several schedulers run each job once. A node
    job (its own sockets) runs on every node that holds sockets."""

    def __init__(self, table: list[Job], gate: Callable[[], bool] | None = None):
        self.gate = gate
        self._scheduler = AsyncIOScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1,
                                                                          "misfire_grace_time": 30})
        self._running: set[asyncio.Task] = set()
        self.table = table
        for job in table:
            self._scheduler.add_job(self._tracked(job), job.trigger, id=job.id, **job.args)

    def only(self, *, node: bool, cluster: bool) -> None:
        """Keep the node's own jobs, the cluster's, or both (a process's role: csms/roles.py)."""
        for job in self.table:
            if not (node if job.node else cluster):
                self._scheduler.remove_job(job.id)

    def _tracked(self, job: Job):
        async def run() -> None:
            if not job.node and self.gate is not None and not self.gate():
                return
            task = asyncio.current_task()
            self._running.add(task)
            try:
                await job.run()
            except Exception:
                log.exception("job %s failed", job.id)
                metrics.JOB_RUNS.labels(job.id, "error").inc()
            else:      # the alert "job not run" watches the last success time
                metrics.JOB_RUNS.labels(job.id, "success").inc()
                metrics.JOB_LAST_SUCCESS.labels(job.id).set(time.time())
            finally:
                self._running.discard(task)
        run.__name__ = job.id
        return run

    def start(self) -> None:
        self._scheduler.start()

    async def stop(self) -> None:
        """No new runs; a run in progress finishes within STOP_GRACE seconds or is cancelled. (The
        scheduler is paused first: APScheduler's own shutdown cancels the runs it started.)"""
        if self._scheduler.running:
            self._scheduler.pause()
        running = list(self._running)
        if running:
            _done, pending = await asyncio.wait(running, timeout=STOP_GRACE)
            for task in pending:
                task.cancel()
            if pending:
                log.warning("jobs still running after %.0f s were cancelled at shutdown", STOP_GRACE)
                await asyncio.gather(*pending, return_exceptions=True)
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
