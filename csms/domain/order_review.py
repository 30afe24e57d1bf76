"""The review of abnormal orders: what the checks found (anomalies), the review's lifecycle and its
store. An order is flagged by the checks at settlement and by the sweep (csms/services/order_review.py);
a reviewer approves it, adjusts its amount, refunds it or closes the review. The order's own state
(csms/domain/orders.py ORDER) moves only where money or billing changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Protocol

from csms.domain.models import Page
from csms.domain.orders import Order
from csms.domain.states import StateMachine

# flagged -> one decision, final. Another anomaly found after the decision opens a new review.
REVIEW = StateMachine("order_review", {
    "flagged": {"approved", "adjusted", "refunded", "closed"},
    "approved": set(),
    "adjusted": set(),
    "refunded": set(),
    "closed": set(),
})
DECISIONS = ("approve", "adjust", "refund", "close")
DECIDED = {"approve": "approved", "adjust": "adjusted", "refund": "refunded", "close": "closed"}

# what the checks look for (csms/domain/anomalies.py), in the order they are listed
CODES = ("meter_backwards", "zero_energy_long", "energy_beyond_power", "never_stopped", "duplicate_stop",
         "amount_mismatch", "paid_not_started", "billing_failed")


@dataclass(frozen=True)
class Anomaly:
    code: str
    detail: str


@dataclass(frozen=True)
class OrderReview:
    id: int
    order_id: int
    user_id: int
    charge_point_id: str
    state: str
    anomalies: tuple[Anomaly, ...]
    created_at: datetime
    updated_at: datetime
    station_id: int | None = None
    total_before_fen: int | None = None
    total_after_fen: int | None = None
    refund_fen: int | None = None
    note: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(a.code for a in self.anomalies)


@dataclass(frozen=True)
class WalletTotals:
    """The wallet movements of one order: debits (positive), credits back, and the part of the credits
    that lowered the bill (a review's adjustment) rather than refunding a paid bill."""
    charged_fen: int = 0
    refunded_fen: int = 0
    bill_returns_fen: int = 0


class ReviewRepository(Protocol):
    async def add(self, order: Order, anomalies: Iterable[Anomaly]) -> OrderReview:
        """A new flagged review of ``order``."""
    async def get(self, review_id: int) -> OrderReview | None: ...
    async def of_order(self, order_id: int) -> list[OrderReview]:
        """Every review of the order, oldest first."""
    async def add_anomalies(self, review_id: int, anomalies: Iterable[Anomaly]) -> OrderReview | None:
        """Replace a flagged review's anomalies (None when it is no longer flagged)."""
    async def decide(self, review_id: int, state: str, **fields: Any) -> OrderReview | None:
        """flagged -> ``state`` with the decision's fields, once (None when it was decided already)."""
    async def list(self, *, state: str | None = None, code: str | None = None, station_id: int | None = None,
                   user_id: int | None = None, limit: int = 50, offset: int = 0) -> Page:
        """Newest first."""


class OrderCheckSource(Protocol):
    """What the checks read beyond the order repositories."""
    async def changed_orders(self, since: datetime, limit: int = 500) -> list[Order]:
        """Orders updated at or after ``since``, oldest change first."""
    async def wallet_totals(self, order_id: int) -> WalletTotals: ...
    async def tag_transactions(self, id_tag: str) -> int:
        """How many transactions were started with this id tag."""
