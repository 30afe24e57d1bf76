"""Version-neutral commands an operator (or a service) sends to a charge point.

Each is encoded per OCPP version (csms/ocpp/v16/commands.py, ...), and the answer mapped back to a
neutral result dict whose ``status`` is the charge point's verdict."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RemoteStart:
    id_tag: str
    connector_id: int | None = None      # 1.6 connector / 2.0.1 EVSE; None = the charge point chooses
    charging_profile: dict | None = None
    remote_start_id: int | None = None


@dataclass(frozen=True)
class RemoteStop:
    transaction_id: int                  # our transaction id
    ocpp_tx_id: str | None = None        # filled in by CommandService from the stored transaction


@dataclass(frozen=True)
class Reset:
    type: str = "Soft"                   # Soft | Hard


@dataclass(frozen=True)
class UnlockConnector:
    connector_id: int
    evse_id: int | None = None


@dataclass(frozen=True)
class ChangeAvailability:
    operative: bool
    connector_id: int = 0                # 0 = the whole charge point


@dataclass(frozen=True)
class GetConfiguration:
    keys: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ChangeConfiguration:
    key: str
    value: str


@dataclass(frozen=True)
class TriggerMessage:
    message: str                         # BootNotification, Heartbeat, StatusNotification, MeterValues, ...
    connector_id: int | None = None


@dataclass(frozen=True)
class ClearCache:
    pass


@dataclass(frozen=True)
class DataTransfer:
    vendor_id: str
    message_id: str | None = None
    data: str | None = None


@dataclass(frozen=True)
class GetTransactionStatus:
    transaction_id: int | None = None    # ours; None = are messages queued at all
    ocpp_tx_id: str | None = None
