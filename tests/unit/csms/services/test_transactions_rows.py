"""The meter_values rows a transaction's samples become (csms/services/transactions.py ``rows``)."""

from __future__ import annotations

from datetime import timedelta

from csms.services.transactions import rows as meter_rows
from tests.fakes import EPOCH
from tests.unit.builders import a_sample, a_value


def test_rows_are_one_per_sampled_value_with_the_numeric_value_when_there_is_one():
    samples = [a_sample(a_value("12.5", unit="kWh"), a_value("n/a", measurand="SoC"), at=EPOCH),
               a_sample(a_value("7"), at=EPOCH + timedelta(seconds=1))]

    out = meter_rows("CP1", 1, 2, 77, samples)

    assert [(r["value"], r["value_num"], r["timestamp"]) for r in out] == \
        [("12.5", 12.5, EPOCH), ("n/a", None, EPOCH), ("7", 7.0, EPOCH + timedelta(seconds=1))]
    assert {(r["charge_point_id"], r["evse_id"], r["connector_id"], r["transaction_id"]) for r in out} == \
        {("CP1", 1, 2, 77)}


def test_a_row_value_is_cut_to_the_column_width():
    [row] = meter_rows("CP1", 1, 1, None, [a_sample(a_value("9" * 100))])

    assert row["value"] == "9" * 64
