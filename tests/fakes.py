"""In-memory stand-ins for what services depend on: every repository Protocol of
csms.domain.repositories, a batch sink, a settable clock, a recording event bus and a presence.

They keep the same rules as the SQL implementations where a rule is part of the contract (unique
ids raise Conflict, an older connector status is not applied, the same start is the same
transaction, ``transition`` is a compare-and-set), so services tested against them behave as they
do against a database."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import fields, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Awaitable, Callable

from csms.domain.models import (ChargePoint, Connector, IdTag, MessageLogEntry, Operator, Page, Station,
                                Transaction)
from csms.domain.repositories import Conflict

EPOCH = datetime(2024, 5, 1, 8, 0, 0, tzinfo=timezone.utc)


# -- time --------------------------------------------------------------------------------------------
class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, at: datetime = EPOCH):
        self._now = at

    def now(self) -> datetime:
        return self._now

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("the domain uses UTC-aware times")
        self._now = at

    def advance(self, seconds: float = 0, **delta: float) -> datetime:
        self._now = self._now + timedelta(seconds=seconds, **delta)
        return self._now


def _page(items: list, limit: int, offset: int) -> Page:
    return Page(items[offset: offset + limit], len(items), limit, offset)


def _known(cls, values: dict) -> dict:
    names = {f.name for f in fields(cls)}
    unknown = set(values) - names
    if unknown:
        raise TypeError(f"{cls.__name__} has no field(s) {sorted(unknown)}")
    return values


# -- repositories ------------------------------------------------------------------------------------
class FakeStationRepository:
    def __init__(self, clock: FakeClock | None = None):
        self.clock = clock or FakeClock()
        self.rows: dict[int, Station] = {}
        self._next = 1

    async def create(self, **f: Any) -> Station:
        sid = f.pop("id", None) or self._next
        if sid in self.rows:
            raise Conflict(f"station {sid} exists")
        self._next = max(self._next, sid) + 1
        station = Station(id=sid, **_known(Station, {"created_at": self.clock.now(), **f}))
        self.rows[sid] = station
        return station

    async def get(self, station_id: int) -> Station | None:
        return self.rows.get(station_id)

    async def list(self, *, q: str | None = None, limit: int = 50, offset: int = 0) -> Page:
        items = sorted(self.rows.values(), key=lambda s: s.id)
        if q:
            needle = q.lower()
            items = [s for s in items if needle in s.name.lower() or needle in (s.address or "").lower()]
        return _page(items, limit, offset)

    async def update(self, station_id: int, **f: Any) -> Station | None:
        if station_id not in self.rows:
            return None
        self.rows[station_id] = replace(self.rows[station_id], **_known(Station, f))
        return self.rows[station_id]

    async def delete(self, station_id: int) -> bool:
        return self.rows.pop(station_id, None) is not None


class FakeChargePointRepository:
    def __init__(self, clock: FakeClock | None = None):
        self.clock = clock or FakeClock()
        self.rows: dict[str, ChargePoint] = {}

    async def create(self, **f: Any) -> ChargePoint:
        cp_id = f["id"]
        if cp_id in self.rows:
            raise Conflict(f"charge point {cp_id!r} exists")
        cp = ChargePoint(**_known(ChargePoint, {"created_at": self.clock.now(), **f}))
        self.rows[cp_id] = cp
        return cp

    async def get(self, cp_id: str) -> ChargePoint | None:
        return self.rows.get(cp_id)

    async def list(self, *, station_id: int | None = None, online: bool | None = None,
                   limit: int = 50, offset: int = 0) -> Page:
        items = sorted(self.rows.values(), key=lambda cp: cp.id)
        if station_id is not None:
            items = [cp for cp in items if cp.station_id == station_id]
        if online is not None:
            items = [cp for cp in items if cp.online == online]
        return _page(items, limit, offset)

    async def update(self, cp_id: str, **f: Any) -> ChargePoint | None:
        if cp_id not in self.rows:
            return None
        self.rows[cp_id] = replace(self.rows[cp_id], **_known(ChargePoint, f))
        return self.rows[cp_id]

    async def delete(self, cp_id: str) -> bool:
        return self.rows.pop(cp_id, None) is not None

    async def mark_all_offline(self) -> int:
        online = [cp_id for cp_id, cp in self.rows.items() if cp.online]
        for cp_id in online:
            self.rows[cp_id] = replace(self.rows[cp_id], online=False)
        return len(online)

    async def touch_many(self, last_seen: dict[str, datetime]) -> None:
        for cp_id, at in last_seen.items():
            if cp_id in self.rows:
                self.rows[cp_id] = replace(self.rows[cp_id], last_seen=at)

    async def all_credentials(self) -> list[tuple[str, str, int, str | None]]:
        return [(cp.id, cp.registration_status, cp.security_profile, cp.password_hash) for cp in self.rows.values()]


class FakeConnectorRepository:
    def __init__(self):
        self.rows: dict[tuple[str, int, int], Connector] = {}

    async def set_status(self, cp_id: str, evse_id: int, connector_id: int, *, status: str, error_code: str,
                         info: str | None, vendor_error_code: str | None, at: datetime) -> tuple[str | None, bool]:
        key = (cp_id, evse_id, connector_id)
        old = self.rows.get(key)
        if old is not None and old.status_at is not None and at < old.status_at:
            return old.status, False            # an older report (store-and-forward): not applied
        self.rows[key] = Connector(cp_id, evse_id, connector_id, status=status, error_code=error_code, info=info,
                                   vendor_error_code=vendor_error_code, status_at=at,
                                   type=old.type if old else None, max_power_w=old.max_power_w if old else None)
        return (old.status if old else None), True

    def apply_live(self, key: tuple[str, int, int], row: dict) -> None:
        """What the batch writer's update_latest("connectors", ...) does: a plain update of the row."""
        if key in self.rows:
            self.rows[key] = replace(self.rows[key], **_known(Connector, row))

    async def list_for(self, cp_id: str) -> list[Connector]:
        return [c for key, c in sorted(self.rows.items()) if key[0] == cp_id]

    async def all_states(self) -> list[tuple[str, int, int, str, datetime | None]]:
        return [(c.charge_point_id, c.evse_id, c.connector_id, c.status, c.status_at) for c in self.rows.values()]

    async def get(self, cp_id: str, evse_id: int, connector_id: int) -> Connector | None:
        return self.rows.get((cp_id, evse_id, connector_id))


