"""The job table of the real container: interval jobs stay intervals, and the daily reconciliation
is a cron job after WeChat's trade bill is ready, in Beijing time."""

from __future__ import annotations

from datetime import UTC, datetime

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from csms.container import Container
from csms.jobs.scheduler import Scheduler, jobs
from tests.support.server import make_settings


def triggers(container: Container) -> dict:
    return {job.id: job.trigger for job in Scheduler(jobs(container))._scheduler.get_jobs()}


async def test_reconciliation_runs_at_ten_beijing_time_and_the_rest_on_intervals(tmp_path):
    container = await Container.create(make_settings(tmp_path))
    try:
        found = triggers(container)
        reconcile = found["payment-reconciliation"]
        assert isinstance(reconcile, CronTrigger) and str(reconcile.timezone) == "Asia/Shanghai"
        # 2024-05-01 03:00 UTC is 11:00 in Beijing: the next run is the next day at 10:00 Beijing
        assert reconcile.get_next_fire_time(None, datetime(2024, 5, 1, 3, 0, tzinfo=UTC)) == \
            datetime(2024, 5, 2, 2, 0, tzinfo=UTC)
        assert reconcile.get_next_fire_time(None, datetime(2024, 5, 1, 1, 0, tzinfo=UTC)) == \
            datetime(2024, 5, 1, 2, 0, tzinfo=UTC)
        assert isinstance(found["payment-query"], IntervalTrigger)
        assert found["payment-query"].interval.total_seconds() == 30
        assert found["content-check-resubmit"].interval.total_seconds() == 300
    finally:
        await container.stop()


async def test_the_reconciliation_time_is_a_setting(tmp_path):
    container = await Container.create(make_settings(tmp_path, **{"wechat.reconcile_at": "11:30"}))
    try:
        reconcile = triggers(container)["payment-reconciliation"]
        assert reconcile.get_next_fire_time(None, datetime(2024, 5, 1, 3, 0, tzinfo=UTC)) == \
            datetime(2024, 5, 1, 3, 30, tzinfo=UTC)
    finally:
        await container.stop()
