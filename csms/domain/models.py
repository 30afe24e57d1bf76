"""Version-neutral domain records (frozen, no I/O). Energy in Wh, power in W, times UTC-aware."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Station:
    id: int
    name: str
    address: str = ""
    lat: float | None = None          # GCJ-02
    lng: float | None = None          # GCJ-02
    timezone: str = "Asia/Shanghai"
    created_at: datetime | None = None


@dataclass(frozen=True)
class ChargePoint:
    id: str
    station_id: int | None = None
    password_hash: str | None = None
    security_profile: int = 0
    registration_status: str = "Accepted"
    vendor: str | None = None
    model: str | None = None
    serial_number: str | None = None
    firmware_version: str | None = None
    protocol: str | None = None
    online: bool = False
    last_seen: datetime | None = None
    last_boot_at: datetime | None = None
    status: str | None = None          # connector 0 / whole charge point
    error_code: str | None = None
    firmware_status: str | None = None
    diagnostics_status: str | None = None
    tolerant: bool = False             # accept and repair known spec deviations (tolerant mode)
    created_at: datetime | None = None


@dataclass(frozen=True)
class Connector:
    charge_point_id: str
    evse_id: int
    connector_id: int
    status: str = "Unknown"
    error_code: str = "NoError"
    info: str | None = None
    vendor_error_code: str | None = None
    type: str | None = None
    max_power_w: int | None = None
    status_at: datetime | None = None


@dataclass(frozen=True)
class IdTag:
    id_tag: str
    status: str = "Accepted"
    expiry_date: datetime | None = None
    group_id: str | None = None


@dataclass(frozen=True)
class IdTagInfo:
    """The answer to 'may this token charge?' in neutral form."""
    status: str                       # Accepted | Blocked | Expired | Invalid | ConcurrentTx | Unknown
    expiry_date: datetime | None = None
    group_id: str | None = None


@dataclass(frozen=True)
class SampledValue:
    value: str
    measurand: str = "Energy.Active.Import.Register"
    phase: str | None = None
    unit: str | None = None
    context: str | None = None
    location: str | None = None
    format: str | None = None


@dataclass(frozen=True)
class MeterSample:
    timestamp: datetime
    values: tuple[SampledValue, ...]


@dataclass(frozen=True)
class Transaction:
    id: int
    charge_point_id: str
    evse_id: int
    connector_id: int
    id_tag: str | None
    status: str
    started_at: datetime
    meter_start_wh: int
    ocpp_tx_id: str | None = None
    stopped_at: datetime | None = None
    meter_stop_wh: int | None = None
    energy_wh: int | None = None
    stop_reason: str | None = None
    stop_id_tag: str | None = None
    anomaly: str | None = None
    reservation_id: int | None = None
    last_meter_wh: int | None = None
    power_w: int | None = None
    soc: int | None = None
    remote_start_id: int | None = None
    seq_no: int | None = None
    offline: bool = False
    updated_at: datetime | None = None


@dataclass(frozen=True)
class TransactionEventIn:
    """What a charge point reports in one event of an event-based transaction (2.0.1
    TransactionEvent), in neutral words; events may repeat and arrive out of order."""
    kind: str                          # started | updated | ended
    ocpp_tx_id: str
    at: datetime
    seq_no: int
    offline: bool = False
    evse_id: int | None = None
    connector_id: int | None = None
    id_tag: str | None = None
    stop_authorized: bool = False      # the token is the one stopping the transaction (not its driver)
    reservation_id: int | None = None
    remote_start_id: int | None = None
    stopped_reason: str | None = None
    samples: tuple[MeterSample, ...] = ()


@dataclass(frozen=True)
class TransactionEventAnswer:
    transaction: Transaction
    id_tag_info: IdTagInfo | None      # the verdict on the event's token, when it carried one
    total_cost_fen: int | None         # what the transaction costs so far (final when ended); None: unpriced


@dataclass(frozen=True)
class Operator:
    id: int
    username: str
    password_hash: str
    role: str = "operator"             # viewer | operator | finance | admin (api/auth.py GRANTS)
    active: bool = True


@dataclass(frozen=True)
class MessageLogEntry:
    charge_point_id: str
    direction: str                    # "in" (from the charge point) | "out"
    message_type: int                 # 2 CALL, 3 CALLRESULT, 4 CALLERROR, 0 unparseable
    unique_id: str | None
    action: str | None
    payload: str
    at: datetime
    id: int | None = None


@dataclass(frozen=True)
class Page:
    items: list = field(default_factory=list)
    total: int = 0
    limit: int = 50
    offset: int = 0
