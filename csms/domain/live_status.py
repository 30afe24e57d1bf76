"""The live connector status that the map, the driver API and the console read (docs/scaling.md
"Live connector status"): the latest status of every connector, written by the OCPP node that
received it, and whether the charge point is connected. On several nodes it is a Redis hash per
charge point (csms/cluster/live_status.py); in one process there is none (``NO_LIVE_STATUS``) and the
readers read the database, as they always did."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol

from csms.domain.models import Connector


@dataclass(frozen=True)
class LiveStatus:
    status: str
    error_code: str
    at: datetime | None


@dataclass(frozen=True)
class LiveChargePoint:
    online: bool
    connectors: dict[tuple[int, int], LiveStatus] = field(default_factory=dict)   # (evse, connector) ->


class LiveStatusStore(Protocol):
    async def read(self, cp_ids: Collection[str]) -> dict[str, LiveChargePoint] | None:
        """The live state of these charge points (every one of them in the answer), or None when the
        store cannot answer (none configured, Redis away, not warmed yet): read the database then."""


class NoLiveStatus:
    """One process: the database is the live status (its batch writer is this process's own)."""

    async def read(self, cp_ids: Collection[str]) -> dict[str, LiveChargePoint] | None:
        return None


NO_LIVE_STATUS = NoLiveStatus()


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def overlay(connector: Connector, live: LiveChargePoint | None) -> Connector:
    """The connector with its live status when that is the later of the two (a Redis restored from an
    older snapshot loses to the database until it is warmed again)."""
    s = live.connectors.get((connector.evse_id, connector.connector_id)) if live is not None else None
    if s is None or (connector.status_at is not None and (s.at is None or _utc(s.at) < _utc(connector.status_at))):
        return connector
    return replace(connector, status=s.status, error_code=s.error_code, status_at=s.at)
