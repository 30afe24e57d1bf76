"""In-memory stand-ins for the driver-side repositories of csms.domain.repositories_drivers, with the
SQL ones' rules (tests/contract/ runs both against them): ``transition`` is a compare-and-set,
retried writes under the same key return the first, a wallet debit beyond the balance raises
InsufficientFunds, a taken unique key on create raises Conflict, lists are newest first. Rows are
stamped with the clock they are given. Foreign keys are not checked: services write existing parents."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields, replace
from datetime import datetime
from typing import Any, Callable

from csms.domain.models import Page
from csms.domain.orders import (
    FINISHED_ORDER_STATES,
    OPEN_ORDER_STATES,
    BillLine,
    InsufficientFunds,
    LedgerEntry,
    Order,
    Payment,
    RefreshToken,
    Refund,
    User,
)
from csms.domain.repositories import Conflict
from tests.fakes import FakeClock, _known, _page


def contains(text: str | None, q: str) -> bool:
    """SQL ``LIKE '%q%'`` as both databases compare here: ASCII case ignored, NULL never matches."""
    return text is not None and q.lower() in text.lower()


def _states(expected: str | Iterable[str]) -> set[str]:
    return {expected} if isinstance(expected, str) else set(expected)


class _Table:
    """Rows of one record type by id, with the id sequence and the stamping clock."""

    record: type

    def __init__(self, clock: FakeClock | None = None):
        self.clock = clock or FakeClock()
        self.rows: dict[int, Any] = {}
        self._next = 1

    def _insert(self, values: dict) -> Any:
        row = self.record(**_known(self.record, {"id": self._next, **values}))
        self.rows[row.id] = row
        self._next += 1
        return row

    def _create(self, values: dict, *unique: str) -> Any:
        """Insert a row stamped now; Conflict when it would repeat a ``unique`` value of another row."""
        if any(values.get(k) is not None and getattr(r, k) == values[k] for r in self.rows.values() for k in unique):
            raise Conflict(f"{self.record.__name__} exists")
        now = self.clock.now()
        return self._insert({**values, "created_at": now, "updated_at": now})

    def _set(self, row_id: int, f: dict, stamp: bool = True) -> Any:
        if row_id not in self.rows:
            return None
        extra = {"updated_at": self.clock.now()} if stamp else {}
        self.rows[row_id] = replace(self.rows[row_id], **_known(self.record, f), **extra)
        return self.rows[row_id]

    def _cas(self, row_id: int, expected: str | Iterable[str], f: dict) -> Any:
        row = self.rows.get(row_id)
        if row is None or row.state not in _states(expected):
            return None
        return self._set(row_id, f)

    def _where(self, keep: Callable[[Any], bool], *, newest_first: bool = False) -> list:
        return sorted((r for r in self.rows.values() if keep(r)), key=lambda r: r.id, reverse=newest_first)


class FakeUserRepository(_Table):
    record = User

    async def get(self, user_id: int) -> User | None:
        return self.rows.get(user_id)

    async def get_by_openid(self, openid: str) -> User | None:
        return next((u for u in self.rows.values() if u.openid == openid), None)

    async def upsert_by_openid(self, openid: str, **f: Any) -> tuple[User, bool]:
        user = await self.get_by_openid(openid)
        if user is not None:
            return user, False
        now = self.clock.now()
        return self._insert(dict({"nickname": "", "avatar_url": "", **f}, openid=openid, balance_fen=0, active=1,
                                 created_at=now, updated_at=now)), True

    async def update(self, user_id: int, **f: Any) -> User | None:
        return self._set(user_id, f)

    async def list(self, *, q: str | None = None, phone_hash: str | None = None, blocked: bool | None = None,
                   limit: int = 50, offset: int = 0) -> Page:
        def found(u: User) -> bool:
            if not q and not phone_hash:
                return True
            return bool(q and (contains(u.nickname, q) or u.openid == q or contains(u.phone_masked, q))) or \
                bool(phone_hash and u.phone_hash == phone_hash)
        items = self._where(lambda u: found(u) and (blocked is None or (u.blocked_at is not None) == blocked),
                            newest_first=True)
        return _page(items, limit, offset)


class FakeRefreshTokenRepository:
    def __init__(self, clock: FakeClock | None = None):
        self.clock = clock or FakeClock()
        self.rows: dict[str, RefreshToken] = {}

    async def add(self, token_hash: str, user_id: int, family: str, expires_at: datetime) -> None:
        if token_hash in self.rows:
            raise Conflict("refresh token exists")
        self.rows[token_hash] = RefreshToken(token_hash, user_id, family, expires_at, self.clock.now())

    async def get(self, token_hash: str) -> RefreshToken | None:
        return self.rows.get(token_hash)

    async def rotate(self, token_hash: str, at: datetime) -> bool:
        row = self.rows.get(token_hash)
        if row is None or row.rotated_at is not None or row.revoked_at is not None:
            return False
        self.rows[token_hash] = replace(row, rotated_at=at)
        return True

    async def revoke_family(self, family: str, at: datetime) -> int:
        live = [k for k, r in self.rows.items() if r.family == family and r.revoked_at is None]
        for k in live:
            self.rows[k] = replace(self.rows[k], revoked_at=at)
        return len(live)

    async def purge_expired(self, before: datetime) -> int:
        gone = [k for k, r in self.rows.items() if r.expires_at < before]
        for k in gone:
            del self.rows[k]
        return len(gone)


_BILL_COLUMNS = tuple(f.name for f in fields(BillLine))


class FakeOrderRepository(_Table):
    record = Order

    def __init__(self, clock: FakeClock | None = None):
        super().__init__(clock)
        self.lines: dict[int, list[BillLine]] = {}

    async def create(self, **f: Any) -> Order:
        return self._create(f, "id_tag", "transaction_id")

    async def get(self, order_id: int) -> Order | None:
        return self.rows.get(order_id)

    async def find(self, *, id_tag: str | None = None, transaction_id: int | None = None,
                   remote_start_id: int | None = None) -> Order | None:
        if id_tag is not None:
            key, value = "id_tag", id_tag
        elif transaction_id is not None:
            key, value = "transaction_id", transaction_id
        else:
            key, value = "remote_start_id", remote_start_id
        return next(iter(self._where(lambda o: getattr(o, key) == value, newest_first=True)), None)

    async def transition(self, order_id: int, expected: str | Iterable[str], **f: Any) -> Order | None:
        return self._cas(order_id, expected, f)

    async def update(self, order_id: int, **f: Any) -> None:
        self._set(order_id, f)

    async def settle(self, order_id: int, expected: str | Iterable[str], lines: list[BillLine],
                     **f: Any) -> Order | None:
        if "state" in f:
            raise TypeError("settle sets the state itself")
        order = self._cas(order_id, expected, {**f, "state": "settling"})
        if order is not None:
            self.lines[order_id] = [BillLine(**{k: getattr(ln, k) for k in _BILL_COLUMNS}) for ln in lines]
        return order

    async def add_idle_fee(self, order_id: int, fee_fen: int) -> Order | None:
        o = self.rows.get(order_id)
        if o is None or o.idle_fee_fen != 0 or o.state not in FINISHED_ORDER_STATES:
            return None
        return self._set(order_id, {"idle_fee_fen": fee_fen, "total_fen": o.total_fen + fee_fen})

    async def add_paid(self, order_id: int, amount_fen: int) -> Order | None:
        o = self.rows.get(order_id)
        return None if o is None else self._set(order_id, {"paid_fen": o.paid_fen + amount_fen})

    async def last_on(self, charge_point_id: str, connector_id: int) -> Order | None:
        return next(iter(self._where(lambda o: (o.charge_point_id, o.connector_id) == (charge_point_id, connector_id),
                                     newest_first=True)), None)

    async def bill_lines(self, order_id: int) -> list[BillLine]:
        return sorted(self.lines.get(order_id, ()), key=lambda ln: ln.start)

    async def list(self, *, user_id: int | None = None, state: str | None = None, station_id: int | None = None,
                   limit: int = 50, offset: int = 0) -> Page:
        items = self._where(lambda o: (user_id is None or o.user_id == user_id) and (state is None or o.state == state)
                            and (station_id is None or o.station_id == station_id), newest_first=True)
        return _page(items, limit, offset)

    async def idle(self) -> list[Order]:
        return self._where(lambda o: o.idle_since is not None)

    async def open_orders(self, *, user_id: int | None = None, charge_point_id: str | None = None,
                          connector_id: int | None = None) -> list[Order]:
        return self._where(lambda o: o.state in OPEN_ORDER_STATES and (user_id is None or o.user_id == user_id)
                           and (charge_point_id is None or o.charge_point_id == charge_point_id)
                           and (connector_id is None or o.connector_id == connector_id))


class FakeWalletRepository(_Table):
    """The ledger; balances live on the users of ``users``, as they do in the users table."""
    record = LedgerEntry

    def __init__(self, users: FakeUserRepository, clock: FakeClock | None = None):
        super().__init__(clock or users.clock)
        self.users = users

    async def move(self, user_id: int, kind: str, amount_fen: int, ref: str, *, note: str = "",
                   order_id: int | None = None, payment_id: int | None = None) -> tuple[LedgerEntry, bool]:
        existing = next((e for e in self.rows.values() if e.ref == ref), None)
        if existing is not None:
            return existing, False
        user = self.users.rows.get(user_id)
        if user is None or user.balance_fen + amount_fen < 0:
            raise InsufficientFunds(f"user {user_id}: balance below {-amount_fen} fen")
        user = self.users._set(user_id, {"balance_fen": user.balance_fen + amount_fen})
        return self._insert({"user_id": user_id, "kind": kind, "amount_fen": amount_fen,
                             "balance_after_fen": user.balance_fen, "ref": ref, "note": note, "order_id": order_id,
                             "payment_id": payment_id, "created_at": self.clock.now()}), True

    async def entries(self, user_id: int, *, limit: int = 50, offset: int = 0) -> Page:
        return _page(self._where(lambda e: e.user_id == user_id, newest_first=True), limit, offset)

    async def total(self, user_id: int) -> int:
        return sum(e.amount_fen for e in self.rows.values() if e.user_id == user_id)


class FakePaymentRepository(_Table):
    record = Payment

    async def create(self, **f: Any) -> Payment:
        return self._create(f, "out_trade_no", "wx_transaction_id")

    async def get(self, payment_id: int) -> Payment | None:
        return self.rows.get(payment_id)

    async def get_by_out_trade_no(self, out_trade_no: str) -> Payment | None:
        return next((p for p in self.rows.values() if p.out_trade_no == out_trade_no), None)

    async def for_order(self, order_id: int) -> Payment | None:
        return next(iter(self._where(lambda p: p.order_id == order_id and p.kind == "prepay", newest_first=True)),
                    None)

    async def transition(self, payment_id: int, expected: str | Iterable[str], **f: Any) -> Payment | None:
        return self._cas(payment_id, expected, f)

    async def update(self, payment_id: int, **f: Any) -> None:
        self._set(payment_id, f)

    async def add_refunded(self, payment_id: int, amount_fen: int) -> Payment | None:
        p = self.rows.get(payment_id)
        return None if p is None else self._set(payment_id, {"refunded_fen": p.refunded_fen + amount_fen})

    async def list(self, *, user_id: int | None = None, state: str | None = None, limit: int = 50,
                   offset: int = 0) -> Page:
        items = self._where(lambda p: (user_id is None or p.user_id == user_id) and (state is None or p.state == state),
                            newest_first=True)
        return _page(items, limit, offset)

    async def pending_before(self, at: datetime) -> list[Payment]:
        return self._where(lambda p: p.state == "pending" and (p.last_query_at is None or p.last_query_at < at)
                           and p.created_at < at)[:200]

    async def paid_between(self, start: datetime, end: datetime) -> list[Payment]:
        return self._where(lambda p: p.paid_at is not None and start <= p.paid_at < end)


class FakeRefundRepository(_Table):
    record = Refund

    async def create(self, **f: Any) -> tuple[Refund, bool]:
        existing = await self.get_by_no(f["out_refund_no"])
        return (existing, False) if existing is not None else (self._create(f), True)

    async def get_by_no(self, out_refund_no: str) -> Refund | None:
        return next((r for r in self.rows.values() if r.out_refund_no == out_refund_no), None)

    async def transition(self, refund_id: int, expected: str | Iterable[str], **f: Any) -> Refund | None:
        return self._cas(refund_id, expected, f)

    async def for_payment(self, payment_id: int) -> list[Refund]:
        return self._where(lambda r: r.payment_id == payment_id)

    async def processing(self) -> list[Refund]:
        return self._where(lambda r: r.state in ("processing", "abnormal"))[:200]


class FakeNotificationLog:
    def __init__(self, clock: FakeClock | None = None):
        self.clock = clock or FakeClock()
        self.rows: dict[str, tuple[str, str, datetime]] = {}     # id -> (kind, body, received_at)

    async def seen(self, notification_id: str) -> bool:
        return notification_id in self.rows

    async def record(self, notification_id: str, kind: str, body: str) -> bool:
        if notification_id in self.rows:
            return False
        self.rows[notification_id] = (kind, body, self.clock.now())
        return True


class FakeSubscriptionRepository:
    def __init__(self, clock: FakeClock | None = None):
        self.clock = clock or FakeClock()
        self.rows: dict[tuple[int, str], int] = {}               # (user id, template id) -> quota

    async def add(self, user_id: int, template_id: str, n: int = 1) -> int:
        self.rows[(user_id, template_id)] = self.rows.get((user_id, template_id), 0) + n
        return self.rows[(user_id, template_id)]

    async def take(self, user_id: int, template_id: str) -> bool:
        if self.rows.get((user_id, template_id), 0) <= 0:
            return False
        self.rows[(user_id, template_id)] -= 1
        return True

    async def quotas(self, user_id: int) -> dict[str, int]:
        return {template: n for (uid, template), n in self.rows.items() if uid == user_id}


class FakeDriverReservationRepository:
    def __init__(self, clock: FakeClock | None = None):
        self.clock = clock or FakeClock()
        self.rows: dict[int, tuple[int, int, datetime]] = {}     # reservation id -> (user id, fee, created_at)

    async def add(self, reservation_id: int, user_id: int, fee_fen: int) -> None:
        if reservation_id in self.rows:
            raise Conflict(f"holder of reservation {reservation_id} exists")
        self.rows[reservation_id] = (user_id, fee_fen, self.clock.now())

    async def holder(self, reservation_id: int) -> int | None:
        row = self.rows.get(reservation_id)
        return row[0] if row else None

    async def of_user(self, user_id: int) -> list[tuple[int, int]]:
        return [(rid, fee) for rid, (uid, fee, _) in sorted(self.rows.items(), reverse=True) if uid == user_id][:100]
