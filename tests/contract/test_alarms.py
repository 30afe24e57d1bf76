"""The operations side's stores (csms.domain.repositories_alarms) on the fakes, SQLite and MariaDB:
one open alarm per dedup key, counted repeats, compare-and-set transitions, filters and timings; one
work order per alarm with its notes; channels and rules with unique names and list fields; delivery
attempts; operators' WeChat bindings."""

from __future__ import annotations

from datetime import timedelta

import pytest

from csms.domain.alarms import AlarmQuery, WorkNote
from csms.domain.notifications import Delivery
from csms.domain.repositories import Conflict
from tests.fakes import EPOCH


async def an_alarm(repos, key: str = "connector_fault|CP1|1/1|", *, kind: str = "connector_fault",
                   cp: str | None = "CP1", station: int | None = 7, at=EPOCH, severity: str = "major"):
    return await repos.alarms.raise_(kind=kind, severity=severity, dedup_key=key, charge_point_id=cp,
                                     station_id=station, evse_id=1, connector_id=1, subject="", type="GroundFailure",
                                     message="CP1 #1 Faulted", at=at)


async def test_one_open_alarm_per_key_and_a_new_one_once_resolved(repos):
    first, created = await an_alarm(repos)
    assert created and (first.status, first.count, first.raised_at, first.last_seen_at) == ("Raised", 1, EPOCH, EPOCH)
    again, created = await an_alarm(repos, at=EPOCH + timedelta(seconds=5))
    assert not created and again.id == first.id
    assert (await repos.alarms.open_for(first.dedup_key)).id == first.id
    assert await repos.alarms.transition(first.id, "Acknowledged", status="Resolved") is None     # not Acknowledged
    done = await repos.alarms.transition(first.id, "Raised", status="Resolved", resolved_at=EPOCH, resolved_by="auto")
    assert (done.status, done.resolved_by) == ("Resolved", "auto")
    assert await repos.alarms.open_for(first.dedup_key) is None
    second, created = await an_alarm(repos)
    assert created and second.id != first.id
    assert (await repos.alarms.latest_for(first.dedup_key)).id == second.id
    assert (await repos.alarms.latest_for("nothing")) is None
    marked = await repos.alarms.transition(first.id, "Resolved", cleared_at=EPOCH)      # a resolved one, noted
    assert (marked.status, marked.cleared_at) == ("Resolved", EPOCH)
    assert (await repos.alarms.open_for(first.dedup_key)).id == second.id


async def test_keys_not_quiet_are_those_with_an_open_alarm_or_one_resolved_while_its_cause_lasts(repos):
    open_, _ = await an_alarm(repos, "open")
    await repos.alarms.transition(open_.id, "Raised", status="Acknowledged", acknowledged_at=EPOCH, acknowledged_by="a")
    by_hand, _ = await an_alarm(repos, "by-hand")
    await repos.alarms.transition(by_hand.id, "Raised", status="Resolved", resolved_at=EPOCH, resolved_by="alice")
    cleared, _ = await an_alarm(repos, "cleared")
    await repos.alarms.transition(cleared.id, "Raised", status="Resolved", resolved_at=EPOCH, resolved_by="alice",
                                  cleared_at=EPOCH)
    auto, _ = await an_alarm(repos, "auto")
    await repos.alarms.transition(auto.id, "Raised", status="Resolved", resolved_at=EPOCH, resolved_by="auto")

    assert await repos.alarms.keys_not_quiet() == {"open", "by-hand"}


async def test_repeats_count_only_while_open(repos):
    alarm, _ = await an_alarm(repos)
    later = EPOCH + timedelta(minutes=3)
    counted = await repos.alarms.repeat(alarm.id, type="OverCurrentFailure", message="again", at=later)
    assert (counted.count, counted.type, counted.message, counted.last_seen_at) == (2, "OverCurrentFailure", "again",
                                                                                   later)
    await repos.alarms.transition(alarm.id, "Raised", status="Acknowledged", acknowledged_at=later,
                                  acknowledged_by="alice")
    assert (await repos.alarms.repeat(alarm.id, type="x", message="y", at=later)).count == 3
    await repos.alarms.transition(alarm.id, "Acknowledged", status="Resolved", resolved_at=later)
    assert await repos.alarms.repeat(alarm.id, type="x", message="y", at=later) is None
    assert (await repos.alarms.get(alarm.id)).count == 3


