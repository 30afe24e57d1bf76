"""Figures for monitoring, counted in the database (one query each, on indexed columns where it matters)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from csms.db import tables as t
from csms.db import tables_drivers as td
from csms.db import tables_security as ts
from csms.domain.orders import FINISHED_ORDER_STATES


@dataclass
class BusinessStats:
    charge_points: dict[str, int] = field(default_factory=dict)     # online / offline
    connectors: dict[str, int] = field(default_factory=dict)        # by status
    sessions_active: int = 0
    energy_wh: int = 0
    revenue_fen: int = 0
    orders: dict[str, int] = field(default_factory=dict)
    payments: dict[str, int] = field(default_factory=dict)
    alarms_open: dict[str, int] = field(default_factory=dict)
    earliest_issued_certificate_expiry: datetime | None = None


async def business_stats(db_sessions: async_sessionmaker) -> BusinessStats:
    async with db_sessions() as s:
        async def grouped(column) -> dict:
            rows = (await s.execute(select(column, func.count()).group_by(column))).all()
            return {key: n for key, n in rows}

        online = {bool(key): n for key, n in (await grouped(t.charge_points.c.online)).items()}
        stats = BusinessStats(
            charge_points={"online": online.get(True, 0), "offline": online.get(False, 0)},
            connectors=await grouped(t.connectors.c.status),
            orders=await grouped(td.orders.c.state),
            payments=await grouped(td.payments.c.state),
        )
        tx = t.transactions.c
        stats.sessions_active = (await s.execute(
            select(func.count()).select_from(t.transactions).where(tx.stopped_at.is_(None)))).scalar_one()
        stats.energy_wh = int((await s.execute(
            select(func.coalesce(func.sum(tx.energy_wh), 0)).where(tx.stopped_at.is_not(None)))).scalar_one())
        stats.revenue_fen = int((await s.execute(
            select(func.coalesce(func.sum(td.orders.c.paid_fen), 0))
            .where(td.orders.c.state.in_(sorted(FINISHED_ORDER_STATES))))).scalar_one())
        alarms = ts.alarms.c
        rows = (await s.execute(select(alarms.status, func.count()).where(alarms.status != "Cleared")
                                .group_by(alarms.status))).all()
        stats.alarms_open = {status: n for status, n in rows}
        certs = ts.issued_certificates.c
        newest = (select(func.max(certs.not_after).label("not_after")).group_by(certs.charge_point_id)
                  .subquery())      # a charge point's older certificates were replaced: only its newest counts
        stats.earliest_issued_certificate_expiry = (await s.execute(
            select(func.min(newest.c.not_after)))).scalar_one()
    return stats
