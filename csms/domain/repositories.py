"""The small interfaces services depend on. SQLAlchemy implementations live in csms.db.repositories;
unit tests use the in-memory ones in tests/fakes.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Awaitable, Iterable, Protocol

from csms.domain.models import (ChargePoint, Connector, IdTag, Operator, Page, Station,
                                Transaction)


class Conflict(Exception):
    """A unique key is taken (e.g. the charge point id exists already)."""


class StationRepository(Protocol):
    async def create(self, **fields: Any) -> Station: ...
    async def get(self, station_id: int) -> Station | None: ...
    async def list(self, *, q: str | None = None, limit: int = 50, offset: int = 0) -> Page: ...
    async def update(self, station_id: int, **fields: Any) -> Station | None: ...
    async def delete(self, station_id: int) -> bool: ...


class ChargePointRepository(Protocol):
    async def create(self, **fields: Any) -> ChargePoint: ...
    async def get(self, cp_id: str) -> ChargePoint | None: ...
    async def list(self, *, station_id: int | None = None, online: bool | None = None,
                   limit: int = 50, offset: int = 0) -> Page: ...
    async def update(self, cp_id: str, **fields: Any) -> ChargePoint | None: ...
    async def delete(self, cp_id: str) -> bool: ...
    async def mark_all_offline(self) -> int: ...
    async def touch_many(self, last_seen: dict[str, datetime]) -> None: ...
    async def all_credentials(self) -> list[tuple[str, str, int, str | None]]:
        """(id, registration status, security profile, password hash) of every charge point: one read
        at start-up, so a reconnect storm reads nothing per handshake."""


class ConnectorRepository(Protocol):
    async def set_status(self, cp_id: str, evse_id: int, connector_id: int, *, status: str, error_code: str,
                         info: str | None, vendor_error_code: str | None, at: datetime) -> tuple[str | None, bool]:
        """Store a reported status; returns (previous status, applied). A report older than the one
        stored is not applied (store-and-forward may deliver out of order)."""
    async def list_for(self, cp_id: str) -> list[Connector]: ...
    async def get(self, cp_id: str, evse_id: int, connector_id: int) -> Connector | None: ...
    async def all_states(self) -> list[tuple[str, int, int, str, datetime | None]]:
        """(charge point, evse, connector, status, status_at) of every connector: one read at start-up."""


class IdTagRepository(Protocol):
    async def get(self, id_tag: str) -> IdTag | None: ...
    async def put(self, tag: IdTag) -> tuple[IdTag, bool]: ...   # (stored, created)
    async def list(self, *, status: str | None = None, limit: int = 50, offset: int = 0) -> Page: ...
    async def delete(self, id_tag: str) -> bool: ...


class TransactionRepository(Protocol):
    async def start(self, *, charge_point_id: str, evse_id: int, connector_id: int, id_tag: str | None,
                    started_at: datetime, meter_start_wh: int, ocpp_tx_id: str | None,
                    reservation_id: int | None) -> tuple[Transaction, bool]:
        """Create, or return the existing transaction with the same start (created=False): the same
        ``ocpp_tx_id`` when one is given (2.0.1), else the same connector, start time and meter start."""
    async def get(self, tx_id: int) -> Transaction | None: ...
    async def get_by_ocpp_id(self, cp_id: str, ocpp_tx_id: str) -> Transaction | None: ...
    async def active_on(self, cp_id: str, connector_id: int) -> list[Transaction]: ...
    async def active_with_id_tag(self, id_tag: str, limit: int = 10) -> list[Transaction]:
        """Active transactions started with ``id_tag`` (a card in use elsewhere: ConcurrentTx), at most ``limit``."""
    async def transition(self, tx_id: int, expected: str, **fields: Any) -> Transaction | None:
        """Set fields (status included) only if the status is still ``expected``; None if not."""
    async def list(self, *, charge_point_id: str | None = None, status: str | None = None,
                   id_tag: str | None = None, since: datetime | None = None, until: datetime | None = None,
                   remote_start_id: int | None = None, limit: int = 50, offset: int = 0) -> Page: ...


class MeterValueRepository(Protocol):
    async def list_for_transaction(self, tx_id: int) -> list[dict]: ...


class MessageLogRepository(Protocol):
    async def list(self, cp_id: str, *, action: str | None = None, direction: str | None = None,
                   limit: int = 50, offset: int = 0) -> Page: ...
    async def purge_before(self, at: datetime) -> int: ...


class OperatorRepository(Protocol):
    async def get_by_username(self, username: str) -> Operator | None: ...
    async def get(self, operator_id: int) -> Operator | None: ...
    async def create(self, username: str, password_hash: str, role: str) -> Operator: ...
    async def count(self, role: str | None = None) -> int: ...
    async def update(self, operator_id: int, **fields: Any) -> Operator | None: ...
    async def list(self, *, limit: int = 50, offset: int = 0) -> Page:
        """By user name."""


class BatchSink(Protocol):
    """Buffered writes for high-volume rows (meter values, message log, live figures)."""
    def insert(self, table: str, row: dict) -> None: ...
    def update_latest(self, table: str, key: Any, row: dict) -> None: ...
    def take_latest(self, table: str, key: Any) -> dict | None: ...
    def durable(self) -> Awaitable[None]:
        """Done once everything queued so far is committed: await it before acknowledging it. Raises
        when the commit failed (the message is then not acknowledged and the charger sends it again)."""
    async def flush(self) -> None: ...


def chunks(items: Iterable, size: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