async def test_the_list_filters_and_the_timings(repos):
    a, _ = await an_alarm(repos, "k1")
    b, _ = await an_alarm(repos, "k2", kind="payment_failure", cp=None, station=None, at=EPOCH + timedelta(hours=1),
                          severity="critical")
    c, _ = await an_alarm(repos, "k3", cp="CP2", station=8, at=EPOCH + timedelta(hours=2))
    await repos.alarms.transition(c.id, "Raised", status="Acknowledged", acknowledged_at=EPOCH + timedelta(hours=2,
                                                                                                           seconds=40))

    async def ids(**query):
        page = await repos.alarms.list(AlarmQuery(**query), limit=2)
        return [x.id for x in page.items], page.total
    assert await ids() == ([c.id, b.id], 3)
    assert await ids(status="Raised") == ([b.id, a.id], 2)
    assert await ids(severity="critical") == ([b.id], 1)
    assert await ids(kind="connector_fault", station_id=8) == ([c.id], 1)
    assert await ids(charge_point_id="CP1") == ([a.id], 1)
    assert await ids(since=EPOCH + timedelta(minutes=30), until=EPOCH + timedelta(hours=2)) == ([b.id], 1)
    assert [x.id for x in await repos.alarms.open_of_kind("connector_fault")] == [a.id, c.id]
    timings = await repos.alarms.timings(since=EPOCH, until=EPOCH + timedelta(days=1))
    assert [(t.station_id, t.acknowledged_at) for t in timings] == [
        (7, None), (None, None), (8, EPOCH + timedelta(hours=2, seconds=40))]
    assert len(await repos.alarms.timings(since=EPOCH, until=EPOCH + timedelta(days=1), station_id=8)) == 1


async def test_one_work_order_per_alarm_with_its_notes(repos):
    alarm, _ = await an_alarm(repos)
    order, created = await repos.work_orders.create(alarm_id=alarm.id, station_id=7, charge_point_id="CP1",
                                                    created_by="alice", assignee="bob", at=EPOCH)
    assert created and (order.status, order.assignee, order.notes, order.created_at) == ("open", "bob", (), EPOCH)
    again, created = await repos.work_orders.create(alarm_id=alarm.id, station_id=7, charge_point_id="CP1",
                                                    created_by="carol", assignee=None, at=EPOCH)
    assert not created and again.id == order.id and again.created_by == "alice"
    await repos.work_orders.add_note(order.id, WorkNote("bob", "on site", EPOCH + timedelta(minutes=1)))
    await repos.work_orders.add_note(order.id, WorkNote("bob", "fixed", EPOCH + timedelta(minutes=2)))
    assert await repos.work_orders.transition(order.id, "in_progress", status="resolved") is None
    moved = await repos.work_orders.transition(order.id, "open", status="in_progress", started_at=EPOCH)
    assert (moved.status, moved.started_at) == ("in_progress", EPOCH)
    assert [(n.author, n.text) for n in moved.notes] == [("bob", "on site"), ("bob", "fixed")]
    assert (await repos.work_orders.for_alarm(alarm.id)).id == order.id
    other, _ = await an_alarm(repos, "k2", cp="CP2", station=8)
    await repos.work_orders.create(alarm_id=other.id, station_id=8, charge_point_id="CP2", created_by="alice",
                                   assignee="alice", at=EPOCH)
    page = await repos.work_orders.list(assignee="bob")
    assert [w.id for w in page.items] == [order.id] and len(page.items[0].notes) == 2
    assert (await repos.work_orders.list(station_id=8)).total == 1
    assert (await repos.work_orders.list(status="in_progress", charge_point_id="CP1")).total == 1
    assert sorted(w.alarm_id for w in await repos.work_orders.for_alarms([alarm.id, other.id])) == sorted(
        [alarm.id, other.id])
    assert await repos.work_orders.for_alarms([]) == []


