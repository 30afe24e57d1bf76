"""SQL repositories of the abnormal-order review (csms.domain.order_review): the review queue and
what the checks read beyond the order repositories."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import case, func, literal, select, update

from csms.db import tables as core
from csms.db import tables_backoffice as t
from csms.db import tables_drivers as drivers
from csms.db.repositories import _Repo, _to
from csms.domain.models import Page
from csms.domain.order_review import Anomaly, OrderReview, WalletTotals
from csms.domain.orders import Order


def _review(row) -> OrderReview | None:
    if row is None:
        return None
    m = dict(row._mapping)
    anomalies = tuple(Anomaly(a["code"], a["detail"]) for a in json.loads(m.pop("anomalies")))
    m.pop("codes")
    return OrderReview(**m, anomalies=anomalies)


def _anomaly_fields(anomalies: Iterable[Anomaly]) -> dict:
    items = list(anomalies)
    return {"codes": ",".join(a.code for a in items)[:255],
            "anomalies": json.dumps([{"code": a.code, "detail": a.detail} for a in items], ensure_ascii=False)}


class SqlReviewRepository(_Repo):
    async def add(self, order: Order, anomalies: Iterable[Anomaly]) -> OrderReview:
        now = self.clock.now()
        async with self.engine.begin() as s:
            rid = (await s.execute(t.order_reviews.insert().values(
                order_id=order.id, user_id=order.user_id, station_id=order.station_id,
                charge_point_id=order.charge_point_id, state="flagged", created_at=now, updated_at=now,
                **_anomaly_fields(anomalies)))).inserted_primary_key[0]
        return await self.get(rid)

    async def get(self, review_id: int) -> OrderReview | None:
        return _review(await self._one(select(t.order_reviews).where(t.order_reviews.c.id == review_id)))

    async def of_order(self, order_id: int) -> list[OrderReview]:
        c = t.order_reviews.c
        async with self.engine.connect() as s:
            rows = (await s.execute(select(t.order_reviews).where(c.order_id == order_id).order_by(c.id))).all()
        return [_review(r) for r in rows]

    async def add_anomalies(self, review_id: int, anomalies: Iterable[Anomaly]) -> OrderReview | None:
        c = t.order_reviews.c
        changed = await self._write(update(t.order_reviews).where(c.id == review_id, c.state == "flagged")
                                    .values(**_anomaly_fields(anomalies), updated_at=self.clock.now()))
        return await self.get(review_id) if changed else None

    async def decide(self, review_id: int, state: str, **f: Any) -> OrderReview | None:
        c = t.order_reviews.c
        now = self.clock.now()
        changed = await self._write(update(t.order_reviews).where(c.id == review_id, c.state == "flagged")
                                    .values(**f, state=state, decided_at=now, updated_at=now))
        return await self.get(review_id) if changed else None

    async def list(self, *, state: str | None = None, code: str | None = None, station_id: int | None = None,
                   user_id: int | None = None, limit: int = 50, offset: int = 0) -> Page:
        c = t.order_reviews.c
        where = []
        if state is not None:
            where.append(c.state == state)
        if code is not None:
            where.append(literal(",").concat(c.codes).concat(",").like(f"%,{code},%"))
        if station_id is not None:
            where.append(c.station_id == station_id)
        if user_id is not None:
            where.append(c.user_id == user_id)
        async with self.engine.connect() as s:
            total = (await s.execute(select(func.count()).select_from(t.order_reviews).where(*where))).scalar_one()
            rows = (await s.execute(select(t.order_reviews).where(*where).order_by(c.id.desc())
                                    .limit(limit).offset(offset))).all()
        return Page([_review(r) for r in rows], total, limit, offset)


class SqlOrderCheckSource(_Repo):
    async def changed_orders(self, since: datetime, limit: int = 500) -> list[Order]:
        c = drivers.orders.c
        async with self.engine.connect() as s:
            rows = (await s.execute(select(drivers.orders).where(c.updated_at >= since)
                                    .order_by(c.updated_at, c.id).limit(limit))).all()
        return [_to(Order, r) for r in rows]

    async def wallet_totals(self, order_id: int) -> WalletTotals:
        c = drivers.ledger.c
        refund = c.kind == "refund"
        stmt = select(
            func.coalesce(func.sum(case((c.kind == "charge", -c.amount_fen), else_=0)), 0),
            func.coalesce(func.sum(case((refund, c.amount_fen), else_=0)), 0),
            func.coalesce(func.sum(case((refund & c.ref.like("%:adjust:%"), c.amount_fen), else_=0)), 0),
        ).where(c.order_id == order_id)
        async with self.engine.connect() as s:
            charged, refunded, returned = (await s.execute(stmt)).one()
        return WalletTotals(int(charged), int(refunded), int(returned))

    async def tag_transactions(self, id_tag: str) -> int:
        c = core.transactions.c
        async with self.engine.connect() as s:
            return int((await s.execute(select(func.count()).select_from(core.transactions)
                                        .where(c.id_tag == id_tag))).scalar_one())