class FakeIdTagRepository:
    def __init__(self, *tags: IdTag):
        self.rows: dict[str, IdTag] = {t.id_tag: t for t in tags}

    async def get(self, id_tag: str) -> IdTag | None:
        return self.rows.get(id_tag)

    async def put(self, tag: IdTag) -> tuple[IdTag, bool]:
        created = tag.id_tag not in self.rows
        self.rows[tag.id_tag] = tag
        return tag, created

    async def list(self, *, status: str | None = None, limit: int = 50, offset: int = 0) -> Page:
        items = [t for _, t in sorted(self.rows.items()) if status is None or t.status == status]
        return _page(items, limit, offset)

    async def delete(self, id_tag: str) -> bool:
        return self.rows.pop(id_tag, None) is not None


class FakeTransactionRepository:
    def __init__(self, clock: FakeClock | None = None):
        self.clock = clock or FakeClock()
        self.rows: dict[int, Transaction] = {}
        self._next = 1

    def _same_start(self, cp_id: str, connector_id: int, started_at: datetime, meter_start_wh: int):
        for tx in self.rows.values():
            if (tx.charge_point_id, tx.connector_id, tx.started_at, tx.meter_start_wh) == \
                    (cp_id, connector_id, started_at, meter_start_wh):
                return tx
        return None

    async def start(self, *, charge_point_id: str, evse_id: int, connector_id: int, id_tag: str | None,
                    started_at: datetime, meter_start_wh: int, ocpp_tx_id: str | None,
                    reservation_id: int | None) -> tuple[Transaction, bool]:
        if ocpp_tx_id is not None:      # 2.0.1: the charge point names its transactions
            existing = await self.get_by_ocpp_id(charge_point_id, ocpp_tx_id)
        else:
            existing = self._same_start(charge_point_id, connector_id, started_at, meter_start_wh)
        if existing is not None:
            return existing, False
        tx = Transaction(id=self._next, charge_point_id=charge_point_id, evse_id=evse_id, connector_id=connector_id,
                         id_tag=id_tag, status="Active", started_at=started_at, meter_start_wh=meter_start_wh,
                         ocpp_tx_id=ocpp_tx_id, reservation_id=reservation_id, last_meter_wh=meter_start_wh,
                         updated_at=self.clock.now())
        self.rows[tx.id] = tx
        self._next += 1
        return tx, True

    def add(self, tx: Transaction) -> Transaction:
        """Put a ready-made transaction (from a builder) in place."""
        self.rows[tx.id] = tx
        self._next = max(self._next, tx.id + 1)
        return tx

    async def get(self, tx_id: int) -> Transaction | None:
        return self.rows.get(tx_id)

    async def get_by_ocpp_id(self, cp_id: str, ocpp_tx_id: str) -> Transaction | None:
        return next((tx for tx in self.rows.values()
                     if tx.charge_point_id == cp_id and tx.ocpp_tx_id == ocpp_tx_id), None)

    async def active_on(self, cp_id: str, connector_id: int) -> list[Transaction]:
        return [tx for tx in self.rows.values()
                if tx.charge_point_id == cp_id and tx.connector_id == connector_id and tx.status == "Active"]

    async def active_with_id_tag(self, id_tag: str, limit: int = 10) -> list[Transaction]:
        return [tx for tx in self.rows.values() if tx.id_tag == id_tag and tx.status == "Active"][:limit]

    async def transition(self, tx_id: int, expected: str, **f: Any) -> Transaction | None:
        tx = self.rows.get(tx_id)
        if tx is None or tx.status != expected:
            return None
        self.rows[tx_id] = replace(tx, **_known(Transaction, {"updated_at": self.clock.now(), **f}))
        return self.rows[tx_id]

    def apply_live(self, tx_id: int, row: dict) -> None:
        """What the batch writer's update_latest("transactions", ...) does to the stored row."""
        if tx_id in self.rows:
            self.rows[tx_id] = replace(self.rows[tx_id], **_known(Transaction, row))

    async def list(self, *, charge_point_id: str | None = None, status: str | None = None,
                   id_tag: str | None = None, since: datetime | None = None, until: datetime | None = None,
                   remote_start_id: int | None = None, limit: int = 50, offset: int = 0) -> Page:
        items = sorted(self.rows.values(), key=lambda tx: tx.id, reverse=True)
        items = [tx for tx in items
                 if (not charge_point_id or tx.charge_point_id == charge_point_id)
                 and (not status or tx.status == status)
                 and (not id_tag or tx.id_tag == id_tag)
                 and (not since or tx.started_at >= since)
                 and (not until or tx.started_at < until)
                 and (remote_start_id is None or tx.remote_start_id == remote_start_id)]
        return _page(items, limit, offset)