async def test_channels_and_rules_keep_their_lists_and_unique_names(repos):
    sms = await repos.channels.create(name="duty", type="sms", targets=("+8613800000001",), enabled=True)
    assert (sms.type, sms.targets, sms.enabled, sms.created_at) == ("sms", ("+8613800000001",), True, EPOCH)
    with pytest.raises(Conflict):
        await repos.channels.create(name="duty", type="email", targets=("a@b.cn",), enabled=True)
    repos.clock.advance(60)
    changed = await repos.channels.update(sms.id, targets=("+8613800000001", "+8613800000002"), enabled=False)
    assert (changed.targets, changed.enabled, changed.updated_at) == (("+8613800000001", "+8613800000002"), False,
                                                                      EPOCH + timedelta(seconds=60))
    rule = await repos.rules.create(name="nights", channel_ids=(sms.id,), min_severity="major", station_ids=(7, 8),
                                    kinds=("connector_fault",), events=("raised", "resolved"), quiet_start="22:00",
                                    quiet_end="07:00", quiet_min_severity="critical", timezone="Asia/Shanghai",
                                    enabled=True)
    got = await repos.rules.get(rule.id)
    assert (got.channel_ids, got.station_ids, got.kinds, got.events, got.quiet_start) == (
        (sms.id,), (7, 8), ("connector_fault",), ("raised", "resolved"), "22:00")
    assert [r.name for r in await repos.rules.list()] == ["nights"]
    assert (await repos.rules.update(rule.id, station_ids=())).station_ids == ()
    assert await repos.rules.delete(rule.id) and not await repos.rules.delete(rule.id)
    assert await repos.channels.delete(sms.id) and await repos.channels.get(sms.id) is None
    assert await repos.channels.update(sms.id, enabled=True) is None


async def test_delivery_attempts_and_wechat_bindings(repos):
    for n, status in enumerate(("failed", "failed", "sent"), start=1):
        await repos.deliveries.add(Delivery(1, 3, "webhook", "https://h.example/x", "raised", status, n,
                                            EPOCH + timedelta(seconds=n), rule_id=2,
                                            error="HTTP 503" if status == "failed" else None, duration_ms=12))
    await repos.deliveries.add(Delivery(2, 4, "sms", "+8613800000001", "raised", "suppressed", 1, EPOCH,
                                        error="quiet hours"))
    page = await repos.deliveries.list(alarm_id=1)
    assert [(d.status, d.attempt) for d in page.items] == [("sent", 3), ("failed", 2), ("failed", 1)]
    assert page.items[1].error == "HTTP 503" and page.items[0].id
    assert (await repos.deliveries.list(status="suppressed")).items[0].channel_type == "sms"
    assert (await repos.deliveries.list(channel_id=3, limit=1)).total == 3
    alice = await repos.operators.create("alice", "h", "operator")
    bob = await repos.operators.create("bob", "h", "operator")
    await repos.operator_contacts.bind(alice.id, "alice", "o-1", EPOCH)
    await repos.operator_contacts.bind(alice.id, "alice", "o-2", EPOCH + timedelta(minutes=1))     # bound again
    await repos.operator_contacts.bind(bob.id, "bob", "o-3", EPOCH)
    assert await repos.operator_contacts.get(alice.id) == ("o-2", EPOCH + timedelta(minutes=1))
    assert await repos.operator_contacts.openids() == [("alice", "o-2"), ("bob", "o-3")]
    assert await repos.operator_contacts.openids(("bob", "carol")) == [("bob", "o-3")]
    assert await repos.operator_contacts.unbind(bob.id) and not await repos.operator_contacts.unbind(bob.id)
    assert await repos.operator_contacts.get(bob.id) is None
