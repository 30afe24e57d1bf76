"""Paced full garbage collections (csms/heap.py)."""

from __future__ import annotations

import gc

import pytest

from csms import heap
from csms.heap import MAX_INTERVAL_S, MIN_INTERVAL_S, NEVER, PacedCollections


class Process:
    def __init__(self):
        self.now, self.blocks = 1000.0, 100_000


@pytest.fixture
def process():
    return Process()


@pytest.fixture
def paced(process):
    return PacedCollections(clock=lambda: process.now, blocks=lambda: process.blocks)


def test_not_within_a_minute_even_when_memory_grew(paced, process):
    process.blocks *= 3
    process.now += MIN_INTERVAL_S - 1
    assert not paced.due()
    process.now += 1
    assert paced.due()


def test_after_a_quarter_more_blocks_or_ten_minutes_whichever_first(paced, process):
    process.now += MIN_INTERVAL_S
    process.blocks = 124_999
    assert not paced.due()
    process.blocks = 125_000
    assert paced.due()
    process.blocks = 100_000
    process.now += MAX_INTERVAL_S - MIN_INTERVAL_S
    assert paced.due()


def test_a_collection_frees_cycles_and_starts_the_count_again(paced, process):
    class Node:
        pass
    gc.collect()                               # a clean start
    a, b = Node(), Node()
    a.other, b.other = b, a
    del a, b
    process.now += MAX_INTERVAL_S
    assert paced.due()
    observed = heap.metrics.GC_FULL_SECONDS.collect()[0].samples
    count_before = next(s.value for s in observed if s.name.endswith("_count"))
    assert paced.collect() >= 0
    assert not paced.due()                     # measured from this collection
    assert not any(type(o).__name__ == "Node" and o.__class__.__module__ == __name__ for o in gc.get_objects())
    samples = heap.metrics.GC_FULL_SECONDS.collect()[0].samples
    assert next(s.value for s in samples if s.name.endswith("_count")) == count_before + 1


def test_settle_freezes_what_start_up_built_and_hands_full_collections_to_the_timer(paced):
    thresholds, was_enabled = gc.get_threshold(), gc.isenabled()
    gc.disable()
    try:
        paced.settle()
        assert gc.isenabled()
        assert gc.get_threshold()[2] == NEVER and gc.get_threshold()[:2] == thresholds[:2]
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
        (gc.enable if was_enabled else gc.disable)()
