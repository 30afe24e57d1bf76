"""A connection's frame rate (csms/transport/limits.py): bursts up to the count, then one frame per
1/rate seconds; idle time refills the bucket, never past the count."""

from __future__ import annotations

from csms.transport.limits import FrameRate


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_passes_then_frames_wait_their_turn():
    clock = Clock()
    rate = FrameRate(10, 1.0, clock)
    assert [rate.take() for _ in range(10)] == [0.0] * 10
    assert rate.take() == 0.1 and round(rate.take(), 6) == 0.2      # the 11th and 12th frames wait


def test_idle_time_refills_up_to_the_count():
    clock = Clock()
    rate = FrameRate(5, 10.0, clock)            # one frame per 2 s on average
    for _ in range(5):
        rate.take()
    clock.now = 4.0                             # two frames' worth
    assert rate.take() == 0.0 and rate.take() == 0.0 and rate.take() > 0
    clock.now = 1000.0
    assert [rate.take() for _ in range(5)] == [0.0] * 5 and rate.take() > 0
