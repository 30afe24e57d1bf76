"""Periodic jobs (APScheduler): presence, stale connections, message-log retention."""

from __future__ import annotations

import logging
import time

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from csms import metrics

log = logging.getLogger(__name__)


def build_scheduler(container) -> AsyncIOScheduler:
    c = container
    scheduler = AsyncIOScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1,
                                                               "misfire_grace_time": 30})

    async def presence():
        c.chargers.record_presence()
        metrics.BATCH_PENDING.set(c.batch.pending())

    async def stale():
        await c.chargers.close_stale()

    async def retention():
        n = await c.message_log.purge()
        if n:
            log.info("message log: purged %d frames older than %d days", n, c.message_log.retention_days)

    scheduler.add_job(presence, "interval", seconds=5, id="presence")
    scheduler.add_job(stale, "interval", seconds=30, id="stale-connections")
    scheduler.add_job(retention, "interval", hours=1, id="message-log-retention")
    for job_id, trigger, fn in c.jobs:      # jobs of feature modules
        scheduler.add_job(fn, "interval", id=job_id, **trigger)
    scheduler.add_listener(record_run, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    return scheduler


def record_run(event) -> None:
    """Metrics of every job run: the alert "job not run" watches the last success time."""
    if event.exception is None:
        metrics.JOB_RUNS.labels(event.job_id, "success").inc()
        metrics.JOB_LAST_SUCCESS.labels(event.job_id).set(time.time())
    else:
        metrics.JOB_RUNS.labels(event.job_id, "error").inc()
