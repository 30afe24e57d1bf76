from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csms.domain import meter
from tests.fakes import EPOCH
from tests.unit.builders import a_sample, a_value

kwh_texts = st.decimals(min_value=0, max_value=10_000_000, places=4, allow_nan=False, allow_infinity=False) \
    .map(lambda d: f"{d:f}")


# -- energy ------------------------------------------------------------------------------------------
@given(kwh_texts)
def test_a_kwh_register_is_its_value_times_1000_rounded(text):
    assert meter.energy_wh(a_value(text, unit="kWh")) == round(Decimal(text) * 1000)


@given(st.integers(min_value=0, max_value=10**12))
def test_a_wh_register_is_taken_as_it_is_with_or_without_a_unit(wh):
    assert meter.energy_wh(a_value(wh, unit="Wh")) == wh
    assert meter.energy_wh(a_value(wh)) == wh


@pytest.mark.parametrize("sv", [
    a_value("100", phase="L1"),                                           # one phase, not the total
    a_value("100", measurand="Energy.Active.Export.Register"),
    a_value("100", measurand="Power.Active.Import"),
    a_value("100", format="SignedData"),
    a_value("100", location="EV"),
    a_value("100", unit="varh"),
    a_value("not a number"),
    a_value("NaN"),
    a_value("Infinity"),
    a_value(""),
], ids=lambda sv: f"{sv.measurand}/{sv.phase}/{sv.unit}/{sv.location}/{sv.format}/{sv.value}")
def test_what_is_not_the_total_import_register_gives_no_energy(sv):
    assert meter.energy_wh(sv) is None


@pytest.mark.parametrize("location", [None, "Outlet", "Inlet"])
def test_the_register_may_be_read_at_the_outlet_or_the_inlet(location):
    assert meter.energy_wh(a_value("42", location=location)) == 42


def test_a_missing_measurand_is_the_energy_register():
    assert meter.energy_wh(a_value("42", measurand=None)) == 42


# -- power and state of charge -------------------------------------------------------------------------
kw_texts = st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False, allow_infinity=False) \
    .map(lambda d: f"{d:f}")


@given(kw_texts)
def test_kw_power_is_converted_to_w(text):
    assert meter.power_w(a_value(text, measurand=meter.POWER, unit="kW")) == round(Decimal(text) * 1000)


def test_power_per_phase_or_of_another_measurand_is_not_the_power():
    assert meter.power_w(a_value("7000", measurand=meter.POWER, phase="L1", unit="W")) is None
    assert meter.power_w(a_value("7000", unit="W")) is None


@given(st.integers(min_value=-1000, max_value=1000))
def test_soc_is_a_percentage_between_0_and_100(n):
    got = meter.soc(a_value(n, measurand=meter.SOC))
    assert 0 <= got <= 100
    if 0 <= n <= 100:
        assert got == n


def test_soc_of_another_measurand_is_none():
    assert meter.soc(a_value("50")) is None


# -- the newest sample ---------------------------------------------------------------------------------
@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=12), st.randoms())
def test_latest_picks_the_newest_sample_whatever_the_order(registers, rnd):
    samples = [a_sample(a_value(wh), at=EPOCH + timedelta(seconds=i)) for i, wh in enumerate(registers)]
    rnd.shuffle(samples)

    energy, power, soc = meter.latest(samples)

    assert energy == registers[-1]
    assert (power, soc) == (None, None)


@given(st.lists(st.tuples(st.sampled_from(["energy", "power", "soc"]), st.integers(0, 100)), min_size=1, max_size=12),
       st.randoms())
def test_latest_takes_each_figure_from_the_newest_sample_carrying_it(readings, rnd: random.Random):
    builders = {"energy": lambda n: a_value(n), "power": lambda n: a_value(n, measurand=meter.POWER, unit="W"),
                "soc": lambda n: a_value(n, measurand=meter.SOC)}
    samples = [a_sample(builders[kind](n), at=EPOCH + timedelta(seconds=i)) for i, (kind, n) in enumerate(readings)]
    rnd.shuffle(samples)

    newest = {kind: n for kind, n in readings}      # later readings overwrite earlier ones
    assert meter.latest(samples) == (newest.get("energy"), newest.get("power"), newest.get("soc"))


def test_latest_of_nothing_is_nothing():
    assert meter.latest([]) == (None, None, None)
