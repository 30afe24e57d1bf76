"""Feature module: reservations and the local authorization list (see csms/features/__init__.py).

1.6 Reservation + Local Auth List Management profiles, 2.0.1 blocks H and D, on the neutral
services of csms/services/reservations*.py."""

from __future__ import annotations

from csms.db.repositories_reservations import (
    SqlLocalListRepository,
    SqlReservationRepository,
)
from csms.domain import events
from csms.ocpp.v16 import reservations as v16
from csms.ocpp.v201 import reservations as v201
from csms.services.reservations import ReservationService
from csms.services.reservations_local_list import LocalListService

EXPIRY_JOB = "reservation-expiry"
EXPIRY_EVERY = {"seconds": 10}


def install(container) -> None:
    c = container
    c.reservation_repo = SqlReservationRepository(c.sessions_factory, c.clock)
    c.local_list_repo = SqlLocalListRepository(c.sessions_factory, c.clock)
    c.reservations = ReservationService(c.reservation_repo, c.transactions, c.gateway, c.clock)
    c.local_lists = LocalListService(c.local_list_repo, c.gateway, c.id_tags, c.id_tag_repo, c.clock)

    c.encoders["ocpp1.6"].update(v16.ENCODERS)
    c.encoders["ocpp2.0.1"].update(v201.ENCODERS)
    routes = c.routes["ocpp2.0.1"]
    routes["ReservationStatusUpdate"] = v201.reservation_status_update(c.reservations)
    routes["TransactionEvent"] = v201.transaction_event(routes["TransactionEvent"], c.reservations, c.sessions)

    c.bus.subscribe(events.TransactionStarted, c.reservations.on_transaction_started)
    c.bus.subscribe(events.ConnectorStatusChanged, c.reservations.on_connector_status)

    async def expire() -> None:
        await c.reservations.expire_due()

    c.jobs.append((EXPIRY_JOB, EXPIRY_EVERY, expire))
