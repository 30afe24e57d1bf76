"""Periodic jobs (APScheduler): presence, stale connections, message-log retention."""

from __future__ import annotations

import logging

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
        # a trigger is interval kwargs ({"seconds": 5}) or an APScheduler trigger spec
        # ("cron", {"hour": 10, "minute": 0, "timezone": "Asia/Shanghai"})
        kind, kwargs = trigger if isinstance(trigger, tuple) else ("interval", trigger)
        scheduler.add_job(fn, kind, id=job_id, **kwargs)
    return scheduler
