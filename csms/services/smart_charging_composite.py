"""The composite schedule of an EVSE, computed from the profiles the CSMS believes are installed
(OCPP 1.6 3.13.5 / 2.0.1 K08): a pure function of the profiles, the window and the transaction.

At every instant:
- per purpose, the profile with the highest stack level that is valid and whose schedule covers the
  instant wins (at equal stack level, the EVSE's own profile beats one on EVSE 0);
- the transaction limit is the TxProfile of the running transaction, else the TxDefaultProfile;
- the result is the lowest of the transaction limit, the ChargePointMaxProfile and the external
  constraints. An instant with no profile at all has no limit (``limit`` None).
Limits are converted between A and W at ``voltage`` per phase (3 phases unless a period says)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from csms.domain.smart_charging import (EXTERNAL, MAX_PROFILE, TX_DEFAULT, TX_PROFILE, ChargingProfile,
                                        InstalledProfile)

_RECUR = {"Daily": timedelta(days=1), "Weekly": timedelta(days=7)}
DEFAULT_PHASES = 3


@dataclass(frozen=True)
class CompositePeriod:
    start_period: int                 # seconds from the schedule start
    limit: float | None               # None: no profile limits this time
    number_phases: int | None = None


@dataclass(frozen=True)
class CompositeSchedule:
    evse_id: int
    schedule_start: datetime
    duration: int
    charging_rate_unit: str
    periods: tuple[CompositePeriod, ...]


@dataclass(frozen=True)
class ActiveTransaction:
    transaction_id: int
    started_at: datetime


def _starts(p: ChargingProfile, tx_start: datetime | None, lo: datetime, hi: datetime) -> list[datetime]:
    """The schedule's start times that matter for [lo, hi)."""
    s = p.schedule
    if p.kind == "Relative":
        return [tx_start] if tx_start is not None else []
    if p.kind == "Recurring" and p.recurrency_kind in _RECUR and s.start_schedule is not None:
        step = _RECUR[p.recurrency_kind]
        first = math.floor((lo - s.start_schedule) / step)
        last = math.floor((hi - s.start_schedule) / step)
        return [s.start_schedule + k * step for k in range(first, last + 1)]
    return [s.start_schedule] if s.start_schedule is not None else []


def limit_at(p: ChargingProfile, t: datetime, tx_start: datetime | None) -> tuple[float, int | None] | None:
    """(limit, phases) the profile sets at ``t`` in its own unit, or None when it says nothing."""
    if (p.valid_from and t < p.valid_from) or (p.valid_to and t >= p.valid_to):
        return None
    candidates = [s for s in _starts(p, tx_start, t, t) if s <= t]
    if not candidates:
        return None
    start = max(candidates)
    offset = (t - start).total_seconds()
    end = p.schedule.duration
    if p.kind == "Recurring" and p.recurrency_kind in _RECUR:
        cycle = _RECUR[p.recurrency_kind].total_seconds()
        end = min(end, cycle) if end is not None else cycle
    if end is not None and offset >= end:
        return None
    found = None
    for period in p.schedule.periods:
        if period.start_period <= offset:
            found = period
        else:
            break
    return (found.limit, found.number_phases) if found else None


def _breakpoints(p: ChargingProfile, tx_start: datetime | None, lo: datetime, hi: datetime) -> set[datetime]:
    points = {t for t in (p.valid_from, p.valid_to) if t is not None}
    for s in _starts(p, tx_start, lo, hi):
        points.update(s + timedelta(seconds=period.start_period) for period in p.schedule.periods)
        if p.schedule.duration is not None:
            points.add(s + timedelta(seconds=p.schedule.duration))
        if p.kind == "Recurring" and p.recurrency_kind in _RECUR:
            points.add(s + _RECUR[p.recurrency_kind])
    return {t for t in points if lo <= t < hi}


def convert(limit: float, source: str, target: str, phases: int | None, voltage: float) -> float:
    if source == target:
        return limit
    factor = voltage * (phases or DEFAULT_PHASES)
    return round(limit * factor, 1) if target == "W" else round(limit / factor, 1)


def _winner(candidates: list[InstalledProfile], evse_id: int, t: datetime, tx_start: datetime | None):
    best = None
    for ip in candidates:
        found = limit_at(ip.profile, t, tx_start)
        if found is None:
            continue
        key = (ip.profile.stack_level, ip.evse_id == evse_id)
        if best is None or key > best[0]:
            best = (key, ip, found)
    return best


def relevant(profiles: list[InstalledProfile], evse_id: int, tx: ActiveTransaction | None) -> list[InstalledProfile]:
    out = []
    for ip in profiles:
        purpose = ip.profile.purpose
        if purpose == TX_PROFILE:
            if tx is None or ip.evse_id != evse_id or ip.profile.transaction_id != tx.transaction_id:
                continue
        elif ip.evse_id not in (0, evse_id):
            continue
        out.append(ip)
    return out


def composite(profiles: list[InstalledProfile], evse_id: int, start: datetime, duration: int,
              charging_rate_unit: str | None = None, tx: ActiveTransaction | None = None,
              voltage: float = 230.0) -> CompositeSchedule:
    profiles = relevant(profiles, evse_id, tx)
    unit = charging_rate_unit or (profiles[0].profile.schedule.charging_rate_unit if profiles else "A")
    end = start + timedelta(seconds=duration)
    tx_start = tx.started_at if tx else None
    by_purpose = {purpose: [ip for ip in profiles if ip.profile.purpose == purpose]
                  for purpose in (MAX_PROFILE, EXTERNAL, TX_PROFILE, TX_DEFAULT)}
    points = {start}
    for ip in profiles:
        points |= _breakpoints(ip.profile, tx_start, start, end)
    periods: list[CompositePeriod] = []
    for t in sorted(points):
        limits = []
        tx_limit = _winner(by_purpose[TX_PROFILE], evse_id, t, tx_start) or _winner(
            by_purpose[TX_DEFAULT], evse_id, t, tx_start)
        for chosen in (tx_limit, _winner(by_purpose[MAX_PROFILE], evse_id, t, tx_start),
                       _winner(by_purpose[EXTERNAL], evse_id, t, tx_start)):
            if chosen is not None:
                _, ip, (limit, phases) = chosen
                limits.append((convert(limit, ip.profile.schedule.charging_rate_unit, unit, phases, voltage), phases))
        limit, phases = min(limits, key=lambda lp: lp[0]) if limits else (None, None)
        offset = int((t - start).total_seconds())
        if periods and (periods[-1].limit, periods[-1].number_phases) == (limit, phases):
            continue
        periods.append(CompositePeriod(offset, limit, phases))
    return CompositeSchedule(evse_id, start, duration, unit, tuple(periods))
