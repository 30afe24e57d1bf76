"""ISO 15118 charging needs and schedules end to end with the bundled simulator's ISO 15118 EV (OCPP 2.0.1
K15 charging with load leveling, K16 renegotiation by the CSMS, K17 renegotiation by the EV; issue 10
item 8): needs are Accepted only when a schedule follows, the TxProfile sent stays within the EV's and the
site's limits, an EV schedule above it is Rejected and renegotiated."""

from __future__ import annotations

import pytest

from chargepoint_sim.v201 import EV15118, ChargePoint201
from tests.e2e.helpers import eventually, new_id

SITE_LIMIT_A = 16


@pytest.fixture
async def ev_station(csms):
    stations = []

    async def make(ev: EV15118, site_periods=((0, SITE_LIMIT_A),)):
        cp_id = new_id("ISO")
        await csms.a_charge_point(cp_id)
        cp = ChargePoint201(url=csms.ocpp_url, cp_id=cp_id, connectors=2, iso15118=ev)
        cp.feature_step_delay = 0.01
        await cp.connect()
        stations.append(cp)
        status, body = await csms.post(f"/api/v1/admin/charge-points/{cp_id}/commands/set-charging-profile", {
            "connector_id": 0, "profile": {"id": 900, "stack_level": 0, "purpose": "ChargePointMaxProfile",
                                           "kind": "Relative", "schedule": {"charging_rate_unit": "A", "periods": [
                                               {"start_period": s, "limit": limit} for s, limit in site_periods]}}})
        assert (status, body["status"]) == (200, "Accepted"), body
        await csms.an_id_tag("ISO-EMAID-1")
        return cp

    yield make
    for cp in stations:
        await cp.close()
        assert cp.protocol_errors == []


def _profiles(cp):
    return [p for kind, p in cp.negotiation if kind == "profile"]


def _periods(payload):
    return payload["chargingProfile"]["chargingSchedule"][0]["chargingSchedulePeriod"]


async def test_K15_FR_02_03_05_needs_get_a_tx_profile_within_the_ev_and_site_limits(csms, ev_station):
    cp = await ev_station(EV15118(max_current=32, departure_in=1800))
    tx_id = await cp.start_session(1, "ISO-EMAID-1")
    await cp.wait_for(lambda c: ("schedule", "Accepted") in c.negotiation, timeout=5)
    assert cp.negotiation[0] == ("needs", "Accepted")
    (sent,) = _profiles(cp)
    profile = sent["chargingProfile"]
    assert sent["evseId"] == 1 and profile["chargingProfilePurpose"] == "TxProfile"
    assert profile["transactionId"] == tx_id                         # the running transaction
    schedule = profile["chargingSchedule"][0]
    assert schedule["chargingRateUnit"] == "A" and 1700 <= schedule["duration"] <= 1800   # until departure
    assert [p["limit"] for p in schedule["chargingSchedulePeriod"]] == [SITE_LIMIT_A]        # min(EV 32, site 16)
    assert cp.connectors[1].transaction is not None


async def test_K15_FR_11_12_13_the_ev_limit_and_max_schedule_tuples_bound_the_profile(csms, ev_station):
    # the site allows 16 A, then 24 A, then 8 A; the EV takes 20 A at most and 2 periods
    cp = await ev_station(EV15118(max_current=20, max_schedule_tuples=2), site_periods=((0, 16), (600, 24), (1200, 8)))
    await cp.start_session(1, "ISO-EMAID-1")
    await cp.wait_for(lambda c: ("schedule", "Accepted") in c.negotiation, timeout=5)
    periods = _periods(_profiles(cp)[0])
    # 16, 20 (EV cap), then the rest folded at its lowest: never more than the full schedule allows
    assert [(p["startPeriod"], p["limit"]) for p in periods] == [(0, 16), (600, 8)]


async def test_K15_FR_02_needs_without_a_transaction_are_rejected_and_no_profile_follows(csms, ev_station):
    cp = await ev_station(EV15118())
    assert await cp.send_charging_needs(1) == "Rejected"
    with pytest.raises(TimeoutError):
        await cp.wait_for(lambda c: _profiles(c), timeout=0.5)


async def test_K16_FR_06_07_08_a_schedule_above_the_profile_is_rejected_and_renegotiated(csms, ev_station):
    cp = await ev_station(EV15118(max_current=32, overshoot=5, overshoot_times=1))
    await cp.start_session(1, "ISO-EMAID-1")
    await cp.wait_for(lambda c: ("schedule", "Accepted") in c.negotiation, timeout=5)
    kinds = [(k, v if k != "profile" else "profile") for k, v in cp.negotiation]
    assert kinds == [("needs", "Accepted"), ("profile", "profile"), ("schedule", "Rejected"),
                     ("profile", "profile"), ("schedule", "Accepted")]
    first, second = _profiles(cp)
    assert first["chargingProfile"]["id"] != second["chargingProfile"]["id"]       # a new profile
    assert [p["limit"] for p in _periods(second)] == [SITE_LIMIT_A]


async def test_K17_FR_02_03_05_11_the_ev_renegotiates_and_gets_a_new_profile(csms, ev_station):
    cp = await ev_station(EV15118(max_current=32))
    await cp.start_session(1, "ISO-EMAID-1")
    await cp.wait_for(lambda c: ("schedule", "Accepted") in c.negotiation, timeout=5)
    assert await cp.renegotiate(1, max_current=10) == "Accepted"
    await cp.wait_for(lambda c: len(_profiles(c)) == 2 and c.negotiation[-1] == ("schedule", "Accepted"), timeout=5)
    assert [p["limit"] for p in _periods(_profiles(cp)[1])] == [10]


async def test_K16_FR_12_needs_during_a_renegotiation_the_csms_started_get_a_new_profile(csms, ev_station):
    # the EV overshoots every time: the CSMS keeps renegotiating (up to its limit); needs sent meanwhile
    # are answered with yet another profile
    cp = await ev_station(EV15118(max_current=32, overshoot=5, overshoot_times=100))
    await cp.start_session(1, "ISO-EMAID-1")
    await cp.wait_for(lambda c: c.negotiation.count(("schedule", "Rejected")) >= 1, timeout=5)
    before = len(_profiles(cp))
    assert await cp.renegotiate(1, max_current=12) == "Accepted"
    await cp.wait_for(lambda c: any(p["chargingProfile"]["chargingSchedule"][0]["chargingSchedulePeriod"][0]["limit"]
                                    == 12 for p in _profiles(c)), timeout=5)
    assert len(_profiles(cp)) > before

    async def settled():
        return cp.negotiation.count(("schedule", "Rejected")) if cp.negotiation[-1][0] == "schedule" else None
    rejected = await eventually(settled, timeout=5)
    assert rejected <= 1 + 3 + 1          # renegotiations per transaction are bounded