_METER_COLUMNS = ("timestamp", "measurand", "phase", "unit", "context", "location", "value")


class FakeMeterValueRepository:
    """Holds the meter_values rows the (fake) batch has written."""

    def __init__(self):
        self.rows: list[dict] = []

    def add(self, row: dict) -> None:
        self.rows.append(dict(row))

    async def list_for_transaction(self, tx_id: int) -> list[dict]:
        mine = [(r["timestamp"], i, r) for i, r in enumerate(self.rows) if r.get("transaction_id") == tx_id]
        return [{k: r.get(k) for k in _METER_COLUMNS} for _, _, r in sorted(mine, key=lambda x: (x[0], x[1]))]


class FakeMessageLogRepository:
    """Holds the ocpp_messages rows the (fake) batch has written."""

    def __init__(self):
        self.rows: list[MessageLogEntry] = []

    def add(self, row: dict) -> None:
        self.rows.append(MessageLogEntry(id=len(self.rows) + 1, **row))

    async def list(self, cp_id: str, *, action: str | None = None, direction: str | None = None,
                   limit: int = 50, offset: int = 0) -> Page:
        items = [m for m in reversed(self.rows)
                 if m.charge_point_id == cp_id and (not action or m.action == action)
                 and (not direction or m.direction == direction)]
        return _page(items, limit, offset)

    async def purge_before(self, at: datetime) -> int:
        keep = [m for m in self.rows if m.at >= at]
        removed = len(self.rows) - len(keep)
        self.rows = keep
        return removed


