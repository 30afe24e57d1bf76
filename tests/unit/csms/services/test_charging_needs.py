"""ISO 15118 charging needs on in-memory fakes: when a schedule follows, what it allows, how an EV
schedule is judged (K15-K17)."""

from __future__ import annotations

from datetime import timedelta

from csms.domain import smart_charging as sc
from csms.services.charging_needs import ChargingNeeds, ChargingNeedsService, EVSchedule
from csms.services.smart_charging import SmartChargingService
from tests.fakes import EPOCH, FakeClock, FakeTransactionRepository
from tests.fakes_smart_charging import FakeChargingProfileRepository, FakeChargingReportRepository, ScriptedGateway
from tests.unit.builders import a_transaction

AC = ChargingNeeds(evse_id=1, energy_transfer="AC_three_phase", departure=EPOCH + timedelta(hours=1),
                   max_current=20, max_schedule_tuples=2)


def _service(site_periods=((0, 16),)):
    clock = FakeClock(EPOCH)
    transactions = FakeTransactionRepository(clock)
    smart = SmartChargingService(ScriptedGateway(), FakeChargingProfileRepository(), FakeChargingReportRepository(),
                                 transactions, clock)
    return ChargingNeedsService(smart, transactions, clock), smart, transactions


async def _with_site(smart, site_periods):
    schedule = sc.ChargingSchedule("A", tuple(sc.SchedulePeriod(s, limit) for s, limit in site_periods))
    await smart.set_profile("CP1", 0, sc.ChargingProfile(900, 0, sc.MAX_PROFILE, "Relative", schedule))


async def test_needs_without_a_running_transaction_are_rejected_and_nothing_follows():
    service, _, _ = _service()
    assert await service.needs_received("CP1", AC) == ("Rejected", None)


async def test_the_profile_is_the_lowest_of_ev_and_site_in_at_most_max_schedule_tuples():
    service, smart, transactions = _service()
    await _with_site(smart, ((0, 16), (600, 24), (1200, 8)))
    tx = transactions.add(a_transaction(charge_point_id="CP1", evse_id=1, started_at=EPOCH))   # relative: from now
    status, send = await service.needs_received("CP1", AC)
    assert status == "Accepted"
    assert (await send())["status"] == "Accepted"
    profile = next(ip.profile for ip in await smart.installed("CP1", 1) if ip.profile.purpose == sc.TX_PROFILE)
    assert profile.transaction_id == tx.id and profile.schedule.duration == 3600
    assert [(p.start_period, p.limit) for p in profile.schedule.periods] == [(0, 16), (600, 8)]
    assert service.negotiation("CP1", 1).state == "ProfileSent"


async def test_an_ev_schedule_above_the_profile_is_rejected_and_renegotiated():
    service, smart, transactions = _service()
    await _with_site(smart, ((0, 16),))
    transactions.add(a_transaction(charge_point_id="CP1", evse_id=1))
    _, send = await service.needs_received("CP1", AC)
    await send()
    within = EVSchedule(1, EPOCH, "A", (sc.SchedulePeriod(0, 16),), 3600)
    above = EVSchedule(1, EPOCH, "A", (sc.SchedulePeriod(0, 10), sc.SchedulePeriod(600, 17)), 3600)
    status, again = await service.schedule_received("CP1", above)
    assert status == "Rejected" and again is not None
    assert service.negotiation("CP1", 1).state == "Renegotiating"
    await again()
    assert await service.schedule_received("CP1", within) == ("Accepted", None)
    assert service.negotiation("CP1", 1).state == "Agreed"
