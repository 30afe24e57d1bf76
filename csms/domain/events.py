"""Version-neutral domain events published on the bus (csms.bus.events)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from csms.domain.alarms import Alarm, WorkOrder


@dataclass(frozen=True)
class ChargePointConnected:
    charge_point_id: str
    protocol: str
    at: datetime


@dataclass(frozen=True)
class ChargePointDisconnected:
    charge_point_id: str
    at: datetime


@dataclass(frozen=True)
class ChargePointBooted:
    charge_point_id: str
    status: str
    vendor: str | None
    model: str | None
    firmware_version: str | None
    at: datetime


@dataclass(frozen=True)
class ConnectorStatusChanged:
    charge_point_id: str
    evse_id: int
    connector_id: int
    status: str
    previous: str | None
    error_code: str
    at: datetime


@dataclass(frozen=True)
class TransactionStarted:
    transaction_id: int
    charge_point_id: str
    connector_id: int
    id_tag: str | None
    meter_start_wh: int
    at: datetime
    reservation_id: int | None = None     # the reservation the start named (already marked Used then)


@dataclass(frozen=True)
class TransactionUpdated:
    transaction_id: int
    charge_point_id: str
    connector_id: int
    energy_wh: int
    power_w: int | None
    soc: int | None
    at: datetime


@dataclass(frozen=True)
class TransactionStopped:
    transaction_id: int
    charge_point_id: str
    connector_id: int
    energy_wh: int
    reason: str | None
    anomaly: str | None
    at: datetime


@dataclass(frozen=True)
class ChargePointNotice:
    """Something a charge point reported that operators may want to see (firmware, diagnostics,
    data transfer, security events)."""
    charge_point_id: str
    kind: str
    data: dict
    at: datetime


@dataclass(frozen=True)
class AlarmChanged:
    """An alarm was raised, counted again, acknowledged, assigned or resolved (``change``, one of
    csms.domain.alarms.CHANGES); ``alarm`` is its state after the change."""
    alarm: Alarm
    change: str
    at: datetime


@dataclass(frozen=True)
class WorkOrderChanged:
    """A work order was opened, assigned, moved, noted or resolved (``change``)."""
    work_order: WorkOrder
    change: str
    at: datetime
