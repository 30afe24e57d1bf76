"""The readings in meter values: integer Wh, W and percent out of what charge points send (units,
scales, measurands), and what cannot be kept (a number beyond the register, power or double columns).
Pure functions of the domain's SampledValue / MeterSample: the OCPP adapters refuse an unstorable
value, the transaction service and the tariffs read energy from the same functions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from csms.domain.models import MeterSample, SampledValue

ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"
SOC = "SoC"
_ENERGY_SCALE = {None: 1, "Wh": 1, "kWh": 1000}
_POWER_SCALE = {None: 1, "W": 1, "kW": 1000}


def number(value: str) -> Decimal | None:
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def unstorable(sv: SampledValue) -> str | None:
    """Why a sampled value cannot be kept (a number beyond the register, power or double columns), or
    None. Checked before any conversion: an integer of a billion digits would stall the event loop."""
    n = number(sv.value)
    if n is None:
        return None                     # not a number: kept as text only
    if n.adjusted() > 18:
        return f"{sv.value} is beyond any meter reading the CSMS can store"
    e = energy_wh(sv)
    if e is not None and not -(2 ** 63) <= e < 2 ** 63:
        return f"{sv.value} {sv.unit or 'Wh'} is beyond a 64-bit Wh register"
    p = power_w(sv)
    if p is not None and not -(2 ** 31) <= p < 2 ** 31:
        return f"{sv.value} {sv.unit or 'W'} is beyond a 32-bit W value"
    return None


def energy_wh(sv: SampledValue) -> int | None:
    """Total (not per-phase) active import register in Wh, or None if ``sv`` is not one."""
    if (sv.measurand or ENERGY) != ENERGY or sv.phase or sv.format == "SignedData":
        return None
    if sv.location not in (None, "Outlet", "Inlet"):
        return None
    scale = _ENERGY_SCALE.get(sv.unit)
    n = number(sv.value)
    return None if scale is None or n is None else int((n * scale).to_integral_value())


def power_w(sv: SampledValue) -> int | None:
    if sv.measurand != POWER or sv.phase or sv.format == "SignedData":
        return None
    scale = _POWER_SCALE.get(sv.unit)
    n = number(sv.value)
    return None if scale is None or n is None else int((n * scale).to_integral_value())


def soc(sv: SampledValue) -> int | None:
    if sv.measurand != SOC:
        return None
    n = number(sv.value)
    return None if n is None else max(0, min(100, int(n)))


def latest(samples: list[MeterSample]) -> tuple[int | None, int | None, int | None]:
    """(energy register Wh, power W, SoC %) from the newest sample that carries each."""
    e = p = s = None
    for sample in sorted(samples, key=lambda m: m.timestamp):
        for sv in sample.values:
            e = energy_wh(sv) if energy_wh(sv) is not None else e
            p = power_w(sv) if power_w(sv) is not None else p
            s = soc(sv) if soc(sv) is not None else s
    return e, p, s


def register_samples(samples: list[MeterSample]) -> list[tuple[datetime, int]]:
    """(time, Wh) of each sample carrying the total energy import register."""
    out = []
    for sample in samples:
        wh = next((v for v in map(energy_wh, sample.values) if v is not None), None)
        if wh is not None:
            out.append((sample.timestamp, wh))
    return out
