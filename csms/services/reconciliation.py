"""State reconciliation ("polling + push"): what the CSMS believes is compared with what it can check,
and what drifted is corrected or asked again. Run by the scheduler (one node at a time):

- a charge point recorded online that no node holds and that was silent past its heartbeat interval
  x grace is marked offline (its disconnect is published, as if the socket had closed here);
- a connector of a connected charge point whose status is older than ``stale_status`` is asked for a
  StatusNotification (TriggerMessage);
- an open 2.0.1 transaction without an event for ``silent_transaction`` is asked GetTransactionStatus;
- a transaction open longer than ``review_after`` hands its driver's order to review (abnormal orders).

Each step counts what it did (csms_reconcile_total{step}). At most ``max_asks`` commands a sweep, so a
sweep after an outage does not flood the charge points."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from csms import metrics
from csms.domain import commands as neutral
from csms.domain.errors import CommandFailed
from csms.domain.models import Transaction
from csms.domain.repositories import (
    ChargePointRepository,
    ConnectorRepository,
    TransactionRepository,
)
from csms.services.clock import Clock

log = logging.getLogger(__name__)
PAGE = 500


class Presence(Protocol):
    def is_connected(self, cp_id: str) -> bool: ...
    def protocol_of(self, cp_id: str) -> str | None: ...


class Commands(Protocol):
    async def send(self, cp_id: str, command: Any) -> dict: ...


class Chargers(Protocol):
    async def disconnected(self, cp_id: str, current: bool) -> None: ...


class Reviews(Protocol):
    async def flag(self, order: Any) -> Any: ...


class Orders(Protocol):
    async def open_orders(self, *, charge_point_id: str | None = None, connector_id: int | None = None) -> list: ...


@dataclass(frozen=True)
class ReconcileConfig:
    silent_after: timedelta          # heartbeat interval x grace
    stale_status: timedelta
    silent_transaction: timedelta
    review_after: timedelta
    max_asks: int = 100


@dataclass(frozen=True)
class Ports:
    presence: Presence
    commands: Commands
    chargers: Chargers
    orders: Orders
    reviews: Reviews | None = None


class Reconciliation:
    def __init__(self, charge_points: ChargePointRepository, connectors: ConnectorRepository,
                 transactions: TransactionRepository, ports: Ports, clock: Clock, config: ReconcileConfig):
        self.charge_points = charge_points
        self.connectors = connectors
        self.transactions = transactions
        self.ports = ports
        self.clock = clock
        self.config = config

    async def sweep(self) -> dict[str, int]:
        now = self.clock.now()
        done = {"offline": await self.silent_offline(now)}
        asks = [self.config.max_asks]
        done["status_asked"] = await self.stale_connectors(now, asks)
        open_txs = await self._open_transactions()
        done["transaction_asked"] = await self.silent_transactions(now, open_txs, asks)
        done["review"] = await self.long_open(now, open_txs)
        for step, n in done.items():
            if n:
                metrics.RECONCILE.labels(step).inc(n)
        metrics.RECONCILE.labels("sweep").inc()
        if any(done.values()):
            log.info("reconciliation: %s", ", ".join(f"{k} {v}" for k, v in done.items() if v))
        return done

    async def silent_offline(self, now: datetime) -> int:
        limit, n, offset = now - self.config.silent_after, 0, 0
        while True:
            page = await self.charge_points.list(online=True, limit=PAGE, offset=offset)
            for cp in page.items:
                if self.ports.presence.is_connected(cp.id) or (cp.last_seen is not None and cp.last_seen >= limit):
                    continue
                log.warning("%s recorded online, held by no node, silent since %s: offline", cp.id, cp.last_seen)
                await self.ports.chargers.disconnected(cp.id, True)
                n += 1
            offset += PAGE
            if offset >= page.total:
                return n

    async def _ask(self, cp_id: str, command: Any, asks: list[int]) -> bool:
        if asks[0] <= 0:
            return False
        asks[0] -= 1
        try:
            await self.ports.commands.send(cp_id, command)
        except CommandFailed as exc:
            log.info("reconciliation: %s not asked %s: %s", cp_id, type(command).__name__, exc)
            return False
        return True

    async def stale_connectors(self, now: datetime, asks: list[int]) -> int:
        limit, n = now - self.config.stale_status, 0
        for cp_id, evse_id, connector_id, _status, at in await self.connectors.all_states():
            if connector_id == 0 or (at is not None and at >= limit) or not self.ports.presence.is_connected(cp_id):
                continue
            # 1.6 names the connector; 2.0.1 the EVSE (TriggerMessage's evse)
            target = connector_id if self.ports.presence.protocol_of(cp_id) == "ocpp1.6" else evse_id
            n += await self._ask(cp_id, neutral.TriggerMessage("StatusNotification", target), asks)
        return n

    async def _open_transactions(self) -> list[Transaction]:
        out, offset = [], 0
        while True:
            page = await self.transactions.list(status="Active", limit=PAGE, offset=offset)
            out.extend(page.items)
            offset += PAGE
            if offset >= page.total:
                return out

    async def silent_transactions(self, now: datetime, open_txs: list[Transaction], asks: list[int]) -> int:
        limit, n = now - self.config.silent_transaction, 0
        for tx in open_txs:
            last = tx.updated_at or tx.started_at
            if last >= limit or self.ports.presence.protocol_of(tx.charge_point_id) != "ocpp2.0.1":
                continue
            n += await self._ask(tx.charge_point_id, neutral.GetTransactionStatus(tx.id), asks)
        return n

    async def long_open(self, now: datetime, open_txs: list[Transaction]) -> int:
        if self.ports.reviews is None:
            return 0
        limit, n = now - self.config.review_after, 0
        for tx in open_txs:
            if tx.started_at >= limit:
                continue
            for order in await self.ports.orders.open_orders(charge_point_id=tx.charge_point_id,
                                                             connector_id=tx.connector_id):
                n += await self.ports.reviews.flag(order) is not None
        return n
