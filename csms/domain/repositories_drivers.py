"""The interfaces driver services depend on (records in csms.domain.orders). SQL implementations:
csms/db/repositories_drivers.py and repositories_driver_reservations.py; unit tests use the
in-memory ones in tests/fakes_drivers.py, and tests/contract/ runs both against the same rules.

Rules every implementation keeps: ``transition`` is a compare-and-set (None when the state was not
one of ``expected``), a retried write under the same idempotency key (wallet ref, out_refund_no,
notification id, openid) returns the first one, a wallet debit beyond the balance raises
InsufficientFunds and changes nothing, a taken unique key on create raises Conflict, and lists are
newest first."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

from csms.domain.models import Page
from csms.domain.orders import BillLine, LedgerEntry, Order, Payment, RefreshToken, Refund, User


class UserRepository(Protocol):
    async def get(self, user_id: int) -> User | None: ...
    async def get_by_openid(self, openid: str) -> User | None: ...
    async def upsert_by_openid(self, openid: str, **fields: Any) -> tuple[User, bool]:
        """The user of this openid, created (True) on first login with a zero balance; two logins
        racing create one user."""
    async def update(self, user_id: int, **fields: Any) -> User | None: ...
    async def list(self, *, q: str | None = None, phone_hash: str | None = None, blocked: bool | None = None,
                   limit: int = 50, offset: int = 0) -> Page:
        """Newest first; ``q`` is part of the nickname or masked phone, or the whole openid; or the
        phone number's lookup hash is ``phone_hash`` (either matches). ``blocked``: only blocked (True)
        or only not blocked (False) drivers."""


class RefreshTokenRepository(Protocol):
    async def add(self, token_hash: str, user_id: int, family: str, expires_at: datetime) -> None:
        """Raises Conflict when the hash is stored already."""
    async def get(self, token_hash: str) -> RefreshToken | None: ...
    async def rotate(self, token_hash: str, at: datetime) -> bool:
        """Mark a live token used; False when it was already rotated or revoked (a reuse)."""
    async def revoke_family(self, family: str, at: datetime) -> int:
        """Revoke the family's tokens not revoked yet; how many."""
    async def purge_expired(self, before: datetime) -> int: ...


class OrderRepository(Protocol):
    async def create(self, **fields: Any) -> Order:
        """Raises Conflict when the id tag or transaction id belongs to another order."""
    async def get(self, order_id: int) -> Order | None: ...
    async def find(self, *, id_tag: str | None = None, transaction_id: int | None = None,
                   remote_start_id: int | None = None) -> Order | None:
        """The newest order with this id tag, else this transaction, else this remote start id."""
    async def transition(self, order_id: int, expected: str | Iterable[str], **fields: Any) -> Order | None: ...
    async def update(self, order_id: int, **fields: Any) -> None: ...
    async def settle(self, order_id: int, expected: str | Iterable[str], lines: list[BillLine],
                     **fields: Any) -> Order | None:
        """Move to settling with the bill (lines replace any earlier ones): all or nothing."""
    async def add_idle_fee(self, order_id: int, fee_fen: int) -> Order | None:
        """Add the idle fee to a finished order once (None when it has one or is not finished)."""
    async def add_paid(self, order_id: int, amount_fen: int) -> Order | None: ...
    async def last_on(self, charge_point_id: str, connector_id: int) -> Order | None: ...
    async def bill_lines(self, order_id: int) -> list[BillLine]:
        """By start time."""
    async def list(self, *, user_id: int | None = None, state: str | None = None, station_id: int | None = None,
                   limit: int = 50, offset: int = 0) -> Page: ...
    async def idle(self) -> list[Order]:
        """Orders with ``idle_since`` set (idle fee pending), oldest first."""
    async def open_orders(self, *, user_id: int | None = None, charge_point_id: str | None = None,
                          connector_id: int | None = None) -> list[Order]:
        """Orders in an open state (OPEN_ORDER_STATES), oldest first."""


class WalletRepository(Protocol):
    async def move(self, user_id: int, kind: str, amount_fen: int, ref: str, *, note: str = "",
                   order_id: int | None = None, payment_id: int | None = None) -> tuple[LedgerEntry, bool]:
        """Add ``amount_fen`` (signed) to the balance and write the ledger entry, together. A movement
        already made under ``ref`` is returned unchanged (False). A debit beyond the balance, or a
        movement of an unknown user, raises InsufficientFunds and changes nothing."""
    async def entries(self, user_id: int, *, limit: int = 50, offset: int = 0) -> Page: ...
    async def total(self, user_id: int) -> int:
        """The sum of the user's ledger (equals the balance)."""


class PaymentRepository(Protocol):
    async def create(self, **fields: Any) -> Payment:
        """Raises Conflict when the out_trade_no is taken."""
    async def get(self, payment_id: int) -> Payment | None: ...
    async def get_by_out_trade_no(self, out_trade_no: str) -> Payment | None: ...
    async def for_order(self, order_id: int) -> Payment | None:
        """The newest prepayment of an order."""
    async def transition(self, payment_id: int, expected: str | Iterable[str], **fields: Any) -> Payment | None: ...
    async def update(self, payment_id: int, **fields: Any) -> None: ...
    async def add_refunded(self, payment_id: int, amount_fen: int) -> Payment | None: ...
    async def list(self, *, user_id: int | None = None, state: str | None = None, limit: int = 50,
                   offset: int = 0) -> Page: ...
    async def pending_before(self, at: datetime) -> list[Payment]:
        """Pending payments created before ``at`` and not queried since (oldest first, at most 200)."""
    async def paid_between(self, start: datetime, end: datetime) -> list[Payment]:
        """Paid at or after ``start`` and before ``end``, oldest first."""


class RefundRepository(Protocol):
    async def create(self, **fields: Any) -> tuple[Refund, bool]:
        """A refund under its out_refund_no, once: a second create returns the first (False)."""
    async def get_by_no(self, out_refund_no: str) -> Refund | None: ...
    async def transition(self, refund_id: int, expected: str | Iterable[str], **fields: Any) -> Refund | None: ...
    async def for_payment(self, payment_id: int) -> list[Refund]: ...
    async def processing(self) -> list[Refund]:
        """Refunds WeChat has not finished (processing or abnormal), oldest first, at most 200."""


class NotificationLog(Protocol):
    async def seen(self, notification_id: str) -> bool: ...
    async def record(self, notification_id: str, kind: str, body: str) -> bool:
        """True the first time this notification id is seen; False for a replay."""


class SubscriptionRepository(Protocol):
    async def add(self, user_id: int, template_id: str, n: int = 1) -> int:
        """Grant ``n`` more subscribe messages of a template; the quota after."""
    async def take(self, user_id: int, template_id: str) -> bool:
        """Use one; False when none is left."""
    async def quotas(self, user_id: int) -> dict[str, int]: ...


class DriverReservationRepository(Protocol):
    async def add(self, reservation_id: int, user_id: int, fee_fen: int) -> None:
        """Raises Conflict when the reservation has a holder already."""
    async def holder(self, reservation_id: int) -> int | None: ...
    async def of_user(self, user_id: int) -> list[tuple[int, int]]:
        """(reservation id, fee) of a driver's reservations, newest first (at most 100)."""
