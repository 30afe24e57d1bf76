"""SQLAlchemy implementations of the repository interfaces (csms.domain.repositories)."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from csms.db import tables as t
from csms.domain.clock import Clock
from csms.domain.models import (ChargePoint, Connector, IdTag, MessageLogEntry, Operator, Page, Station,
                                Transaction)
from csms.domain.live_status import NO_LIVE_STATUS, LiveStatusStore, overlay
from csms.domain.repositories import Conflict


def _to(cls, row) -> Any:
    if row is None:
        return None
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in row._mapping.items() if k in names})


class _Repo:
    """Every SQL repository is built the same way: the database session factory and the clock that
    stamps created_at / updated_at (the injected one, so a test's clock is the rows' clock too)."""

    def __init__(self, db_sessions: async_sessionmaker, clock: Clock):
        self.db_sessions = db_sessions
        self.clock = clock
        # Core connections, not ORM sessions: these repositories speak in tables and rows, and a
        # session's unit-of-work bookkeeping costs more CPU than the query on the hot paths
        self.engine = db_sessions.kw["bind"]

    async def _one(self, stmt):
        async with self.engine.connect() as s:
            return (await s.execute(stmt)).first()

    async def _page(self, cls, table, where, order, limit: int, offset: int) -> Page:
        async with self.engine.connect() as s:
            total = (await s.execute(select(func.count()).select_from(table).where(*where))).scalar_one()
            rows = (await s.execute(select(table).where(*where).order_by(*order).limit(limit).offset(offset))).all()
        return Page([_to(cls, r) for r in rows], total, limit, offset)

    async def _write(self, stmt) -> int:
        async with self.engine.begin() as s:
            return (await s.execute(stmt)).rowcount

    async def _insert_unique(self, table, values: dict, what: str, *keys: str):
        """Insert a row; Conflict when one of the unique ``keys`` is taken (a refusal of another kind,
        e.g. a missing parent row, is raised as it is). Returns the inserted primary key."""
        try:
            async with self.engine.begin() as s:
                return (await s.execute(table.insert().values(**values))).inserted_primary_key[0]
        except IntegrityError:
            taken = [table.c[k] == values[k] for k in keys if values.get(k) is not None]
            if taken and await self._one(select(table).where(or_(*taken)).limit(1)) is not None:
                raise Conflict(f"{what} exists") from None
            raise


class SqlStationRepository(_Repo):
    async def create(self, **f: Any) -> Station:
        ts = self.clock.now()
        async with self.engine.begin() as s:
            res = await s.execute(t.stations.insert().values(**f, created_at=ts, updated_at=ts))
            sid = res.inserted_primary_key[0]
        return await self.get(sid)

    async def get(self, station_id: int) -> Station | None:
        return _to(Station, await self._one(select(t.stations).where(t.stations.c.id == station_id)))

    async def list(self, *, q=None, limit=50, offset=0) -> Page:
        where = []
        if q:
            like = f"%{q}%"
            where.append(or_(t.stations.c.name.like(like), t.stations.c.address.like(like)))
        return await self._page(Station, t.stations, where, [t.stations.c.id], limit, offset)

    async def update(self, station_id: int, **f: Any) -> Station | None:
        if f:
            await self._write(update(t.stations).where(t.stations.c.id == station_id)
                              .values(**f, updated_at=self.clock.now()))
        return await self.get(station_id)

    async def delete(self, station_id: int) -> bool:
        return await self._write(delete(t.stations).where(t.stations.c.id == station_id)) > 0


class SqlChargePointRepository(_Repo):
    async def create(self, **f: Any) -> ChargePoint:
        ts = self.clock.now()
        try:
            async with self.engine.begin() as s:
                await s.execute(t.charge_points.insert().values(**f, created_at=ts, updated_at=ts))
        except IntegrityError:
            raise Conflict(f"charge point {f.get('id')!r} exists") from None
        return await self.get(f["id"])

    async def get(self, cp_id: str) -> ChargePoint | None:
        return _to(ChargePoint, await self._one(select(t.charge_points).where(t.charge_points.c.id == cp_id)))

    async def list(self, *, station_id=None, online=None, limit=50, offset=0) -> Page:
        c = t.charge_points.c
        where = []
        if station_id is not None:
            where.append(c.station_id == station_id)
        if online is not None:
            where.append(c.online == online)
        return await self._page(ChargePoint, t.charge_points, where, [c.id], limit, offset)

    async def update(self, cp_id: str, **f: Any) -> ChargePoint | None:
        if f:
            await self._write(update(t.charge_points).where(t.charge_points.c.id == cp_id)
                              .values(**f, updated_at=self.clock.now()))
        return await self.get(cp_id)

    async def delete(self, cp_id: str) -> bool:
        return await self._write(delete(t.charge_points).where(t.charge_points.c.id == cp_id)) > 0

    async def mark_all_offline(self) -> int:
        return await self._write(update(t.charge_points).where(t.charge_points.c.online.is_(True)).values(online=False))

    async def all_credentials(self) -> list[tuple[str, str, int, str | None]]:
        c = t.charge_points.c
        async with self.engine.connect() as s:
            rows = await s.execute(select(c.id, c.registration_status, c.security_profile, c.password_hash))
        return [tuple(r) for r in rows.all()]

    async def touch_many(self, last_seen: dict[str, datetime]) -> None:
        if not last_seen:
            return
        stmt = (update(t.charge_points).where(t.charge_points.c.id == bindparam("b_id"))
                .values(last_seen=bindparam("b_seen")))
        async with self.engine.begin() as s:
            await s.execute(stmt, [{"b_id": k, "b_seen": v} for k, v in last_seen.items()])


class SqlConnectorRepository(_Repo):
    """``live``: the live status store (csms.domain.live_status); what it answers is overlaid on the
    rows read, the later status of the two winning."""

    def __init__(self, db_sessions: async_sessionmaker, clock: Clock, live: LiveStatusStore = NO_LIVE_STATUS):
        super().__init__(db_sessions, clock)
        self.live = live

    async def set_status(self, cp_id, evse_id, connector_id, *, status, error_code, info, vendor_error_code, at):
        c = t.connectors.c
        key = and_(c.charge_point_id == cp_id, c.evse_id == evse_id, c.connector_id == connector_id)
        values = dict(status=status, error_code=error_code, info=info, vendor_error_code=vendor_error_code,
                      status_at=at)
        async with self.engine.begin() as s:
            row = (await s.execute(select(c.status, c.status_at).where(key).with_for_update())).first()
            if row is None:
                try:
                    async with s.begin_nested():
                        await s.execute(t.connectors.insert().values(charge_point_id=cp_id, evse_id=evse_id,
                                                                     connector_id=connector_id, **values))
                    return None, True
                except IntegrityError:  # created concurrently: fall through to the update
                    row = (await s.execute(select(c.status, c.status_at).where(key))).first()
            if row.status_at is not None and at < row.status_at:
                return row.status, False
            await s.execute(update(t.connectors).where(key).values(**values))
            return row.status, True

    async def list_for(self, cp_id: str) -> list[Connector]:
        c = t.connectors.c
        async with self.engine.connect() as s:
            rows = (await s.execute(select(t.connectors).where(c.charge_point_id == cp_id)
                                    .order_by(c.evse_id, c.connector_id))).all()
        live = await self.live.read([cp_id])
        return [overlay(_to(Connector, r), live and live.get(cp_id)) for r in rows]

    async def statuses(self) -> list[tuple]:
        """(charge point, evse, connector, status, error code, status_at) of every connector: a warm-up
        of the live status store."""
        c = t.connectors.c
        async with self.engine.connect() as s:
            rows = (await s.execute(select(c.charge_point_id, c.evse_id, c.connector_id, c.status, c.error_code,
                                           c.status_at))).all()
        return [tuple(r) for r in rows]

    async def all_states(self) -> list[tuple]:
        c = t.connectors.c
        async with self.engine.connect() as s:
            rows = (await s.execute(select(c.charge_point_id, c.evse_id, c.connector_id, c.status, c.status_at))).all()
        return [tuple(r) for r in rows]

    async def get(self, cp_id, evse_id, connector_id) -> Connector | None:
        c = t.connectors.c
        return _to(Connector, await self._one(select(t.connectors).where(
            c.charge_point_id == cp_id, c.evse_id == evse_id, c.connector_id == connector_id)))


class SqlIdTagRepository(_Repo):
    async def get(self, id_tag: str) -> IdTag | None:
        return _to(IdTag, await self._one(select(t.id_tags).where(t.id_tags.c.id_tag == id_tag)))

    async def put(self, tag: IdTag) -> tuple[IdTag, bool]:
        ts = self.clock.now()
        values = asdict(tag)
        async with self.engine.begin() as s:
            exists = (await s.execute(select(t.id_tags.c.id_tag).where(t.id_tags.c.id_tag == tag.id_tag)
                                      .with_for_update())).first()
            if exists:
                await s.execute(update(t.id_tags).where(t.id_tags.c.id_tag == tag.id_tag).values(**values, updated_at=ts))
            else:
                await s.execute(t.id_tags.insert().values(**values, created_at=ts, updated_at=ts))
        return tag, not exists

    async def list(self, *, status=None, limit=50, offset=0) -> Page:
        where = [t.id_tags.c.status == status] if status else []
        return await self._page(IdTag, t.id_tags, where, [t.id_tags.c.id_tag], limit, offset)

    async def delete(self, id_tag: str) -> bool:
        return await self._write(delete(t.id_tags).where(t.id_tags.c.id_tag == id_tag)) > 0


class SqlTransactionRepository(_Repo):
    async def start(self, *, charge_point_id, evse_id, connector_id, id_tag, started_at, meter_start_wh,
                    ocpp_tx_id, reservation_id) -> tuple[Transaction, bool]:
        c = t.transactions.c
        if ocpp_tx_id is not None:   # 2.0.1: the charge point names its transactions
            same = select(t.transactions).where(c.charge_point_id == charge_point_id, c.ocpp_tx_id == ocpp_tx_id)
        else:
            same = select(t.transactions).where(c.charge_point_id == charge_point_id, c.evse_id == evse_id,
                                                c.connector_id == connector_id, c.started_at == started_at,
                                                c.meter_start_wh == meter_start_wh)
        values = dict(charge_point_id=charge_point_id, evse_id=evse_id, connector_id=connector_id, id_tag=id_tag,
                      started_at=started_at, meter_start_wh=meter_start_wh, ocpp_tx_id=ocpp_tx_id,
                      reservation_id=reservation_id, status="Active", last_meter_wh=meter_start_wh,
                      updated_at=self.clock.now())
        try:   # insert first: the unique keys make a repeated start fail here, and only then we look
            async with self.engine.begin() as s:
                tx_id = (await s.execute(t.transactions.insert().values(
                    **values, ocpp_tx_key=ocpp_tx_id or ""))).inserted_primary_key[0]
        except IntegrityError:
            existing = await self._one(same)
            if existing is None:
                raise
            return _to(Transaction, existing), False
        return Transaction(id=tx_id, **values), True

    async def get(self, tx_id: int) -> Transaction | None:
        return _to(Transaction, await self._one(select(t.transactions).where(t.transactions.c.id == tx_id)))

    async def get_by_ocpp_id(self, cp_id: str, ocpp_tx_id: str) -> Transaction | None:
        c = t.transactions.c
        return _to(Transaction, await self._one(select(t.transactions).where(
            c.charge_point_id == cp_id, c.ocpp_tx_id == ocpp_tx_id)))

    async def active_on(self, cp_id: str, connector_id: int) -> list[Transaction]:
        c = t.transactions.c
        async with self.engine.connect() as s:
            rows = (await s.execute(select(t.transactions).where(
                c.charge_point_id == cp_id, c.connector_id == connector_id, c.status == "Active"))).all()
        return [_to(Transaction, r) for r in rows]

    async def active_with_id_tag(self, id_tag: str, limit: int = 10) -> list[Transaction]:
        c = t.transactions.c
        async with self.engine.connect() as s:   # ix_transactions_id_tag_status; no count (a page would count)
            rows = (await s.execute(select(t.transactions).where(c.id_tag == id_tag, c.status == "Active")
                                    .limit(limit))).all()
        return [_to(Transaction, r) for r in rows]

    async def transition(self, tx_id: int, expected: str, **f: Any) -> Transaction | None:
        c = t.transactions.c
        n = await self._write(update(t.transactions).where(c.id == tx_id, c.status == expected)
                              .values(**f, updated_at=self.clock.now()))
        return await self.get(tx_id) if n else None

    async def list(self, *, charge_point_id=None, status=None, id_tag=None, since=None, until=None,
                   remote_start_id=None, limit=50, offset=0) -> Page:
        c = t.transactions.c
        where = []
        if charge_point_id:
            where.append(c.charge_point_id == charge_point_id)
        if status:
            where.append(c.status == status)
        if id_tag:
            where.append(c.id_tag == id_tag)
        if since:
            where.append(c.started_at >= since)
        if until:
            where.append(c.started_at < until)
        if remote_start_id is not None:
            where.append(c.remote_start_id == remote_start_id)
        return await self._page(Transaction, t.transactions, where, [c.id.desc()], limit, offset)


class SqlMeterValueRepository(_Repo):
    async def list_for_transaction(self, tx_id: int) -> list[dict]:
        c = t.meter_values.c
        cols = [c.timestamp, c.measurand, c.phase, c.unit, c.context, c.location, c.value]
        async with self.engine.connect() as s:
            rows = (await s.execute(select(*cols).where(c.transaction_id == tx_id).order_by(c.timestamp, c.id))).all()
        return [dict(r._mapping) for r in rows]


class SqlMessageLogRepository(_Repo):
    async def list(self, cp_id: str, *, action=None, direction=None, limit=50, offset=0) -> Page:
        c = t.ocpp_messages.c
        where = [c.charge_point_id == cp_id]
        if action:
            where.append(c.action == action)
        if direction:
            where.append(c.direction == direction)
        return await self._page(MessageLogEntry, t.ocpp_messages, where, [c.id.desc()], limit, offset)

    async def purge_before(self, at: datetime) -> int:
        return await self._write(delete(t.ocpp_messages).where(t.ocpp_messages.c.at < at))


class SqlOperatorRepository(_Repo):
    async def get_by_username(self, username: str) -> Operator | None:
        return _to(Operator, await self._one(select(t.operators).where(t.operators.c.username == username)))

    async def get(self, operator_id: int) -> Operator | None:
        return _to(Operator, await self._one(select(t.operators).where(t.operators.c.id == operator_id)))

    async def create(self, username: str, password_hash: str, role: str) -> Operator:
        try:
            async with self.engine.begin() as s:
                await s.execute(t.operators.insert().values(username=username, password_hash=password_hash,
                                                            role=role, active=True, created_at=self.clock.now()))
        except IntegrityError:
            raise Conflict(f"operator {username!r} exists") from None
        return await self.get_by_username(username)

    async def count(self, role: str | None = None) -> int:
        where = [t.operators.c.role == role] if role else []
        async with self.engine.connect() as s:
            return (await s.execute(select(func.count()).select_from(t.operators).where(*where))).scalar_one()

    async def update(self, operator_id: int, **f: Any) -> Operator | None:
        if f:
            await self._write(update(t.operators).where(t.operators.c.id == operator_id).values(**f))
        return await self.get(operator_id)

    async def list(self, *, limit: int = 50, offset: int = 0) -> Page:
        return await self._page(Operator, t.operators, [], [t.operators.c.username], limit, offset)
