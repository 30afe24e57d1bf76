"""Reservations and the local authorization list, version-neutral: records, the reservation
lifecycle, the commands sent to charge points, and the repository interfaces (no I/O here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from csms.domain.models import Page
from csms.domain.states import StateMachine

# -- reservation lifecycle ---------------------------------------------------------------------------
# Requested: stored, ReserveNow on its way (the row's id is the OCPP reservationId).
# Rejected: the charge point said Faulted | Occupied | Unavailable | Rejected (kept in ``ocpp_status``).
# Failed: no verdict (offline, timeout, CALLERROR, payload refused by the version's schema).
# Cleared: the charge point dropped it (its connector went Faulted/Unavailable, or 2.0.1 "Removed").
RESERVATION = StateMachine("reservation", {
    "Requested": {"Accepted", "Rejected", "Failed"},
    "Accepted": {"Used", "Cancelled", "Expired", "Cleared"},
    "Rejected": set(),
    "Failed": set(),
    "Used": set(),
    "Cancelled": set(),
    "Expired": set(),
    "Cleared": set(),
})
RESERVATION_STATES = ("Requested", "Accepted", "Rejected", "Failed", "Used", "Cancelled", "Expired", "Cleared")
RESERVE_VERDICTS = ("Accepted", "Faulted", "Occupied", "Rejected", "Unavailable")
# connector statuses that make a charge point drop the reservations on that connector
CLEARING_STATUSES = frozenset({"Faulted", "Unavailable"})


def after_verdict(ocpp_status: str) -> str:
    """The lifecycle state a ReserveNow answer leads to."""
    return "Accepted" if ocpp_status == "Accepted" else "Rejected"


@dataclass(frozen=True)
class Reservation:
    id: int                           # also the OCPP reservationId
    charge_point_id: str
    connector_id: int                 # 1.6 connector / 2.0.1 EVSE; 0 = any
    id_tag: str
    expiry_date: datetime
    status: str = "Requested"
    parent_id_tag: str | None = None
    connector_type: str | None = None  # 2.0.1 only
    ocpp_status: str | None = None    # the charge point's ReserveNow verdict
    transaction_id: int | None = None  # set when Used
    reason: str | None = None         # why it ended (e.g. "connector Faulted", "Removed")
    created_at: datetime | None = None
    updated_at: datetime | None = None


# -- local authorization list ------------------------------------------------------------------------
@dataclass(frozen=True)
class LocalAuthEntry:
    id_tag: str
    status: str | None = None         # None in a Differential update = remove this tag from the list
    expiry_date: datetime | None = None
    group_id: str | None = None
    token_type: str = "ISO14443"      # 2.0.1 IdTokenEnumType


@dataclass(frozen=True)
class LocalList:
    charge_point_id: str
    version: int = 0                  # 0: nothing sent (or accepted) yet
    entries: tuple[LocalAuthEntry, ...] = ()
    updated_at: datetime | None = None


# -- commands ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReserveNow:
    reservation_id: int
    connector_id: int
    id_tag: str
    expiry_date: datetime
    parent_id_tag: str | None = None
    connector_type: str | None = None
    token_type: str = "ISO14443"


@dataclass(frozen=True)
class CancelReservation:
    reservation_id: int


@dataclass(frozen=True)
class SendLocalList:
    version: int
    update_type: str                  # Full | Differential
    entries: tuple[LocalAuthEntry, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class GetLocalListVersion:
    pass


# -- repositories ------------------------------------------------------------------------------------
class ReservationRepository(Protocol):
    async def create(self, **fields: Any) -> Reservation: ...
    async def get(self, reservation_id: int) -> Reservation | None: ...
    async def transition(self, reservation_id: int, expected: str, **fields: Any) -> Reservation | None:
        """Set fields (status included) only if the status is still ``expected``; None if not."""
    async def list(self, *, charge_point_id: str | None = None, status: str | None = None,
                   limit: int = 50, offset: int = 0) -> Page: ...
    async def accepted(self, *, charge_point_id: str | None = None,
                       expiring_by: datetime | None = None) -> list[Reservation]:
        """Accepted reservations, of one charge point and/or whose expiry is at or before a time."""


class LocalListRepository(Protocol):
    async def get(self, cp_id: str) -> LocalList: ...
    async def replace(self, cp_id: str, version: int, entries: list[LocalAuthEntry], at: datetime) -> None: ...
    async def apply(self, cp_id: str, version: int, upserts: list[LocalAuthEntry], removals: list[str],
                    at: datetime) -> None: ...
