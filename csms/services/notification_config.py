"""What admins edit of the notifications: channels and routing rules (checked before they are
stored), and operators binding their WeChat to receive subscribe messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from csms.domain.alarms import KINDS, SEVERITIES
from csms.domain.notifications import CHANNEL_TYPES, RULE_EVENTS, Channel, Rule, is_clock, target_problem
from csms.domain.repositories import Conflict
from csms.domain.repositories_alarms import ChannelRepository, OperatorContactRepository, RuleRepository
from csms.services.clock import Clock


class InvalidSetting(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class NotFound(Exception):
    pass


class NotificationConfig:
    def __init__(self, channels: ChannelRepository, rules: RuleRepository):
        self.channels = channels
        self.rules = rules

    # -- channels ------------------------------------------------------------------------------------
    async def channel(self, channel_id: int) -> Channel:
        channel = await self.channels.get(channel_id)
        if channel is None:
            raise NotFound(f"channel {channel_id} not found")
        return channel

    async def create_channel(self, *, name: str, type: str, targets: list[str], enabled: bool = True) -> Channel:
        _check_targets(type, targets)
        return await self.channels.create(name=name, type=type, targets=tuple(targets), enabled=enabled)

    async def update_channel(self, channel_id: int, **fields: Any) -> Channel:
        channel = await self.channel(channel_id)
        if "targets" in fields:
            _check_targets(channel.type, fields["targets"])
            fields["targets"] = tuple(fields["targets"])
        return await self.channels.update(channel_id, **fields)

    async def delete_channel(self, channel_id: int) -> None:
        await self.channel(channel_id)
        users = [r.name for r in await self.rules.list() if channel_id in r.channel_ids]
        if users:
            raise Conflict(f"channel {channel_id} is used by the rules {', '.join(users)}")
        await self.channels.delete(channel_id)

    # -- rules ---------------------------------------------------------------------------------------
    async def rule(self, rule_id: int) -> Rule:
        rule = await self.rules.get(rule_id)
        if rule is None:
            raise NotFound(f"rule {rule_id} not found")
        return rule

    async def create_rule(self, **fields: Any) -> Rule:
        fields = {"min_severity": "warning", "station_ids": (), "kinds": (), "events": ("raised",),
                  "quiet_start": None, "quiet_end": None, "quiet_min_severity": "critical",
                  "timezone": "Asia/Shanghai", "enabled": True, **fields}
        await self._check_rule(fields)
        return await self.rules.create(**_tuples(fields))

    async def update_rule(self, rule_id: int, **fields: Any) -> Rule:
        current = await self.rule(rule_id)
        await self._check_rule({**current.__dict__, **fields})
        return await self.rules.update(rule_id, **_tuples(fields))

    async def delete_rule(self, rule_id: int) -> None:
        await self.rule(rule_id)
        await self.rules.delete(rule_id)

    async def _check_rule(self, f: dict) -> None:
        known = {c.id for c in await self.channels.list()}
        missing = [i for i in f["channel_ids"] if i not in known]
        if not f["channel_ids"] or missing:
            raise InvalidSetting("channel_ids", f"unknown channels {missing}" if missing else "name a channel")
        for key in ("min_severity", "quiet_min_severity"):
            if f[key] not in SEVERITIES:
                raise InvalidSetting(key, f"expected one of {', '.join(SEVERITIES)}")
        unknown = [k for k in f["kinds"] if k not in KINDS] + [e for e in f["events"] if e not in RULE_EVENTS]
        if unknown:
            raise InvalidSetting("kinds" if unknown[0] not in RULE_EVENTS else "events", f"unknown {unknown}")
        if bool(f["quiet_start"]) != bool(f["quiet_end"]):
            raise InvalidSetting("quiet_end", "quiet hours need a start and an end")
        for key in ("quiet_start", "quiet_end"):
            if f[key] and not is_clock(f[key]):
                raise InvalidSetting(key, "expected HH:MM (24 hours)")
        try:
            ZoneInfo(f["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidSetting("timezone", f"unknown time zone {f['timezone']!r}") from None


def _check_targets(channel_type: str, targets: list[str]) -> None:
    if channel_type not in CHANNEL_TYPES:
        raise InvalidSetting("type", f"expected one of {', '.join(CHANNEL_TYPES)}")
    if not targets and channel_type != "wechat":
        raise InvalidSetting("targets", "name at least one target")
    for target in targets:
        problem = target_problem(channel_type, target)
        if problem:
            raise InvalidSetting("targets", problem)


def _tuples(fields: dict) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()}


class CodeExchange(Protocol):
    """The mini-program login (csms.wechat.miniprogram.MiniProgramClient.code2session)."""
    async def code2session(self, code: str) -> Any: ...


class OperatorWechat:
    """An operator binds their WeChat once, by a wx.login code from the mini-program (the openid it
    stands for receives the alarm subscribe messages of the rules' WeChat channels)."""

    def __init__(self, contacts: OperatorContactRepository, mini: CodeExchange, clock: Clock):
        self.contacts = contacts
        self.mini = mini
        self.clock = clock

    async def bind(self, operator_id: int, username: str, code: str) -> tuple[str, datetime]:
        session = await self.mini.code2session(code)
        at = self.clock.now()
        await self.contacts.bind(operator_id, username, session.openid, at)
        return session.openid, at

    async def unbind(self, operator_id: int) -> bool:
        return await self.contacts.unbind(operator_id)

    async def binding(self, operator_id: int) -> tuple[str, datetime] | None:
        return await self.contacts.get(operator_id)
