"""Exactly one scheduler runs the periodic jobs: two nodes contend for the Redis lock, one holds it,
and the other takes over once the holder stops renewing (killed) or hands it over (stopped)."""

from __future__ import annotations

import asyncio
import uuid

import redis.asyncio as aioredis

from csms.cluster.leader import LeaderLock
from csms.jobs.scheduler import Job, Scheduler


async def wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


async def test_one_holds_the_lock_and_the_other_takes_over_when_it_dies(redis_pair):
    a, b = redis_pair
    key = f"test-{uuid.uuid4().hex}:leader"
    first, second = LeaderLock(a, "node-a", key, ttl=1.0), LeaderLock(b, "node-b", key, ttl=1.0)
    first.start()
    await wait_for(first.is_leader)
    second.start()
    await asyncio.sleep(1.5)                        # several renewals: the first keeps it
    assert first.is_leader() and not second.is_leader()
    assert (await a.get(key)) == b"node-a"
    first._task.cancel()                            # killed: it stops renewing, never releases
    await wait_for(second.is_leader, timeout=3.0)   # within one TTL (1 s) plus a retry period
    assert (await b.get(key)) == b"node-b"
    await second.stop()                             # a clean stop hands over at once
    assert await b.get(key) is None
    first._task = None


async def test_a_lost_lock_is_noticed_and_only_the_leader_runs_cluster_jobs(redis_pair):
    a, b = redis_pair
    key = f"test-{uuid.uuid4().hex}:leader"
    lock = LeaderLock(a, "node-a", key, ttl=1.0)
    assert await lock.attempt() is True
    await b.set(key, "intruder")                    # e.g. the key expired while this node was paused
    assert await lock.attempt() is False and not lock.is_leader()
    runs = []

    async def cluster_job():
        runs.append("cluster")

    async def node_job():
        runs.append("node")

    scheduler = Scheduler([Job("c", "interval", {"seconds": 60}, cluster_job),
                           Job("n", "interval", {"seconds": 60}, node_job, node=True)], gate=lock.is_leader)
    for job in scheduler.table:
        await scheduler._scheduler.get_job(job.id).func()
    assert runs == ["node"]                         # not the leader: the cluster job does not run here
    await b.delete(key)
    assert await lock.attempt() is True
    await scheduler._scheduler.get_job("c").func()
    assert runs == ["node", "cluster"]
    await lock.stop()


async def test_redis_away_means_nobody_leads():
    lock = LeaderLock(aioredis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2), "n", "k", ttl=1.0)
    assert await lock.attempt() is False and not lock.is_leader()
    await lock.redis.aclose()
