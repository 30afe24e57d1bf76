"""Reservations, version-neutral: ask a charge point to hold a connector (or any connector) for an
id tag, and follow the reservation through its lifecycle (csms.domain.reservations.RESERVATION):
the charge point's verdict, a transaction that uses it, a cancel, its expiry, a fault that clears it."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from csms.domain import events
from csms.domain.errors import NotConnected
from csms.domain.reservations import (
    CLEARING_STATUSES,
    RESERVATION,
    CancelReservation,
    Reservation,
    ReservationRepository,
    ReserveNow,
    after_verdict,
)
from csms.services.clock import Clock

log = logging.getLogger(__name__)

DEFAULT_HOLD = timedelta(minutes=15)     # how long a reservation holds when no expiry date is given


class UnknownReservation(Exception):
    pass


class InvalidRequest(ValueError):
    """The operator asked for something that cannot be (a field name and a message)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class Gateway(Protocol):
    def protocol_of(self, cp_id: str) -> str | None: ...
    async def execute(self, cp_id: str, command: Any, timeout: float | None = None) -> dict: ...


class ReservationService:
    def __init__(self, reservations: ReservationRepository, gateway: Gateway, clock: Clock,
                 default_hold: timedelta = DEFAULT_HOLD):
        self.reservations = reservations
        self.gateway = gateway
        self.clock = clock
        self.default_hold = default_hold

    # -- operator commands -------------------------------------------------------------------------
    async def reserve(self, cp_id: str, *, connector_id: int, id_tag: str, expiry_date: datetime | None = None,
                      parent_id_tag: str | None = None, connector_type: str | None = None,
                      token_type: str = "ISO14443") -> Reservation:
        """Store the reservation (its id is the OCPP reservationId), send ReserveNow, record the verdict.
        A call that gets no verdict leaves it Failed and raises on."""
        now = self.clock.now()
        expiry = expiry_date or now + self.default_hold
        if expiry <= now:
            raise InvalidRequest("expiry_date", "expiry_date must be in the future")
        if self.gateway.protocol_of(cp_id) is None:
            raise NotConnected(f"charge point {cp_id} is not connected")
        r = await self.reservations.create(charge_point_id=cp_id, connector_id=connector_id, id_tag=id_tag,
                                           parent_id_tag=parent_id_tag, connector_type=connector_type,
                                           expiry_date=expiry, status="Requested")
        command = ReserveNow(r.id, connector_id, id_tag, expiry, parent_id_tag, connector_type, token_type)
        try:
            result = await self.gateway.execute(cp_id, command)
        except Exception as exc:
            await self._move(r, "Failed", reason=type(exc).__name__[:64])
            raise
        verdict, why = result["status"], (result.get("reason") or None)
        fields = {"ocpp_status": verdict, "reason": why[:64] if why else None}
        return await self._move(r, after_verdict(verdict), **fields) or replace(r, **fields)

    async def cancel(self, cp_id: str, reservation_id: int) -> dict:
        r = await self.reservations.get(reservation_id)
        if r is None or r.charge_point_id != cp_id:
            raise UnknownReservation(f"reservation {reservation_id} is not one of {cp_id}")
        result = await self.gateway.execute(cp_id, CancelReservation(reservation_id))
        if result["status"] == "Accepted":
            await self._move(r, "Cancelled", reason="cancelled by operator")
        return {"status": result["status"]}

    # -- what charge points report -----------------------------------------------------------------
    async def used(self, cp_id: str, reservation_id: int, transaction_id: int | None) -> Reservation | None:
        r = await self.reservations.get(reservation_id)
        if r is None or r.charge_point_id != cp_id:
            log.warning("%s used unknown reservation %s", cp_id, reservation_id)
            return None
        return await self._move(r, "Used", transaction_id=transaction_id)

    async def status_update(self, cp_id: str, reservation_id: int, update: str) -> Reservation | None:
        """2.0.1 ReservationStatusUpdate: Expired, or Removed (the charge point dropped it)."""
        r = await self.reservations.get(reservation_id)
        if r is None or r.charge_point_id != cp_id:
            log.warning("%s updated unknown reservation %s to %s", cp_id, reservation_id, update)
            return None
        if update == "Expired":
            return await self._move(r, "Expired", reason="expired on the charge point")
        return await self._move(r, "Cleared", reason="removed by the charge point")

    async def on_transaction_started(self, e: events.TransactionStarted) -> None:
        """A transaction that named no reservation may still use one held for its id tag."""
        if e.id_tag and e.reservation_id is None:
            await self.used_by_tag(e.charge_point_id, e.id_tag, e.transaction_id)

    async def used_by_tag(self, cp_id: str, id_tag: str, transaction_id: int) -> Reservation | None:
        """A transaction started with the id tag a reservation of this charge point holds for: the
        reservation is used, whether or not the charge point named it (2.0.1 stations often do not)."""
        for r in await self.reservations.accepted(charge_point_id=cp_id):
            if r.id_tag == id_tag:
                return await self.used(cp_id, r.id, transaction_id)
        return None

    async def on_connector_status(self, event: events.ConnectorStatusChanged) -> None:
        """A connector (or, evse 0, the whole charge point) went Faulted/Unavailable: the charge point
        drops the reservations it held there."""
        if event.status not in CLEARING_STATUSES:
            return
        for r in await self.reservations.accepted(charge_point_id=event.charge_point_id):
            if event.evse_id == 0 or r.connector_id == event.evse_id:
                await self._move(r, "Cleared", reason=f"connector {event.status}")

    # -- jobs and queries --------------------------------------------------------------------------
    async def expire_due(self) -> list[Reservation]:
        expired = []
        for r in await self.reservations.accepted(expiring_by=self.clock.now()):
            done = await self._move(r, "Expired", reason="expiry date passed")
            if done is not None:
                expired.append(done)
        return expired

    async def get(self, reservation_id: int) -> Reservation | None:
        return await self.reservations.get(reservation_id)

    async def list(self, **filters: Any):
        return await self.reservations.list(**filters)

    async def _move(self, r: Reservation, target: str, **fields: Any) -> Reservation | None:
        """Compare-and-set along the state machine; None when not allowed or someone got there first
        (a retried message changes nothing twice)."""
        if r.status == target or not RESERVATION.can(r.status, target):
            if r.status != target:
                log.info("reservation %s: %s -> %s ignored", r.id, r.status, target)
            return None
        return await self.reservations.transition(r.id, r.status, status=target, **fields)
