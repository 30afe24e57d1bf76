"""TransactionService.event: the branches of an event-based transaction (2.0.1 TransactionEvent) on
in-memory fakes: the first event seen starts it (in or out of order), a late Started corrects the
start, a token presented later identifies the driver or stops it, a repeated seqNo adds nothing
twice, Ended stops it; and the steps other areas take part in (a reservation used, the cost)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

import pytest

from csms.domain import events
from csms.domain.models import TransactionEventIn
from csms.services.id_tags import IdTagService
from csms.services.transactions import TransactionService
from tests.fakes import EPOCH
from tests.unit.builders import a_sample, a_value, an_id_tag


@dataclass
class Bill:
    total_fen: int


class Reservations:
    """ReservationUse: records what the service said was used."""

    def __init__(self):
        self.used_ids: list[tuple] = []
        self.used_tags: list[tuple] = []

    async def used(self, cp_id, reservation_id, transaction_id):
        self.used_ids.append((cp_id, reservation_id, transaction_id))

    async def used_by_tag(self, cp_id, id_tag, transaction_id):
        self.used_tags.append((cp_id, id_tag, transaction_id))


class Costs:
    """CostQuote: the running cost is 10 fen per Wh seen in the event, the final one 1 fen per Wh."""

    def __init__(self):
        self.running_calls: list[tuple] = []
        self.forgotten: list[int] = []

    async def running(self, tx, new):
        self.running_calls.append((tx.id, list(new)))
        return Bill(10 * max((wh for _, wh in new), default=0))

    async def final(self, tx):
        return Bill(tx.energy_wh or 0)

    def forget(self, tx_id):
        self.forgotten.append(tx_id)


@pytest.fixture
def reservations():
    return Reservations()


@pytest.fixture
def costs():
    return Costs()


@pytest.fixture
def transactions(transaction_repo, meter_repo, id_tag_repo, bus, batch, clock, reservations, costs):
    return TransactionService(transaction_repo, meter_repo, IdTagService(id_tag_repo, clock), bus, batch, clock,
                              reservations=reservations, costs=costs)


@pytest.fixture
def driver(id_tag_repo):
    tag = an_id_tag()
    id_tag_repo.rows[tag.id_tag] = tag
    return tag.id_tag


def an_event(kind: str = "started", seq_no: int = 0, at_min: float = 0, wh: int | None = None, **f) -> TransactionEventIn:
    at = EPOCH + timedelta(minutes=at_min)
    samples = (a_sample(a_value(wh), at=at),) if wh is not None else ()
    return TransactionEventIn(kind=kind, ocpp_tx_id="tx-1", at=at, seq_no=seq_no, evse_id=1, connector_id=1,
                              samples=samples, **f)


async def test_the_first_event_starts_the_transaction_and_answers_the_tokens_verdict(transactions, transaction_repo,
                                                                                   bus, driver):
    answer = await transactions.event("CP1", an_event(wh=1500, id_tag=driver, remote_start_id=77))

    tx = answer.transaction
    assert (tx.ocpp_tx_id, tx.meter_start_wh, tx.id_tag, tx.remote_start_id) == ("tx-1", 1500, driver, 77)
    assert answer.id_tag_info.status == "Accepted"
    assert answer.total_cost_fen is None                  # no cost on a Started event
    assert type(bus.events[0]) is events.TransactionStarted


async def test_an_updated_event_arriving_first_starts_it_and_a_late_started_corrects_the_start(transactions):
    first = await transactions.event("CP1", an_event("updated", seq_no=1, at_min=5, wh=2000))
    assert (first.transaction.started_at, first.transaction.meter_start_wh) == (EPOCH + timedelta(minutes=5), 2000)

    late = await transactions.event("CP1", an_event("started", seq_no=0, at_min=0, wh=1200))

    assert late.transaction.id == first.transaction.id
    assert (late.transaction.started_at, late.transaction.meter_start_wh) == (EPOCH, 1200)


async def test_a_token_after_the_start_identifies_the_driver_and_uses_their_reservation(transactions, reservations,
                                                                                      transaction_repo, driver):
    started = await transactions.event("CP1", an_event())           # plugged in first: no token
    answer = await transactions.event("CP1", an_event("updated", seq_no=1, id_tag=driver))

    assert answer.id_tag_info.status == "Accepted"
    assert (await transaction_repo.get(started.transaction.id)).id_tag == driver
    assert reservations.used_tags == [("CP1", driver, started.transaction.id)]


async def test_a_stop_authorized_token_gets_its_plain_status_and_leaves_the_driver(transactions, transaction_repo,
                                                                                 id_tag_repo, driver):
    other = an_id_tag(status="Blocked")
    id_tag_repo.rows[other.id_tag] = other
    started = await transactions.event("CP1", an_event(id_tag=driver))

    answer = await transactions.event("CP1", an_event("updated", seq_no=1, id_tag=other.id_tag,
                                                       stop_authorized=True))

    assert answer.id_tag_info.status == "Blocked"
    assert (await transaction_repo.get(started.transaction.id)).id_tag == driver


async def test_a_repeated_seq_no_adds_its_meter_values_once(transactions, batch):
    await transactions.event("CP1", an_event())
    update = an_event("updated", seq_no=1, at_min=1, wh=1800)
    await transactions.event("CP1", update)
    await transactions.event("CP1", update)

    assert len(batch.rows["meter_values"]) == 1


async def test_ended_stops_at_the_last_register_reading_and_answers_the_final_cost(transactions, costs, bus):
    await transactions.event("CP1", an_event(wh=1000))
    await transactions.event("CP1", an_event("updated", seq_no=1, at_min=10, wh=4000))

    ended = await transactions.event("CP1", an_event("ended", seq_no=2, at_min=20, stopped_reason="EVDisconnected"))

    tx = ended.transaction
    assert (tx.status, tx.meter_stop_wh, tx.energy_wh, tx.stop_reason) == ("Completed", 4000, 3000, "EVDisconnected")
    assert ended.total_cost_fen == 3000                  # the final cost, from the stopped transaction
    assert [type(e) for e in bus.events][-1] is events.TransactionStopped


async def test_an_updated_event_answers_the_running_cost_of_its_readings(transactions, costs):
    started = await transactions.event("CP1", an_event(wh=1000))

    answer = await transactions.event("CP1", an_event("updated", seq_no=1, at_min=5, wh=1300))

    assert answer.total_cost_fen == 13000
    assert costs.running_calls == [(started.transaction.id, [(EPOCH + timedelta(minutes=5), 1300)])]


async def test_a_reservation_named_by_a_later_event_is_used(transactions, reservations):
    started = await transactions.event("CP1", an_event())
    await transactions.event("CP1", an_event("updated", seq_no=1, reservation_id=31))

    assert reservations.used_ids == [("CP1", 31, started.transaction.id)]


async def test_a_reservation_named_by_the_start_is_used_before_the_answer(transactions, reservations):
    started = await transactions.event("CP1", an_event(reservation_id=8))

    assert reservations.used_ids == [("CP1", 8, started.transaction.id)]
    assert reservations.used_tags == []          # by tag: a bus subscriber of the reservations, after the answer


async def test_without_the_tariffs_an_event_has_no_cost(transaction_repo, meter_repo, id_tag_repo, bus, batch,
                                                       clock):
    plain = TransactionService(transaction_repo, meter_repo, IdTagService(id_tag_repo, clock), bus, batch, clock)
    await plain.event("CP1", an_event(wh=1000))
    answer = await plain.event("CP1", an_event("updated", seq_no=1, at_min=5, wh=1300))

    assert answer.total_cost_fen is None and answer.id_tag_info is None


async def test_a_transaction_replaced_on_its_connector_is_abandoned_and_its_cost_forgotten(transactions, costs):
    old = await transactions.event("CP1", an_event())
    new = await transactions.event("CP1", replace(an_event(at_min=30), ocpp_tx_id="tx-2"))

    assert new.transaction.id != old.transaction.id
    assert costs.forgotten == [old.transaction.id]
