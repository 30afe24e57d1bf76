"""The scheduler stops cleanly: no new runs, a run in progress finishes (or, past the grace, is
cancelled) before stop() returns, so what the container stops after it (the database) is still
there for the job. Every job of the table has a unique id and runs something."""

from __future__ import annotations

import asyncio

from csms.jobs import scheduler as sched
from csms.jobs.scheduler import Job, Scheduler


async def _running(started: asyncio.Event, timeout: float = 5.0) -> None:
    await asyncio.wait_for(started.wait(), timeout)


async def test_a_job_running_when_the_scheduler_stops_finishes_first():
    started, finished = asyncio.Event(), []

    async def slow() -> None:
        started.set()
        await asyncio.sleep(0.2)
        finished.append("done")

    s = Scheduler([Job("slow", "interval", {"seconds": 0.05}, slow)])
    s.start()
    await _running(started)

    await s.stop()

    assert finished == ["done"]          # stop() waited for the run in progress
    await asyncio.sleep(0.15)
    assert finished == ["done"]          # and nothing ran after it


async def test_a_job_that_outlives_the_grace_is_cancelled(monkeypatch):
    monkeypatch.setattr(sched, "STOP_GRACE", 0.05)
    started, outcome = asyncio.Event(), []

    async def stuck() -> None:
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            outcome.append("cancelled")
            raise

    s = Scheduler([Job("stuck", "interval", {"seconds": 0.05}, stuck)])
    s.start()
    await _running(started)

    await asyncio.wait_for(s.stop(), 2)

    assert outcome == ["cancelled"]


async def test_a_failing_job_is_logged_and_runs_again(caplog):
    runs = []

    async def flaky() -> None:
        runs.append(len(runs))
        raise RuntimeError("database went away")

    s = Scheduler([Job("flaky", "interval", {"seconds": 0.05}, flaky)])
    s.start()
    for _ in range(100):
        if len(runs) >= 2:
            break
        await asyncio.sleep(0.02)
    await s.stop()

    assert len(runs) >= 2
    assert "job flaky failed" in caplog.text
