"""The numbers the CSMS gives what it asks of charge points, which they echo back: remoteStartId
(correlates a transaction with the remote start that asked for it) and requestId (reports, logs,
monitoring, charging profiles, display messages). One allocator each, for the whole process.

Both must fit a signed 32-bit integer (stations keep them in an int32) and should not repeat among
those in flight, across restarts too: each sequence starts from the clock (1,000 numbers a second of
uptime before the start would catch up with the next restart's seed) and wraps below 2^31."""

from __future__ import annotations

import itertools
import time

_LIMIT = 2**31 - 1


class IdAllocator:
    def __init__(self, seed: int | None = None):
        start = seed if seed is not None else int(time.time()) % 1_000_000 * 1000
        self._numbers = itertools.count(start)

    def next(self) -> int:
        return next(self._numbers) % _LIMIT or 1


REMOTE_START_IDS = IdAllocator()
REQUEST_IDS = IdAllocator()


def next_remote_start_id() -> int:
    return REMOTE_START_IDS.next()


def next_request_id() -> int:
    return REQUEST_IDS.next()
