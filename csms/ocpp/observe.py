"""What the OCPP layer tells the outside about frames: the frame observer (the message log) and the
message counters and handler latencies in metrics."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from csms import metrics

# (cp_id, direction "in"|"out", message type, unique id, action, raw text, at)
FrameObserver = Callable[[str, str, int, str | None, str | None, str, datetime], None]

_counters: dict[tuple, object] = {}
_histograms: dict[str, object] = {}


def count(action: str | None, direction: str, kind: str, version: str, error_code: str | None = None) -> None:
    key = (action, direction, kind, version)
    child = _counters.get(key)
    if child is None:    # .labels() hashes and locks on every call: keep the children
        child = _counters[key] = metrics.OCPP_MESSAGES.labels(action or "?", direction, kind, version)
    child.inc()
    if error_code is not None:
        metrics.OCPP_CALL_ERRORS.labels(error_code, direction).inc()


def latency(action: str, seconds: float) -> None:
    child = _histograms.get(action)
    if child is None:
        child = _histograms[action] = metrics.OCPP_HANDLER_SECONDS.labels(action)
    child.observe(seconds)
