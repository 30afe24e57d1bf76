"""Gauges read when /metrics is scraped: database pool, batch writer, Redis, certificates, and the
business figures counted in the database (at most every ``BUSINESS_EVERY`` seconds per process, so a
tight scrape interval does not load the database)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from csms import metrics
from csms.db.stats import business_stats

log = logging.getLogger(__name__)
BUSINESS_EVERY = 10.0
_state: dict[int, float] = {}                     # id(sources) -> monotonic time of the last business refresh
_cert_cache: dict[tuple[str, float], float] = {}  # (path, mtime) -> notAfter (Unix time)


@dataclass(frozen=True)
class MetricSources:
    """What the scrape reads (built by the container)."""
    settings: Any
    batch: Any
    engine: Any
    db_sessions: Any
    redis: Any = None


async def refresh(sources: MetricSources) -> None:
    started = time.perf_counter()
    _batch(sources.batch)
    _pool(sources.engine)
    await _redis(sources.redis)
    _certificates(sources.settings)
    last = _state.get(id(sources), 0.0)
    if time.monotonic() - last >= BUSINESS_EVERY:
        _state[id(sources)] = time.monotonic()
        try:
            _business(await business_stats(sources.db_sessions))
        except Exception as exc:        # a scrape must answer even when the database does not
            log.warning("business metrics not refreshed: %s", exc)
    metrics.REFRESH_SECONDS.set(time.perf_counter() - started)


def _batch(batch) -> None:
    metrics.BATCH_PENDING.set(batch.pending())
    metrics.QUEUE_LAG.labels("batch").set(batch.lag())
    for outcome, value in (("written", batch.rows_written), ("dropped", batch.rows_dropped),
                           ("failed_writes", batch.failures)):
        metrics.BATCH_ROWS.labels(outcome).set(value)


def _pool(engine) -> None:
    pool = engine.sync_engine.pool
    for state, name in (("size", "size"), ("checked_out", "checkedout"), ("overflow", "overflow"),
                        ("idle", "checkedin")):
        fn = getattr(pool, name, None)
        if fn is not None:
            metrics.DB_POOL.labels(state).set(fn())


async def _redis(redis) -> None:
    if redis is None:
        return
    started = time.perf_counter()
    try:
        await redis.ping()
    except Exception:
        metrics.REDIS_UP.set(0)
        return
    metrics.REDIS_UP.set(1)
    metrics.REDIS_PING_SECONDS.set(time.perf_counter() - started)


def _certificates(s) -> None:
    files = {"ocpp_tls": s.ocpp.tls_cert, "ca": s.ca.cert or str(s.data_dir / "ca" / "ca.pem")}
    for name, path in files.items():
        expiry = _not_after(path) if path else None
        if expiry is not None:
            metrics.CERT_EXPIRY.labels(name).set(expiry)


def _not_after(path: str) -> float | None:
    try:
        mtime = Path(path).stat().st_mtime
    except OSError:
        return None
    key = (path, mtime)
    if key not in _cert_cache:
        from cryptography import x509
        try:
            cert = x509.load_pem_x509_certificate(Path(path).read_bytes())
        except (OSError, ValueError):
            return None
        _cert_cache[key] = cert.not_valid_after_utc.timestamp()
    return _cert_cache[key]


_seen: dict[int, set] = {}


def _set_all(gauge, values: dict, known: tuple = ()) -> None:
    """Set each label's value, and 0 for labels seen before but absent now (a state that emptied)."""
    seen = _seen.setdefault(id(gauge), set())
    seen.update(known, (str(v) for v in values))
    for label in seen:
        gauge.labels(label).set(values.get(label, 0))


def _business(stats) -> None:
    _set_all(metrics.CHARGE_POINTS, stats.charge_points, ("online", "offline"))
    _set_all(metrics.CONNECTORS, stats.connectors, ("Available", "Faulted", "Unavailable"))
    _set_all(metrics.ORDERS, stats.orders)
    _set_all(metrics.PAYMENTS, stats.payments, ("pending", "paid", "closed"))
    _set_all(metrics.ALARMS_OPEN, stats.alarms_open, ("Raised", "Acknowledged"))
    metrics.SESSIONS_ACTIVE.set(stats.sessions_active)
    metrics.ENERGY_WH.set(stats.energy_wh)
    metrics.REVENUE_FEN.set(stats.revenue_fen)
    expiry: datetime | None = stats.earliest_issued_certificate_expiry
    if expiry is not None:
        metrics.CERT_EXPIRY.labels("charge_point_earliest").set(expiry.timestamp())
