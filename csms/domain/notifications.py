"""Who hears of an alarm, and how: channels (SMS, WeChat subscribe messages, webhooks, e-mail),
routing rules (minimum severity, stations, kinds, which changes) with quiet hours, and the record of
every delivery attempt. No I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from csms.domain.alarms import Alarm, severity_rank

CHANNEL_TYPES = ("sms", "wechat", "webhook", "email")
RULE_EVENTS = ("raised", "repeated", "acknowledged", "resolved")

# delivery statuses: sent; failed (this attempt; a later one may follow); suppressed (quiet hours);
# dropped (the channel's queue was full)
SENT, FAILED, SUPPRESSED, DROPPED = "sent", "failed", "suppressed", "dropped"

_PHONE = re.compile(r"^\+?[0-9]{6,20}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


@dataclass(frozen=True)
class Channel:
    """A way out, with its targets: phone numbers (sms), operator usernames who bound their WeChat
    (wechat; none listed: every bound operator), URLs (webhook), e-mail addresses (email)."""
    id: int
    name: str
    type: str
    targets: tuple[str, ...]
    enabled: bool = True
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Rule:
    """Alarms at or above ``min_severity``, of these stations and kinds (empty: any), on these
    changes, go to these channels, except in the quiet hours (local ``quiet_start``-``quiet_end`` in
    ``timezone``; a window may span midnight), when only ``quiet_min_severity`` and above go out."""
    id: int
    name: str
    channel_ids: tuple[int, ...]
    min_severity: str = "warning"
    station_ids: tuple[int, ...] = ()
    kinds: tuple[str, ...] = ()
    events: tuple[str, ...] = ("raised",)
    quiet_start: str | None = None          # "HH:MM"
    quiet_end: str | None = None
    quiet_min_severity: str = "critical"
    timezone: str = "Asia/Shanghai"
    enabled: bool = True
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Delivery:
    """One attempt to tell one target of one alarm change."""
    alarm_id: int
    channel_id: int
    channel_type: str
    target: str
    event: str
    status: str
    attempt: int
    at: datetime
    rule_id: int | None = None
    error: str | None = None
    duration_ms: int | None = None
    id: int | None = None


def matches(rule: Rule, alarm: Alarm, event: str) -> bool:
    """Does ``rule`` route this change of ``alarm`` (quiet hours aside)?"""
    return (rule.enabled and event in rule.events
            and severity_rank(alarm.severity) >= severity_rank(rule.min_severity)
            and (not rule.station_ids or alarm.station_id in rule.station_ids)
            and (not rule.kinds or alarm.kind in rule.kinds))


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def quiet(rule: Rule, alarm: Alarm, at: datetime) -> bool:
    """True when ``at`` falls in the rule's quiet hours and the alarm is below their severity."""
    if not (rule.quiet_start and rule.quiet_end) or rule.quiet_start == rule.quiet_end:
        return False
    if severity_rank(alarm.severity) >= severity_rank(rule.quiet_min_severity):
        return False
    local = at.astimezone(ZoneInfo(rule.timezone)).time()
    start, end = _clock(rule.quiet_start), _clock(rule.quiet_end)
    if start < end:
        return start <= local < end
    return local >= start or local < end           # across midnight, e.g. 22:00-07:00


def target_problem(channel_type: str, target: str) -> str | None:
    """Why ``target`` cannot be a target of a channel of this type, or None."""
    if channel_type == "sms" and not _PHONE.match(target):
        return f"{target!r} is not a phone number"
    if channel_type == "email" and not _EMAIL.match(target):
        return f"{target!r} is not an e-mail address"
    if channel_type == "webhook" and not target.startswith(("http://", "https://")):
        return f"{target!r} is not an http(s) URL"
    if channel_type == "wechat" and not 0 < len(target) <= 64:
        return f"{target!r} is not an operator username"
    return None


def is_clock(text: str) -> bool:
    return bool(_HHMM.match(text))
