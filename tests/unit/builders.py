"""Test builders: each fills in what a test does not care about; pass what it does."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from csms.domain.models import ChargePoint, IdTag, MeterSample, SampledValue, Transaction
from tests.fakes import EPOCH

_ids = itertools.count(1000)


def a_transaction(**overrides: Any) -> Transaction:
    values: dict[str, Any] = dict(id=next(_ids), charge_point_id="CP1", evse_id=1, connector_id=1, id_tag="TAG1",
                                  status="Active", started_at=EPOCH - timedelta(minutes=30), meter_start_wh=1000,
                                  ocpp_tx_id=None, last_meter_wh=overrides.get("meter_start_wh", 1000),
                                  updated_at=EPOCH)
    values.update(overrides)
    return Transaction(**values)


def a_charge_point(**overrides: Any) -> ChargePoint:
    values: dict[str, Any] = dict(id=f"CP-{next(_ids)}", registration_status="Accepted", security_profile=0,
                                  created_at=EPOCH)
    values.update(overrides)
    return ChargePoint(**values)


def an_id_tag(**overrides: Any) -> IdTag:
    values: dict[str, Any] = dict(id_tag=f"TAG{next(_ids)}", status="Accepted")
    values.update(overrides)
    return IdTag(**values)


def a_value(value: Any = "1000", **overrides: Any) -> SampledValue:
    """A sampled value; the energy register in Wh unless told otherwise."""
    return SampledValue(value=str(value), **overrides)


def a_sample(*values: SampledValue, at: datetime = EPOCH) -> MeterSample:
    return MeterSample(at, tuple(values) or (a_value(),))


def start_args(**overrides: Any) -> dict:
    """Keyword arguments of SessionService.start for a plain start on connector 1."""
    values: dict[str, Any] = dict(evse_id=1, connector_id=1, id_tag=None, meter_start_wh=1000,
                                  started_at=EPOCH - timedelta(minutes=5))
    values.update(overrides)
    return values
