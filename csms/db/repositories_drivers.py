"""SQL repositories of driver services (records in csms.domain.orders): users and refresh tokens,
orders and bill lines, the wallet ledger, payments, refunds, notification log, subscribe quotas."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from csms.db import tables_drivers as t
from csms.db.repositories import _Repo, _to
from csms.domain.models import Page
from csms.domain.orders import (FINISHED_ORDER_STATES, OPEN_ORDER_STATES, BillLine, InsufficientFunds, LedgerEntry,
                                Order, Payment, RefreshToken, Refund, User)


class SqlUserRepository(_Repo):
    async def get(self, user_id: int) -> User | None:
        return _to(User, await self._one(select(t.users).where(t.users.c.id == user_id)))

    async def get_by_openid(self, openid: str) -> User | None:
        return _to(User, await self._one(select(t.users).where(t.users.c.openid == openid)))

    async def upsert_by_openid(self, openid: str, **f: Any) -> tuple[User, bool]:
        """The user of this openid, created on first login (two logins racing create one user)."""
        user = await self.get_by_openid(openid)
        if user is not None:
            return user, False
        ts = self.clock.now()
        f.setdefault("nickname", "")
        f.setdefault("avatar_url", "")
        try:
            async with self.engine.begin() as s:
                await s.execute(t.users.insert().values(openid=openid, balance_fen=0, active=1,
                                                        created_at=ts, updated_at=ts, **f))
        except IntegrityError:
            return await self.get_by_openid(openid), False
        return await self.get_by_openid(openid), True

    async def update(self, user_id: int, **f: Any) -> User | None:
        await self._write(update(t.users).where(t.users.c.id == user_id).values(**f, updated_at=self.clock.now()))
        return await self.get(user_id)

    async def list(self, *, q: str | None = None, phone_hash: str | None = None, blocked: bool | None = None,
                   limit: int = 50, offset: int = 0) -> Page:
        c = t.users.c
        where, found = [], []
        if q:
            like = f"%{q}%"
            found += [c.nickname.like(like), c.openid == q, c.phone_masked.like(like)]
        if phone_hash:
            found.append(c.phone_hash == phone_hash)
        if found:
            where.append(or_(*found))
        if blocked is not None:
            where.append(c.blocked_at.is_not(None) if blocked else c.blocked_at.is_(None))
        return await self._page(User, t.users, where, [c.id.desc()], limit, offset)


class SqlRefreshTokenRepository(_Repo):
    async def add(self, token_hash: str, user_id: int, family: str, expires_at: datetime) -> None:
        await self._insert_unique(t.refresh_tokens, {"id": token_hash, "user_id": user_id, "family": family,
                                                     "expires_at": expires_at, "created_at": self.clock.now()},
                                  "refresh token", "id")

    async def get(self, token_hash: str) -> RefreshToken | None:
        return _to(RefreshToken, await self._one(select(t.refresh_tokens).where(t.refresh_tokens.c.id == token_hash)))

    async def rotate(self, token_hash: str, at: datetime) -> bool:
        """Mark a live token used; False when it was already rotated or revoked (a reuse)."""
        c = t.refresh_tokens.c
        return bool(await self._write(update(t.refresh_tokens).where(
            c.id == token_hash, c.rotated_at.is_(None), c.revoked_at.is_(None)).values(rotated_at=at)))

    async def revoke_family(self, family: str, at: datetime) -> int:
        c = t.refresh_tokens.c
        return await self._write(update(t.refresh_tokens).where(c.family == family, c.revoked_at.is_(None))
                                 .values(revoked_at=at))

    async def purge_expired(self, before: datetime) -> int:
        return await self._write(delete(t.refresh_tokens).where(t.refresh_tokens.c.expires_at < before))


class SqlOrderRepository(_Repo):
    async def create(self, **f: Any) -> Order:
        ts = self.clock.now()
        oid = await self._insert_unique(t.orders, {**f, "created_at": ts, "updated_at": ts}, "order",
                                        "id_tag", "transaction_id")
        return await self.get(oid)

    async def get(self, order_id: int) -> Order | None:
        return _to(Order, await self._one(select(t.orders).where(t.orders.c.id == order_id)))

    async def find(self, *, id_tag: str | None = None, transaction_id: int | None = None,
                   remote_start_id: int | None = None) -> Order | None:
        c = t.orders.c
        if id_tag is not None:
            cond = c.id_tag == id_tag
        elif transaction_id is not None:
            cond = c.transaction_id == transaction_id
        else:
            cond = c.remote_start_id == remote_start_id
        return _to(Order, await self._one(select(t.orders).where(cond).order_by(c.id.desc()).limit(1)))

    async def transition(self, order_id: int, expected: str | Iterable[str], **f: Any) -> Order | None:
        """Change an order only if it is still in ``expected``; None when it was not (lost a race)."""
        c = t.orders.c
        states = [expected] if isinstance(expected, str) else list(expected)
        changed = await self._write(update(t.orders).where(c.id == order_id, c.state.in_(states))
                                    .values(**f, updated_at=self.clock.now()))
        return await self.get(order_id) if changed else None

    async def update(self, order_id: int, **f: Any) -> None:
        await self._write(update(t.orders).where(t.orders.c.id == order_id).values(**f, updated_at=self.clock.now()))

    async def settle(self, order_id: int, expected: str | Iterable[str], lines: list[BillLine],
                     **f: Any) -> Order | None:
        """Move to settling with the bill: the lines and the totals are written together or not at all."""
        c = t.orders.c
        states = [expected] if isinstance(expected, str) else list(expected)
        async with self.engine.begin() as s:
            changed = (await s.execute(update(t.orders).where(c.id == order_id, c.state.in_(states))
                                       .values(**f, state="settling", updated_at=self.clock.now()))).rowcount
            if not changed:
                return None
            await s.execute(delete(t.bill_lines).where(t.bill_lines.c.order_id == order_id))
            if lines:
                await s.execute(t.bill_lines.insert(), [
                    {"order_id": order_id, "period": ln.period, "start": ln.start, "end": ln.end,
                     "energy_wh": ln.energy_wh, "energy_price": ln.energy_price, "service_price": ln.service_price,
                     "energy_fen": ln.energy_fen, "service_fen": ln.service_fen} for ln in lines])
        return await self.get(order_id)

    async def add_idle_fee(self, order_id: int, fee_fen: int) -> Order | None:
        """Add the idle fee to a finished order once (None when it has one already or is not finished)."""
        c = t.orders.c
        changed = await self._write(update(t.orders).where(
            c.id == order_id, c.idle_fee_fen == 0, c.state.in_(FINISHED_ORDER_STATES))
            .values(idle_fee_fen=fee_fen, total_fen=c.total_fen + fee_fen, updated_at=self.clock.now()))
        return await self.get(order_id) if changed else None

    async def add_paid(self, order_id: int, amount_fen: int) -> Order | None:
        c = t.orders.c
        await self._write(update(t.orders).where(c.id == order_id)
                          .values(paid_fen=c.paid_fen + amount_fen, updated_at=self.clock.now()))
        return await self.get(order_id)

    async def last_on(self, charge_point_id: str, connector_id: int) -> Order | None:
        """The newest order of a connector."""
        c = t.orders.c
        return _to(Order, await self._one(select(t.orders).where(
            c.charge_point_id == charge_point_id, c.connector_id == connector_id).order_by(c.id.desc()).limit(1)))

    async def bill_lines(self, order_id: int) -> list[BillLine]:
        bl = t.bill_lines
        async with self.engine.connect() as s:
            rows = (await s.execute(select(bl).where(bl.c.order_id == order_id).order_by(bl.c.start))).all()
        return [_to(BillLine, r) for r in rows]

    async def list(self, *, user_id: int | None = None, state: str | None = None, station_id: int | None = None,
                   limit: int = 50, offset: int = 0) -> Page:
        c = t.orders.c
        where = []
        if user_id is not None:
            where.append(c.user_id == user_id)
        if state is not None:
            where.append(c.state == state)
        if station_id is not None:
            where.append(c.station_id == station_id)
        return await self._page(Order, t.orders, where, [c.id.desc()], limit, offset)

    async def idle(self) -> list[Order]:
        """Finished orders whose car may still be on the connector (idle fee pending)."""
        c = t.orders.c
        async with self.engine.connect() as s:
            rows = (await s.execute(select(t.orders).where(c.idle_since.is_not(None)).order_by(c.id))).all()
        return [_to(Order, r) for r in rows]

    async def open_orders(self, *, user_id: int | None = None, charge_point_id: str | None = None,
                          connector_id: int | None = None) -> list[Order]:
        c = t.orders.c
        where = [c.state.in_(OPEN_ORDER_STATES)]
        if user_id is not None:
            where.append(c.user_id == user_id)
        if charge_point_id is not None:
            where.append(c.charge_point_id == charge_point_id)
        if connector_id is not None:
            where.append(c.connector_id == connector_id)
        async with self.engine.connect() as s:
            rows = (await s.execute(select(t.orders).where(*where).order_by(c.id))).all()
        return [_to(Order, r) for r in rows]


class SqlWalletRepository(_Repo):
    async def move(self, user_id: int, kind: str, amount_fen: int, ref: str, *, note: str = "",
                   order_id: int | None = None, payment_id: int | None = None) -> tuple[LedgerEntry, bool]:
        """Add ``amount_fen`` (signed) to the balance and write the ledger entry, in one transaction.
        ``ref`` makes it idempotent: a movement already made under this ref is returned unchanged
        (False). A debit beyond the balance raises InsufficientFunds and changes nothing."""
        existing = await self._by_ref(ref)
        if existing is not None:
            return existing, False
        u = t.users.c
        try:
            async with self.engine.begin() as s:
                changed = (await s.execute(
                    update(t.users).where(u.id == user_id, u.balance_fen + amount_fen >= 0)
                    .values(balance_fen=u.balance_fen + amount_fen, updated_at=self.clock.now()))).rowcount
                if not changed:
                    raise InsufficientFunds(f"user {user_id}: balance below {-amount_fen} fen")
                balance = (await s.execute(select(u.balance_fen).where(u.id == user_id))).scalar_one()
                await s.execute(t.ledger.insert().values(
                    user_id=user_id, kind=kind, amount_fen=amount_fen, balance_after_fen=balance, ref=ref,
                    note=note, order_id=order_id, payment_id=payment_id, created_at=self.clock.now()))
        except IntegrityError:     # the same ref written concurrently: that one won, this one rolled back
            return await self._by_ref(ref), False
        return await self._by_ref(ref), True

    async def _by_ref(self, ref: str) -> LedgerEntry | None:
        return _to(LedgerEntry, await self._one(select(t.ledger).where(t.ledger.c.ref == ref)))

    async def entries(self, user_id: int, *, limit: int = 50, offset: int = 0) -> Page:
        c = t.ledger.c
        return await self._page(LedgerEntry, t.ledger, [c.user_id == user_id], [c.id.desc()], limit, offset)

    async def total(self, user_id: int) -> int:
        async with self.engine.connect() as s:
            return int((await s.execute(select(func.coalesce(func.sum(t.ledger.c.amount_fen), 0))
                                        .where(t.ledger.c.user_id == user_id))).scalar_one())


class SqlPaymentRepository(_Repo):
    async def create(self, **f: Any) -> Payment:
        ts = self.clock.now()
        pid = await self._insert_unique(t.payments, {**f, "created_at": ts, "updated_at": ts}, "payment",
                                        "out_trade_no", "wx_transaction_id")
        return await self.get(pid)

    async def get(self, payment_id: int) -> Payment | None:
        return _to(Payment, await self._one(select(t.payments).where(t.payments.c.id == payment_id)))

    async def get_by_out_trade_no(self, out_trade_no: str) -> Payment | None:
        return _to(Payment, await self._one(select(t.payments).where(t.payments.c.out_trade_no == out_trade_no)))

    async def for_order(self, order_id: int) -> Payment | None:
        c = t.payments.c
        return _to(Payment, await self._one(select(t.payments).where(c.order_id == order_id, c.kind == "prepay")
                                            .order_by(c.id.desc()).limit(1)))

    async def transition(self, payment_id: int, expected: str | Iterable[str], **f: Any) -> Payment | None:
        c = t.payments.c
        states = [expected] if isinstance(expected, str) else list(expected)
        changed = await self._write(update(t.payments).where(c.id == payment_id, c.state.in_(states))
                                    .values(**f, updated_at=self.clock.now()))
        return await self.get(payment_id) if changed else None

    async def update(self, payment_id: int, **f: Any) -> None:
        await self._write(update(t.payments).where(t.payments.c.id == payment_id)
                          .values(**f, updated_at=self.clock.now()))

    async def add_refunded(self, payment_id: int, amount_fen: int) -> Payment | None:
        c = t.payments.c
        await self._write(update(t.payments).where(c.id == payment_id)
                          .values(refunded_fen=c.refunded_fen + amount_fen, updated_at=self.clock.now()))
        return await self.get(payment_id)

    async def list(self, *, user_id: int | None = None, state: str | None = None, limit: int = 50,
                   offset: int = 0) -> Page:
        c = t.payments.c
        where = []
        if user_id is not None:
            where.append(c.user_id == user_id)
        if state is not None:
            where.append(c.state == state)
        return await self._page(Payment, t.payments, where, [c.id.desc()], limit, offset)

    async def pending_before(self, at: datetime) -> list[Payment]:
        c = t.payments.c
        async with self.engine.connect() as s:
            rows = (await s.execute(select(t.payments).where(
                c.state == "pending", or_(c.last_query_at.is_(None), c.last_query_at < at), c.created_at < at)
                .order_by(c.id).limit(200))).all()
        return [_to(Payment, r) for r in rows]

    async def paid_between(self, start: datetime, end: datetime) -> list[Payment]:
        c = t.payments.c
        async with self.engine.connect() as s:
            rows = (await s.execute(select(t.payments).where(c.paid_at >= start, c.paid_at < end)
                                    .order_by(c.id))).all()
        return [_to(Payment, r) for r in rows]


class SqlRefundRepository(_Repo):
    async def create(self, **f: Any) -> tuple[Refund, bool]:
        """A refund under its out_refund_no, once: a second create returns the first (False)."""
        ts = self.clock.now()
        try:
            async with self.engine.begin() as s:
                await s.execute(t.refunds.insert().values(**f, created_at=ts, updated_at=ts))
        except IntegrityError:
            return await self.get_by_no(f["out_refund_no"]), False
        return await self.get_by_no(f["out_refund_no"]), True

    async def get_by_no(self, out_refund_no: str) -> Refund | None:
        return _to(Refund, await self._one(select(t.refunds).where(t.refunds.c.out_refund_no == out_refund_no)))

    async def transition(self, refund_id: int, expected: str | Iterable[str], **f: Any) -> Refund | None:
        c = t.refunds.c
        states = [expected] if isinstance(expected, str) else list(expected)
        changed = await self._write(update(t.refunds).where(c.id == refund_id, c.state.in_(states))
                                    .values(**f, updated_at=self.clock.now()))
        return _to(Refund, await self._one(select(t.refunds).where(c.id == refund_id))) if changed else None

    async def for_payment(self, payment_id: int) -> list[Refund]:
        c = t.refunds.c
        async with self.engine.connect() as s:
            rows = (await s.execute(select(t.refunds).where(c.payment_id == payment_id).order_by(c.id))).all()
        return [_to(Refund, r) for r in rows]

    async def processing(self) -> list[Refund]:
        c = t.refunds.c
        async with self.engine.connect() as s:
            rows = (await s.execute(select(t.refunds).where(c.state.in_(("processing", "abnormal")))
                                    .order_by(c.id).limit(200))).all()
        return [_to(Refund, r) for r in rows]


class SqlNotificationLog(_Repo):
    async def seen(self, notification_id: str) -> bool:
        return await self._one(select(t.notifications.c.id).where(t.notifications.c.id == notification_id)) is not None

    async def record(self, notification_id: str, kind: str, body: str) -> bool:
        """True the first time this notification id is seen; False for a replay."""
        try:
            async with self.engine.begin() as s:
                await s.execute(t.notifications.insert().values(id=notification_id, kind=kind, body=body,
                                                                received_at=self.clock.now()))
        except IntegrityError:
            return False
        return True


class SqlSubscriptionRepository(_Repo):
    async def add(self, user_id: int, template_id: str, n: int = 1) -> int:
        c = t.subscriptions.c
        async with self.engine.begin() as s:
            done = (await s.execute(update(t.subscriptions).where(c.user_id == user_id, c.template_id == template_id)
                                    .values(quota=c.quota + n, updated_at=self.clock.now()))).rowcount
            if not done:
                await s.execute(t.subscriptions.insert().values(user_id=user_id, template_id=template_id, quota=n,
                                                                updated_at=self.clock.now()))
            return (await s.execute(select(c.quota).where(c.user_id == user_id, c.template_id == template_id)))\
                .scalar_one()

    async def take(self, user_id: int, template_id: str) -> bool:
        c = t.subscriptions.c
        return bool(await self._write(update(t.subscriptions).where(
            c.user_id == user_id, c.template_id == template_id, c.quota > 0)
            .values(quota=c.quota - 1, updated_at=self.clock.now())))

    async def quotas(self, user_id: int) -> dict[str, int]:
        c = t.subscriptions.c
        async with self.engine.connect() as s:
            rows = (await s.execute(select(c.template_id, c.quota).where(c.user_id == user_id))).all()
        return {r.template_id: r.quota for r in rows}