class FakeOperatorRepository:
    def __init__(self):
        self.rows: dict[int, Operator] = {}

    async def get_by_username(self, username: str) -> Operator | None:
        return next((op for op in self.rows.values() if op.username == username), None)

    async def get(self, operator_id: int) -> Operator | None:
        return self.rows.get(operator_id)

    async def create(self, username: str, password_hash: str, role: str) -> Operator:
        if await self.get_by_username(username) is not None:
            raise Conflict(f"operator {username!r} exists")
        op = Operator(id=len(self.rows) + 1, username=username, password_hash=password_hash, role=role)
        self.rows[op.id] = op
        return op

    async def count(self, role: str | None = None) -> int:
        return sum(1 for op in self.rows.values() if role is None or op.role == role)

    async def update(self, operator_id: int, **f: Any) -> Operator | None:
        if operator_id not in self.rows:
            return None
        self.rows[operator_id] = replace(self.rows[operator_id], **_known(Operator, f))
        return self.rows[operator_id]

    async def list(self, *, limit: int = 50, offset: int = 0) -> Page:
        return _page(sorted(self.rows.values(), key=lambda op: op.username), limit, offset)


# -- batch writes ------------------------------------------------------------------------------------
# what update_latest may change, per table (as csms.db.batch writes it); anything else is ignored
def _live_columns() -> dict[str, set[str]]:
    from csms.db.batch import _UPDATE
    return {name: set(cols) for name, (_table, _keys, cols) in _UPDATE.items()}


LIVE_COLUMNS = _live_columns()


