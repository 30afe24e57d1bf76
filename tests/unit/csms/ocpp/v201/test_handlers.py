"""The OCPP 2.0.1 core handlers translate, and only translate: a TransactionEvent's payload becomes the
neutral event (kind, ids, token, trigger, samples with unit multipliers), the service's answer becomes
idTokenInfo and totalCost; boot, heartbeat and status go to the charger service. Real services on the
in-memory fakes (tests/fakes.py)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from csms.domain.models import IdTagInfo, TransactionEventAnswer
from csms.ocpp.errors import OcppError
from csms.ocpp.routing import CallContext
from csms.ocpp.v201 import handlers as h
from csms.services.chargers import ChargerConfig, ChargerService
from csms.services.id_tags import IdTagService
from csms.services.transactions import TransactionService
from tests.fakes import (EPOCH, FakeBatch, FakeChargePointRepository, FakeClock, FakeConnectorRepository,
                         FakeIdTagRepository, FakeMeterValueRepository, FakePresence, FakeTransactionRepository,
                         RecordingBus)
from tests.unit.builders import a_charge_point, a_transaction, an_id_tag

T = "2026-01-01T00:00:00Z"


def an_event(event_type: str = "Started", **extra) -> dict:
    return {"eventType": event_type, "timestamp": T, "triggerReason": "Authorized", "seqNo": 0,
            "transactionInfo": {"transactionId": "tx-9"}, **extra}


def test_a_transaction_event_becomes_the_neutral_event():
    ev = h.transaction_event(an_event(
        "Updated", seqNo=4, offline=True, evse={"id": 2, "connectorId": 1}, reservationId=12,
        triggerReason="StopAuthorized", idToken={"idToken": "TAG1", "type": "ISO14443"},
        transactionInfo={"transactionId": "tx-9", "remoteStartId": 77, "stoppedReason": "Local"},
        meterValue=[{"timestamp": T, "sampledValue": [
            {"value": 12.5, "measurand": "Energy.Active.Import.Register", "unitOfMeasure": {"unit": "kWh"}},
            {"value": 7, "measurand": "Power.Active.Import", "unitOfMeasure": {"unit": "W", "multiplier": 3}}]}]))

    assert (ev.kind, ev.ocpp_tx_id, ev.seq_no, ev.offline, ev.evse_id, ev.connector_id) == \
        ("updated", "tx-9", 4, True, 2, 1)
    assert (ev.id_tag, ev.stop_authorized, ev.reservation_id, ev.remote_start_id, ev.stopped_reason) == \
        ("TAG1", True, 12, 77, "Local")
    [sample] = ev.samples
    assert sample.timestamp == datetime(2026, 1, 1, tzinfo=timezone.utc)
    energy, power = sample.values
    assert (energy.value, energy.unit, power.value, power.unit) == ("12.5", "kWh", "7000", "W")


def test_a_multiplier_no_register_can_hold_is_refused_naming_the_field():
    with pytest.raises(OcppError) as refused:
        h.transaction_event(an_event(meterValue=[{"timestamp": T, "sampledValue": [
            {"value": 1, "unitOfMeasure": {"multiplier": 40}}]}]))
    assert refused.value.code == "PropertyConstraintViolation"
    assert refused.value.details["field"] == "meterValue[0].sampledValue[0].unitOfMeasure.multiplier"


def test_the_answer_carries_the_tokens_verdict_and_the_cost_in_yuan():
    tx = a_transaction()
    assert h.transaction_event_response(TransactionEventAnswer(tx, None, None)) == {}
    expiry = datetime(2026, 2, 1, 8, 30, tzinfo=timezone.utc)
    answer = h.transaction_event_response(TransactionEventAnswer(tx, IdTagInfo("Accepted", expiry, "FLEET"), 2280))
    assert answer == {"idTokenInfo": {"status": "Accepted", "cacheExpiryDateTime": "2026-02-01T08:30:00.000Z",
                                      "groupIdToken": {"idToken": "FLEET", "type": "Central"}},
                      "totalCost": 22.8}
    # the 1.6-only word for a token never heard of has its 2.0.1 spelling
    assert h.id_token_info(IdTagInfo("Unknown"))["status"] == "Unknown"


@pytest.fixture
def world():
    clock = FakeClock()
    transaction_repo, id_tag_repo = FakeTransactionRepository(clock), FakeIdTagRepository()
    charge_points, connectors = FakeChargePointRepository(clock), FakeConnectorRepository()
    batch = FakeBatch(transactions=transaction_repo, meter_values=FakeMeterValueRepository(),
                      charge_points=charge_points, connectors=connectors)
    bus = RecordingBus()
    chargers = ChargerService(charge_points, connectors, bus, batch, clock, FakePresence(), ChargerConfig())
    transactions = TransactionService(transaction_repo, FakeMeterValueRepository(), IdTagService(id_tag_repo, clock),
                                      bus, batch, clock)
    tag = an_id_tag()
    id_tag_repo.rows[tag.id_tag] = tag
    return h.V201Handlers(chargers, transactions), transaction_repo, tag.id_tag, bus


def ctx() -> CallContext:
    return CallContext("CP1", "ocpp2.0.1", "m-1", EPOCH)


async def test_a_started_event_with_a_token_starts_the_transaction_and_answers_its_verdict(world):
    handlers, transaction_repo, tag, _bus = world
    answer = await handlers.transaction_event(ctx(), an_event(idToken={"idToken": tag, "type": "ISO14443"},
                                                              evse={"id": 1, "connectorId": 1}))

    assert answer == {"idTokenInfo": {"status": "Accepted"}}
    [tx] = transaction_repo.rows.values()
    assert (tx.ocpp_tx_id, tx.id_tag, tx.evse_id) == ("tx-9", tag, 1)


async def test_an_event_without_a_token_answers_nothing(world):
    handlers, *_ = world
    assert await handlers.transaction_event(ctx(), an_event()) == {}


async def test_status_goes_to_the_charger_service_with_its_evse_and_time(world):
    handlers, *_, bus = world
    await handlers.status_notification(ctx(), {"timestamp": T, "connectorStatus": "Faulted", "evseId": 2,
                                               "connectorId": 1})
    [changed] = [e for e in bus.events if type(e).__name__ == "ConnectorStatusChanged"]
    assert (changed.evse_id, changed.connector_id, changed.status, changed.at.year) == (2, 1, "Faulted", 2026)


async def test_boot_answers_the_registration_and_the_heartbeat_interval(world):
    handlers, *_ = world
    handlers.chargers.charge_points.rows["CP1"] = a_charge_point(id="CP1")
    answer = await handlers.boot_notification(ctx(), {"chargingStation": {"vendorName": "Acme", "model": "X"},
                                                      "reason": "PowerUp"})
    assert (answer["status"], answer["interval"]) == ("Accepted", ChargerConfig().heartbeat_interval)
    assert answer["currentTime"].endswith("Z")
