"""ReservationService: the lifecycle rules, on fakes and a fake clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from csms.domain import events
from csms.domain.reservations import RESERVATION, CancelReservation, ReserveNow
from csms.domain.states import IllegalTransition
from csms.domain.errors import CallTimeout, NotConnected
from csms.services.reservations import InvalidRequest, UnknownReservation
from tests.unit.csms.services.reservation_fixtures import (  # noqa: F401  (fixtures)
    clock, gateway, id_tag_repo, lists, local_lists, repo, service, transactions)


async def test_reserve_sends_reserve_now_with_the_row_id_and_a_15_minute_default_hold(service, gateway, clock):
    r = await service.reserve("CP1", connector_id=2, id_tag="TAG", parent_id_tag="GRP")
    assert (r.status, r.ocpp_status) == ("Accepted", "Accepted")
    cp_id, cmd = gateway.sent[0]
    assert cp_id == "CP1" and cmd == ReserveNow(r.id, 2, "TAG", clock.now() + timedelta(minutes=15), "GRP")


@pytest.mark.parametrize("verdict", ["Faulted", "Occupied", "Unavailable", "Rejected"])
async def test_a_refusal_is_rejected_with_the_charge_points_word(service, gateway, verdict):
    gateway.replies["ReserveNow"] = {"status": verdict, "reason": "NoEVSE"}
    r = await service.reserve("CP1", connector_id=1, id_tag="TAG")
    assert (r.status, r.ocpp_status, r.reason) == ("Rejected", verdict, "NoEVSE")


async def test_no_verdict_leaves_it_failed(service, gateway, repo):
    gateway.replies["ReserveNow"] = CallTimeout("no answer")
    with pytest.raises(CallTimeout):
        await service.reserve("CP1", connector_id=1, id_tag="TAG")
    assert [(r.status, r.reason) for r in repo.rows.values()] == [("Failed", "CallTimeout")]


async def test_offline_or_past_expiry_stores_nothing(service, repo, clock):
    with pytest.raises(NotConnected):
        await service.reserve("ELSEWHERE", connector_id=1, id_tag="TAG")
    with pytest.raises(InvalidRequest) as err:
        await service.reserve("CP1", connector_id=1, id_tag="TAG", expiry_date=clock.now())
    assert err.value.field == "expiry_date" and repo.rows == {}


async def test_cancel_accepted_cancels_rejected_keeps(service, gateway):
    r = await service.reserve("CP1", connector_id=1, id_tag="TAG")
    gateway.replies["CancelReservation"] = {"status": "Rejected"}
    assert await service.cancel("CP1", r.id) == {"status": "Rejected"}
    assert (await service.get(r.id)).status == "Accepted"
    gateway.replies["CancelReservation"] = {"status": "Accepted"}
    assert await service.cancel("CP1", r.id) == {"status": "Accepted"}
    assert (await service.get(r.id)).status == "Cancelled"
    assert gateway.sent[-1] == ("CP1", CancelReservation(r.id))
    with pytest.raises(UnknownReservation):
        await service.cancel("CP2", r.id)           # not this charge point's


async def test_expire_due_expires_only_accepted_ones_past_their_date(service, gateway, clock):
    soon = await service.reserve("CP1", connector_id=1, id_tag="A", expiry_date=clock.now() + timedelta(minutes=1))
    later = await service.reserve("CP1", connector_id=2, id_tag="B", expiry_date=clock.now() + timedelta(hours=1))
    gateway.replies["ReserveNow"] = {"status": "Occupied"}
    refused = await service.reserve("CP1", connector_id=3, id_tag="C", expiry_date=clock.now() + timedelta(minutes=1))
    clock.advance(minutes=1)
    assert [r.id for r in await service.expire_due()] == [soon.id]
    assert await service.expire_due() == []          # nothing twice
    assert [(await service.get(i)).status for i in (soon.id, later.id, refused.id)] == [
        "Expired", "Accepted", "Rejected"]


async def test_a_transaction_started_with_a_reserved_tag_uses_the_reservation(service, transactions, clock):
    """2.0.1 stations often do not name the reservation: the id tag it was made for is enough."""
    r = await service.reserve("CP1", connector_id=1, id_tag="TAG")
    tx, _ = await transactions.start(charge_point_id="CP1", evse_id=1, connector_id=1, id_tag="TAG",
                                     started_at=clock.now(), meter_start_wh=0, ocpp_tx_id=None, reservation_id=None)
    event = events.TransactionStarted(tx.id, "CP1", 1, "TAG", 0, clock.now())
    await service.on_transaction_started(event)
    used = await service.get(r.id)
    assert (used.status, used.transaction_id) == ("Used", tx.id)
    clock.advance(5)
    await service.on_transaction_started(event)       # a repeat changes nothing
    assert await service.get(r.id) == used


async def test_a_transaction_naming_its_reservation_is_left_to_the_transaction_service(service, transactions,
                                                                                        clock):
    """(csms/services/transactions.py marks the reservation it names Used before it answers.)"""
    r = await service.reserve("CP1", connector_id=1, id_tag="TAG")
    other = await service.reserve("CP1", connector_id=2, id_tag="TAG")
    tx, _ = await transactions.start(charge_point_id="CP1", evse_id=1, connector_id=1, id_tag="TAG",
                                     started_at=clock.now(), meter_start_wh=0, ocpp_tx_id=None, reservation_id=r.id)
    await service.on_transaction_started(events.TransactionStarted(tx.id, "CP1", 1, "TAG", 0, clock.now(), r.id))
    assert [(await service.get(x.id)).status for x in (r, other)] == ["Accepted", "Accepted"]


async def test_another_charge_points_transaction_cannot_use_it(service):
    r = await service.reserve("CP1", connector_id=1, id_tag="TAG")
    assert await service.used("CP2", r.id, 7) is None
    assert (await service.get(r.id)).status == "Accepted"


@pytest.mark.parametrize("status,evse,cleared", [("Faulted", 1, True), ("Unavailable", 1, True),
                                                 ("Faulted", 0, True), ("Faulted", 2, False),
                                                 ("Charging", 1, False), ("Available", 0, False)])
async def test_connector_status_clears_reservations_there(service, clock, status, evse, cleared):
    r = await service.reserve("CP1", connector_id=1, id_tag="TAG")
    await service.on_connector_status(events.ConnectorStatusChanged("CP1", evse, evse, status, "Reserved",
                                                                    "NoError", clock.now()))
    assert (await service.get(r.id)).status == ("Cleared" if cleared else "Accepted")


@pytest.mark.parametrize("update,after", [("Expired", "Expired"), ("Removed", "Cleared")])
async def test_status_update_from_the_station(service, update, after):
    r = await service.reserve("CP1", connector_id=1, id_tag="TAG")
    assert (await service.status_update("CP1", r.id, update)).status == after
    assert await service.status_update("CP1", r.id, update) is None
    assert await service.status_update("CP1", 999, update) is None


def test_the_state_machine_only_ends_an_accepted_reservation():
    for end in ("Used", "Cancelled", "Expired", "Cleared"):
        assert RESERVATION.can("Accepted", end) and not RESERVATION.can("Requested", end)
        for final in ("Rejected", "Failed", "Used", "Cancelled", "Expired", "Cleared"):
            assert final == end or not RESERVATION.can(final, end)
    with pytest.raises(IllegalTransition):
        RESERVATION.check("Expired", "Used")
