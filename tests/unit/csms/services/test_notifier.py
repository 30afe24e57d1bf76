"""The notifier on fakes: routing by severity, station, kind and change, quiet hours, one message per
target, WeChat targets as bound operators, retries with backoff, and channels that fail or hang
never holding up the others (real asyncio, tiny delays)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from csms.domain.alarms import Alarm
from csms.domain.events import AlarmChanged
from csms.services.notifier import Notifier, NotifyConfig
from tests.fakes import EPOCH, FakeClock
from tests.fakes_alarms import (FakeChannelRepository, FakeDeliveryRepository, FakeOperatorContactRepository,
                                FakeRuleRepository)
from tests.e2e.helpers import eventually

ALARM = Alarm(1, "connector_fault", "major", "Raised", "connector_fault|CP1|1/1|", "CP1", 7, 1, 1, "", "GroundFailure",
              "CP1 #1 Faulted", 1, EPOCH, EPOCH)


class Recording:
    def __init__(self, fail: int = 0, hold: asyncio.Event | None = None):
        self.sent: list[tuple[str, str]] = []
        self.fail = fail
        self.hold = hold

    async def send(self, address, message) -> None:
        if self.hold is not None:
            await self.hold.wait()
        if self.fail:
            self.fail -= 1
            raise ConnectionError("provider down")
        self.sent.append((address, message.title))


@pytest.fixture
async def n():
    clock = FakeClock()
    senders = {"sms": Recording(), "webhook": Recording(), "email": Recording(), "wechat": Recording()}
    notifier = Notifier(FakeRuleRepository(clock), FakeChannelRepository(clock), FakeDeliveryRepository(),
                        FakeOperatorContactRepository(), senders, clock,
                        NotifyConfig(queue_size=10, workers=1, max_attempts=3, backoff=0.01, timeout=0.5,
                                     stop_grace=0.5))
    notifier.start()
    yield notifier
    await notifier.stop()


async def channel(n, name, type_, *targets, enabled=True):
    return await n.channels.create(name=name, type=type_, targets=tuple(targets), enabled=enabled)


async def rule(n, name, channels, **fields):
    return await n.rules.create(name=name, channel_ids=tuple(c.id for c in channels), **{
        "min_severity": "warning", "station_ids": (), "kinds": (), "events": ("raised",), "quiet_start": None,
        "quiet_end": None, "quiet_min_severity": "critical", "timezone": "Asia/Shanghai", "enabled": True, **fields})


async def settled(n, count: int) -> list[tuple]:
    async def done():
        rows = (await n.deliveries.list(limit=100)).items
        return rows if len(rows) >= count and n.queued() == 0 else None
    rows = await eventually(done, what=f"{count} delivery records")
    return sorted((d.channel_type, d.target, d.status, d.attempt) for d in rows)


async def test_rules_route_by_severity_station_kind_and_change(n):
    sms = await channel(n, "duty phones", "sms", "+8613800000001", "+8613800000002")
    hook = await channel(n, "ops hook", "webhook", "https://hooks.example.com/a")
    mail = await channel(n, "station 9 mail", "email", "s9@example.com")
    await rule(n, "major and up by SMS", [sms], min_severity="major")
    await rule(n, "everything to the hook", [hook], min_severity="info", events=("raised", "resolved"))
    await rule(n, "station 9 only", [mail], station_ids=(9,))
    await rule(n, "firmware only", [mail], kinds=("firmware_failure",))
    await n.on_alarm_changed(AlarmChanged(ALARM, "raised", EPOCH))
    await n.on_alarm_changed(AlarmChanged(replace(ALARM, severity="warning"), "repeated", EPOCH))   # no rule
    assert await settled(n, 3) == [("sms", "+8613800000001", "sent", 1), ("sms", "+8613800000002", "sent", 1),
                                   ("webhook", "https://hooks.example.com/a", "sent", 1)]
    assert n.senders["sms"].sent[0] == ("+8613800000001", "[major] 告警 connector_fault CP1#1")
    await n.on_alarm_changed(AlarmChanged(replace(ALARM, status="Resolved"), "resolved", EPOCH))
    assert len(await settled(n, 4)) == 4 and n.senders["email"].sent == []


async def test_one_message_per_target_whichever_rules_match_and_disabled_channels_stay_quiet(n):
    sms = await channel(n, "duty", "sms", "+8613800000001")
    off = await channel(n, "off", "sms", "+8613800000009", enabled=False)
    await rule(n, "a", [sms, off])
    await rule(n, "b", [sms], min_severity="info")
    await rule(n, "disabled", [off], enabled=False)
    await n.on_alarm_changed(AlarmChanged(ALARM, "raised", EPOCH))
    assert await settled(n, 1) == [("sms", "+8613800000001", "sent", 1)]
    await asyncio.sleep(0.05)
    assert len(n.senders["sms"].sent) == 1


async def test_wechat_goes_to_the_operators_who_bound_their_wechat(n):
    await n.contacts.bind(1, "alice", "o-alice", EPOCH)
    await n.contacts.bind(2, "bob", "o-bob", EPOCH)
    named = await channel(n, "alice only", "wechat", "alice", "carol")       # carol never bound hers
    everyone = await channel(n, "all bound", "wechat")
    await rule(n, "wechat", [named, everyone])
    await n.on_alarm_changed(AlarmChanged(ALARM, "raised", EPOCH))
    rows = await settled(n, 3)
    assert rows == [("wechat", "alice", "sent", 1), ("wechat", "alice", "sent", 1), ("wechat", "bob", "sent", 1)]
    assert sorted(a for a, _ in n.senders["wechat"].sent) == ["o-alice", "o-alice", "o-bob"]


async def test_quiet_hours_hold_back_all_but_critical(n):
    sms = await channel(n, "duty", "sms", "+8613800000001")
    await rule(n, "nights off", [sms], quiet_start="22:00", quiet_end="07:00")
    night = EPOCH.replace(hour=15)                        # 23:00 in Shanghai
    await n.on_alarm_changed(AlarmChanged(ALARM, "raised", night))
    await n.on_alarm_changed(AlarmChanged(replace(ALARM, id=2, severity="critical"), "raised", night))
    await n.on_alarm_changed(AlarmChanged(replace(ALARM, id=3), "raised", night + timedelta(hours=8)))   # 07:00
    await settled(n, 3)
    rows = sorted((d.alarm_id, d.status, d.error) for d in (await n.deliveries.list(limit=10)).items)
    assert rows == [(1, "suppressed", "quiet hours"), (2, "sent", None), (3, "sent", None)]


async def test_a_failed_attempt_is_retried_with_backoff_and_every_attempt_recorded(n):
    n.senders["webhook"].fail = 2
    hook = await channel(n, "hook", "webhook", "https://hooks.example.com/a")
    await rule(n, "all", [hook])
    await n.on_alarm_changed(AlarmChanged(ALARM, "raised", EPOCH))
    rows = await settled(n, 3)
    assert [(status, attempt) for _, _, status, attempt in rows] == [("failed", 1), ("failed", 2), ("sent", 3)]
    errors = [d.error for d in (await n.deliveries.list(status="failed")).items]
    assert errors == ["ConnectionError: provider down"] * 2


async def test_retries_stop_at_max_attempts(n):
    n.senders["webhook"].fail = 10
    hook = await channel(n, "hook", "webhook", "https://hooks.example.com/a")
    await rule(n, "all", [hook])
    await n.on_alarm_changed(AlarmChanged(ALARM, "raised", EPOCH))
    assert [r[2:] for r in await settled(n, 3)] == [("failed", 1), ("failed", 2), ("failed", 3)]
    await asyncio.sleep(0.1)
    assert (await n.deliveries.list()).total == 3


async def test_a_hanging_channel_holds_up_no_other_and_times_out(n):
    hold = asyncio.Event()
    n.senders["email"].hold = hold
    mail = await channel(n, "mail", "email", "ops@example.com")
    sms = await channel(n, "sms", "sms", "+8613800000001")
    await rule(n, "both", [mail, sms])
    await n.on_alarm_changed(AlarmChanged(ALARM, "raised", EPOCH))
    async def sms_sent():
        return (await n.deliveries.list(channel_id=sms.id)).items
    assert [d.status for d in await eventually(sms_sent, timeout=0.4)] == ["sent"]     # before the e-mail timed out
    async def mail_timed_out():
        return (await n.deliveries.list(channel_id=mail.id)).items
    first = (await eventually(mail_timed_out, timeout=2))[-1]
    assert (first.status, first.error, first.attempt) == ("failed", "TimeoutError", 1)
    hold.set()


async def test_a_full_queue_drops_and_says_so():
    clock = FakeClock()
    hold = asyncio.Event()
    n = Notifier(FakeRuleRepository(clock), FakeChannelRepository(clock), FakeDeliveryRepository(),
                 FakeOperatorContactRepository(), {"sms": Recording(hold=hold)}, clock,
                 NotifyConfig(queue_size=1, workers=1, max_attempts=1, timeout=5, stop_grace=0.2))
    n.start()
    sms = await channel(n, "sms", "sms", "+8613800000001", "+8613800000002", "+8613800000003")
    await rule(n, "all", [sms])
    await n.on_alarm_changed(AlarmChanged(ALARM, "raised", EPOCH))     # the first queued, the queue is full
    dropped = (await n.deliveries.list(status="dropped")).items
    assert sorted((d.target, d.error) for d in dropped) == [("+8613800000002", "the sms queue is full"),
                                                            ("+8613800000003", "the sms queue is full")]
    await n.stop()                                                    # the hung one is cancelled after the grace
    assert n.queued() == 0
    await n.on_alarm_changed(AlarmChanged(replace(ALARM, id=2), "raised", EPOCH))
    assert {d.error for d in (await n.deliveries.list(alarm_id=2)).items} == {"notifications are not running"}