class FakeBatch:
    """A BatchSink that keeps everything in memory.

    ``rows[table]`` is every row ever inserted (in order), ``latest[table][key]`` the coalesced
    update_latest rows. ``flush()`` counts its calls and hands what is pending to the fake
    repositories it was given, as the real writer puts them in the database: meter values and
    message log rows become readable, live transaction figures land on the stored transaction, and
    charge point / connector statuses and last-seen times on their records."""

    def __init__(self, *, transactions: FakeTransactionRepository | None = None,
                 meter_values: FakeMeterValueRepository | None = None,
                 message_log: FakeMessageLogRepository | None = None,
                 charge_points: FakeChargePointRepository | None = None,
                 connectors: FakeConnectorRepository | None = None):
        self.transactions = transactions
        self.connectors = connectors
        self.meter_values = meter_values
        self.message_log = message_log
        self.charge_points = charge_points
        self.rows: dict[str, list[dict]] = defaultdict(list)
        self.latest: dict[str, dict[Any, dict]] = defaultdict(dict)
        self._pending_rows: dict[str, list[dict]] = defaultdict(list)
        self._pending_latest: dict[str, dict[Any, dict]] = defaultdict(dict)
        self.flushes = 0
        self.durables = 0

    def insert(self, table: str, row: dict) -> None:
        self.rows[table].append(dict(row))
        self._pending_rows[table].append(dict(row))

    def update_latest(self, table: str, key: Any, row: dict) -> None:
        self.latest[table].setdefault(key, {}).update(row)
        self._pending_latest[table].setdefault(key, {}).update(row)

    def take_latest(self, table: str, key: Any) -> dict | None:
        return self._pending_latest[table].pop(key, None)

    def pending(self) -> int:
        return sum(map(len, self._pending_rows.values())) + sum(map(len, self._pending_latest.values()))

    def durable(self) -> Awaitable[None]:
        """The in-memory 'commit': what is queued becomes readable; counted in ``durables``."""
        self.durables += 1
        return self._flush_quietly()

    async def _flush_quietly(self) -> None:
        flushes = self.flushes
        await self.flush()
        self.flushes = flushes

    async def flush(self) -> None:
        self.flushes += 1
        rows, self._pending_rows = self._pending_rows, defaultdict(list)
        latest, self._pending_latest = self._pending_latest, defaultdict(dict)
        if self.meter_values is not None:
            for row in rows.get("meter_values", ()):
                self.meter_values.add(row)
        if self.message_log is not None:
            for row in rows.get("ocpp_messages", ()):
                self.message_log.add(row)
        live = {table: {key: {c: v for c, v in row.items() if c in LIVE_COLUMNS[table]} for key, row in by_key.items()}
                for table, by_key in latest.items()}
        if self.transactions is not None:
            for tx_id, row in live.get("transactions", {}).items():
                self.transactions.apply_live(tx_id, row)
        if self.charge_points is not None:
            for cp_id, row in live.get("charge_points", {}).items():
                await self.charge_points.update(cp_id, **row)
        if self.connectors is not None:
            for key, row in live.get("connectors", {}).items():
                self.connectors.apply_live(key, row)


# -- bus and presence --------------------------------------------------------------------------------
class RecordingBus:
    """The InProcessBus interface (publish, deliver, subscribe), recording every event published or
    delivered."""

    def __init__(self):
        self.events: list[Any] = []
        self._subs: dict[type | None, list[Callable]] = defaultdict(list)
        self._tasks: set[asyncio.Task] = set()

    def subscribe(self, event_type: type | None, fn: Callable, everywhere: bool = False) -> Callable[[], None]:
        target = self._subs[event_type]
        target.append(fn)
        return lambda: target.remove(fn) if fn in target else None

    def publish(self, event: Any) -> None:
        self.events.append(event)
        for fn in (*self._subs.get(type(event), ()), *self._subs.get(None, ())):
            result = fn(event)
            if asyncio.iscoroutine(result):
                task = asyncio.ensure_future(result)
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def deliver(self, event: Any) -> None:
        self.events.append(event)
        for fn in (*self._subs.get(type(event), ()), *self._subs.get(None, ())):
            result = fn(event)
            if asyncio.iscoroutine(result):
                await result

    def of(self, event_type: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, event_type)]

    def pending(self) -> int:
        return len(self._tasks)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks))


class FakePresence:
    """csms.services.chargers.Presence over a dict: cp_id -> (last frame at, protocol)."""

    def __init__(self):
        self.live: dict[str, tuple[datetime, str]] = {}
        self.closed: list[tuple[str, str]] = []

    def connect(self, cp_id: str, last_frame_at: datetime, protocol: str = "ocpp1.6") -> None:
        self.live[cp_id] = (last_frame_at, protocol)

    def is_connected(self, cp_id: str) -> bool:
        return cp_id in self.live

    def last_frame_at(self, cp_id: str) -> datetime | None:
        entry = self.live.get(cp_id)
        return entry[0] if entry else None

    def protocol_of(self, cp_id: str) -> str | None:
        entry = self.live.get(cp_id)
        return entry[1] if entry else None

    def connected(self) -> list[tuple[str, datetime]]:
        return [(cp_id, at) for cp_id, (at, _) in self.live.items()]

    async def close(self, cp_id: str, reason: str) -> None:
        self.closed.append((cp_id, reason))
        self.live.pop(cp_id, None)
