"""Full garbage collections, paced for a process that holds thousands of connections.

CPython starts a full collection whenever the objects promoted to its oldest generation since the last one
reach a quarter of those it holds. A CSMS's oldest generation holds every connection (the websockets, asyncio
and own objects of each charger), and every call leaves a few objects that live long enough to be promoted:
with 10,000 chargers at one call every 20 s, a full collection (1.0-1.4 s with the event loop stopped) ran every
5-15 s, most of the process's CPU and all of its p99 latency (docs/performance.md, session 6).

Here the young generations are still collected as CPython does (most cycles die young there); the full
collection runs from a timer instead: when the process's allocated memory blocks grew by a quarter since the
last one, at most once a minute, and at least every ten minutes (so cycles that outlived the young
generations, e.g. a closed connection's, are freed within that time)."""

from __future__ import annotations

import asyncio
import gc
import sys
import time
from collections.abc import Callable

from csms import metrics

GROWTH = 0.25
MIN_INTERVAL_S = 60.0
MAX_INTERVAL_S = 600.0
CHECK_EVERY_S = 10.0
NEVER = 1 << 30       # the oldest generation's threshold: CPython never starts its collection itself


class PacedCollections:
    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 blocks: Callable[[], int] = sys.getallocatedblocks):
        self.clock, self.blocks = clock, blocks
        self._at = clock()
        self._blocks = blocks()

    def settle(self) -> None:
        """Once started: one full collection, what survives frozen (start-up builds ~185,000 objects that live
        as long as the process: later collections skip them), and from now on full collections from here."""
        gc.collect()
        gc.freeze()
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, NEVER)
        gc.enable()
        self._mark()

    def due(self) -> bool:
        since = self.clock() - self._at
        if since < MIN_INTERVAL_S:
            return False
        return since >= MAX_INTERVAL_S or self.blocks() >= self._blocks * (1 + GROWTH)

    def collect(self) -> float:
        started = time.perf_counter()
        gc.collect()
        took = time.perf_counter() - started
        metrics.GC_FULL_SECONDS.observe(took)
        self._mark()
        return took

    async def run(self) -> None:
        while True:
            await asyncio.sleep(CHECK_EVERY_S)
            if self.due():
                self.collect()

    def _mark(self) -> None:
        self._at, self._blocks = self.clock(), self.blocks()
