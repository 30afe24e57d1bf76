"""The alarm service on fakes with a fake clock: every timing rule (debounce, auto-clear, repeats),
dedup keys, the lifecycle and the MTTA / MTTR arithmetic."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from csms.domain.alarms import CHARGE_POINT_OFFLINE, CONNECTOR_FAULT, SECURITY_EVENT, AlarmQuery, Signal
from csms.domain.events import AlarmChanged
from csms.domain.states import IllegalTransition
from csms.services.alarms import UnknownAlarm
from tests.fakes import EPOCH
from tests.unit.csms.services.operations_world import STATION, ops


def fault(connector: int = 1, code: str = "GroundFailure", cp: str = "CP1") -> Signal:
    return Signal(CONNECTOR_FAULT, cp, connector, connector, type=code, message=f"{cp} #{connector} {code}")


async def listed(o, **query) -> list:
    return (await o.alarms.list(AlarmQuery(**query))).items


def changes(o) -> list[tuple[int, str]]:
    return [(e.alarm.id, e.change) for e in o.bus.of(AlarmChanged)]


def count_reads(o, monkeypatch) -> list[str]:
    """The keys the alarm service reads from the database, in order."""
    reads = []
    latest_for = o.repo.latest_for

    async def counted(key):
        reads.append(key)
        return await latest_for(key)
    monkeypatch.setattr(o.repo, "latest_for", counted)
    return reads


# -- debounce -----------------------------------------------------------------------------------------
async def test_a_fault_that_clears_within_the_debounce_raises_nothing(o):
    assert await o.alarms.observe(fault()) is None
    o.clock.advance(59)
    assert await o.alarms.due() == []
    assert await o.alarms.clear(fault()) is None
    o.clock.advance(120)
    assert await o.alarms.due() == [] and o.alarms.pending() == []
    assert await listed(o) == [] and o.bus.of(AlarmChanged) == []


async def test_a_fault_that_lasts_the_debounce_raises_when_it_has(o):
    await o.alarms.observe(fault())
    o.clock.advance(59.9)
    assert await o.alarms.due() == []
    o.clock.advance(0.1)
    [alarm] = await o.alarms.due()
    assert (alarm.kind, alarm.status, alarm.severity, alarm.count, alarm.station_id) == (
        CONNECTOR_FAULT, "Raised", "major", 1, STATION)
    assert alarm.raised_at == EPOCH + timedelta(seconds=60) and o.alarms.pending() == []
    assert changes(o) == [(alarm.id, "raised")]


async def test_repeats_during_the_debounce_keep_its_start_and_the_latest_detail(o):
    await o.alarms.observe(fault(code="GroundFailure"))
    o.clock.advance(40)
    assert await o.alarms.observe(fault(code="OverCurrentFailure")) is None     # not restarted by a repeat
    o.clock.advance(20)
    [alarm] = await o.alarms.due()
    assert alarm.type == "OverCurrentFailure" and alarm.count == 1


async def test_an_observation_after_the_debounce_raises_at_once_without_the_job(o):
    await o.alarms.observe(fault())
    o.clock.advance(61)
    alarm = await o.alarms.observe(fault())
    assert alarm is not None and alarm.status == "Raised" and alarm.count == 1


async def test_a_kind_without_debounce_raises_at_once(o):
    alarm = await o.alarms.observe(Signal(SECURITY_EVENT, "CP1", subject="TamperDetectionActivated",
                                          type="TamperDetectionActivated"))
    assert (alarm.status, alarm.severity, alarm.raised_at) == ("Raised", "critical", EPOCH)


async def test_a_cause_that_began_long_ago_raises_at_once(o):
    since = EPOCH - timedelta(minutes=10)
    alarm = await o.alarms.observe(Signal(CHARGE_POINT_OFFLINE, "CP1", since=since, level=True))
    assert alarm is not None and alarm.raised_at == EPOCH


async def test_a_cause_dated_in_the_future_waits_its_whole_debounce(o):
    await o.alarms.observe(Signal(CHARGE_POINT_OFFLINE, "CP1", since=EPOCH + timedelta(hours=1)))
    o.clock.advance(299)
    assert await o.alarms.due() == []
    o.clock.advance(1)
    assert len(await o.alarms.due()) == 1


# -- repeats and dedup --------------------------------------------------------------------------------
async def test_repeats_of_an_open_alarm_count_on_it():
    o = ops(debounce={"connector_fault": 0})
    first = await o.alarms.observe(fault())
    o.clock.advance(30)
    again = await o.alarms.observe(fault(code="HighTemperature"))
    assert (again.id, again.count, again.type, again.last_seen_at, again.raised_at) == (
        first.id, 2, "HighTemperature", EPOCH + timedelta(seconds=30), EPOCH)
    await o.alarms.acknowledge(first.id, "alice")
    o.clock.advance(30)
    assert (await o.alarms.observe(fault())).count == 3                    # acknowledged is still open
    assert changes(o) == [(1, "raised"), (1, "repeated"), (1, "acknowledged"), (1, "repeated")]


async def test_a_periodic_check_seeing_the_same_condition_is_not_a_repeat():
    o = ops(debounce={"charge_point_offline": 0})
    await o.alarms.observe(Signal(CHARGE_POINT_OFFLINE, "CP1", level=True))
    o.clock.advance(60)
    again = await o.alarms.observe(Signal(CHARGE_POINT_OFFLINE, "CP1", level=True))
    assert again.count == 1 and changes(o) == [(1, "raised")]


async def test_one_alarm_per_charge_point_connector_and_kind():
    o = ops(debounce={"connector_fault": 0, "charge_point_offline": 0})
    a = await o.alarms.observe(fault(1))
    b = await o.alarms.observe(fault(2))
    c = await o.alarms.observe(fault(1, cp="CP2"))
    d = await o.alarms.observe(Signal(CHARGE_POINT_OFFLINE, "CP1", 1, 1))
    assert len({a.id, b.id, c.id, d.id}) == 4
    assert a.dedup_key == "connector_fault|CP1|1/1|" and (await o.alarms.observe(fault(1))).id == a.id


# -- auto-clear and the lifecycle ---------------------------------------------------------------------
async def test_a_cause_that_clears_resolves_its_alarm_and_a_new_occurrence_is_a_new_alarm():
    o = ops(debounce={"connector_fault": 0})
    alarm = await o.alarms.observe(fault())
    o.clock.advance(90)
    cleared = await o.alarms.clear(fault())
    assert (cleared.status, cleared.resolved_by, cleared.resolution) == ("Resolved", "auto", "the cause cleared")
    assert cleared.resolved_at == cleared.cleared_at == EPOCH + timedelta(seconds=90)
    assert await o.alarms.clear(fault()) is None                           # nothing open any more
    again = await o.alarms.observe(fault())
    assert again.id != alarm.id and again.count == 1 and again.status == "Raised"


async def test_acknowledge_then_resolve_once_each():
    o = ops(debounce={"connector_fault": 0})
    alarm = await o.alarms.observe(fault())
    o.clock.advance(45)
    acked = await o.alarms.acknowledge(alarm.id, "alice")
    assert (acked.status, acked.acknowledged_by, acked.acknowledged_at) == ("Acknowledged", "alice",
                                                                           EPOCH + timedelta(seconds=45))
    assert (await o.alarms.acknowledge(alarm.id, "bob")).acknowledged_by == "alice"     # twice: no change
    o.clock.advance(15)
    done = await o.alarms.resolve(alarm.id, "bob", "replaced the RCD")
    assert (done.status, done.resolved_by, done.resolution, done.cleared_at) == (
        "Resolved", "bob", "replaced the RCD", None)
    with pytest.raises(IllegalTransition):
        await o.alarms.acknowledge(alarm.id, "alice")
    with pytest.raises(UnknownAlarm):
        await o.alarms.resolve(404, "alice")
    assert [c for _, c in changes(o)] == ["raised", "acknowledged", "resolved"]


async def test_severity_per_kind_comes_from_the_policy():
    o = ops(debounce={"connector_fault": 0}, severity={"connector_fault": "critical"})
    assert (await o.alarms.observe(fault())).severity == "critical"


async def test_filters_of_the_list():
    o = ops(debounce={"connector_fault": 0})
    a = await o.alarms.observe(fault(1))
    o.clock.advance(3600)
    b = await o.alarms.observe(fault(2, cp="CP2"))
    await o.alarms.acknowledge(b.id, "alice")
    assert [x.id for x in await listed(o)] == [b.id, a.id]
    assert [x.id for x in await listed(o, status="Acknowledged")] == [b.id]
    assert [x.id for x in await listed(o, charge_point_id="CP1", station_id=STATION, kind=CONNECTOR_FAULT)] == [a.id]
    assert [x.id for x in await listed(o, since=EPOCH + timedelta(minutes=1))] == [b.id]
    assert [x.id for x in await listed(o, until=EPOCH + timedelta(minutes=1))] == [a.id]
    assert await listed(o, severity="critical") == []


# -- MTTA / MTTR --------------------------------------------------------------------------------------
async def test_response_times_by_station_and_day():
    o = ops(debounce={"connector_fault": 0})
    o.charge_points.rows["CP2"] = o.charge_points.rows["CP2"].__class__("CP2", station_id=8)
    a = await o.alarms.observe(fault(1))                     # day 1, station 7: acked after 60 s, resolved at 300 s
    o.clock.advance(60)
    await o.alarms.acknowledge(a.id, "alice")
    o.clock.advance(240)
    await o.alarms.resolve(a.id, "alice")
    b = await o.alarms.observe(fault(2))                     # day 1, station 7: auto-cleared after 100 s
    o.clock.advance(100)
    await o.alarms.clear(fault(2))
    o.clock.set(EPOCH + timedelta(days=1))
    c = await o.alarms.observe(fault(1, cp="CP2"))           # day 2, station 8: acked after 30 s, still open
    o.clock.advance(30)
    await o.alarms.acknowledge(c.id, "bob")
    total, *rows = await o.alarms.response_times(since=EPOCH, until=EPOCH + timedelta(days=2), period="day")
    assert (total.alarms, total.acknowledged, total.resolved, total.auto_resolved) == (3, 2, 2, 1)
    assert (total.mtta_s, total.mttr_s) == (45.0, 200.0)     # (60 + 30) / 2, (300 + 100) / 2
    assert [(r.station_id, r.period, r.alarms, r.mtta_s, r.mttr_s) for r in rows] == [
        (STATION, "2024-05-01", 2, 60.0, 200.0), (8, "2024-05-02", 1, 30.0, None)]
    assert b.id != a.id
    total8, row8 = await o.alarms.response_times(since=EPOCH, until=EPOCH + timedelta(days=2), station_id=8)
    assert (total8.alarms, total8.mtta_s, total8.mttr_s, row8.station_id, row8.period) == (1, 30.0, None, 8, None)


async def test_a_condition_an_operator_resolved_is_not_found_again_until_it_has_cleared():
    o = ops(debounce={"charge_point_offline": 0})
    away = Signal(CHARGE_POINT_OFFLINE, "CP1", level=True)
    first = await o.alarms.observe(away)
    await o.alarms.resolve(first.id, "alice", "decommissioned, cable cut")
    o.clock.advance(60)
    assert await o.alarms.observe(away) is None                   # the periodic check: the same condition
    assert [a.id for a in await listed(o)] == [first.id]
    o.clock.advance(60)
    assert await o.alarms.clear(away) is None                      # it came back: nothing open to resolve
    assert (await o.alarms.get(first.id)).cleared_at == EPOCH + timedelta(seconds=120)
    second = await o.alarms.observe(away)                          # away again: a new alarm
    assert second is not None and second.id != first.id


async def test_an_event_after_an_operator_resolved_its_alarm_is_a_new_alarm():
    o = ops(debounce={"connector_fault": 0})
    first = await o.alarms.observe(fault())
    await o.alarms.resolve(first.id, "alice")
    again = await o.alarms.observe(fault())                        # a new Faulted notification: news
    assert again.id != first.id and again.status == "Raised"


async def test_clearing_a_quiet_key_reads_the_database_once_until_it_is_observed_again(o, monkeypatch):
    """Every status report of a healthy connector clears its fault signal: only the first one reads."""
    reads = count_reads(o, monkeypatch)
    for _ in range(5):
        assert await o.alarms.clear(fault()) is None
    assert len(reads) == 1

    o.alarms.policy = o.alarms.policy.__class__({"connector_fault": 0}, {})     # the fault raises at once
    assert (await o.alarms.observe(fault())) is not None   # a fault: the next clear reads, and resolves it
    assert (await o.alarms.clear(fault())).status == "Resolved"
    assert len(reads) == 3


async def test_an_alarm_changed_on_another_node_makes_its_quiet_key_read_again(o, monkeypatch):
    """Another node raised the fault (its AlarmChanged arrives over the bus between nodes): the next
    status report of the healthy connector reads the alarm and resolves it, not the quiet cache."""
    reads = count_reads(o, monkeypatch)
    assert await o.alarms.clear(fault()) is None and await o.alarms.clear(fault()) is None
    assert len(reads) == 1

    other = o.alarms.__class__(o.repo, o.alarms.charge_points, o.bus, o.clock,
                               o.alarms.policy.__class__({"connector_fault": 0}, {}))
    raised = await other.observe(fault())               # the other node's service, the same database
    await o.alarms.on_alarm_changed(AlarmChanged(raised, "raised", o.clock.now()))
    resolved = await o.alarms.clear(fault())
    assert resolved is not None and resolved.id == raised.id and resolved.status == "Resolved"
    assert len(reads) == 3                              # the other's observe, then this clear


async def test_a_quiet_key_is_read_again_after_the_recheck_period_without_news(o, monkeypatch):
    from csms.services import alarms as alarms_module
    reads = count_reads(o, monkeypatch)
    clock = [1000.0]
    monkeypatch.setattr(alarms_module, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    await o.alarms.clear(fault())
    clock[0] += alarms_module.QUIET_RECHECK_S - 1
    await o.alarms.clear(fault())
    assert len(reads) == 1
    clock[0] += 2
    await o.alarms.clear(fault())
    assert len(reads) == 2
