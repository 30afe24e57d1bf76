"""Hypothesis strategies of OCPP payloads, generated from the official JSON schemas (the ones the CSMS
validates against: csms.ocpp.frames): every payload drawn is valid for its schema, and the draws lean
on the values that break implementations: integers at and past 2^31 and 2^63, huge and negative-zero
numbers, leap seconds and the calendar's edges, empty and maximal strings."""

from __future__ import annotations

import calendar

from hypothesis import strategies as st

from csms.ocpp import frames

EDGE_INTS = (0, -1, 1, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 53 + 1, 2 ** 63 - 1, 2 ** 63,
             -(2 ** 63), 2 ** 64, 10 ** 30)
EDGE_NUMBERS = (1e308, -1e308, -0.0, 5e-324, 0.1, 1e15, 2.0 ** 63)


def payloads(version: str, action: str, response: bool = False) -> st.SearchStrategy[dict]:
    schema = frames.schema_of(version, action, response)
    return _strategy(schema, schema.get("definitions") or {}, version)


def _bounded(values, lo, hi):
    return [v for v in values if (lo is None or v >= lo) and (hi is None or v <= hi)]


def _integers(schema: dict, version: str) -> st.SearchStrategy:
    lo, hi = schema.get("minimum"), schema.get("maximum")
    lo = int(lo) if lo is not None else None
    hi = int(hi) if hi is not None else None
    small = st.integers(max(lo, -3) if lo is not None else -3, min(hi, 60) if hi is not None else 60)
    options = [small, small, st.integers(lo, hi)]
    edges = _bounded(EDGE_INTS, lo, hi)
    if edges:
        options.append(st.sampled_from(edges))
    if version != "ocpp1.6":            # draft-06: an integral float is an integer
        options.append(st.sampled_from(_bounded((1.0, -0.0, 3.0, 1e308, 2.0 ** 63), lo, hi) or [float(lo or 0)]))
    return st.one_of(options)


def _numbers(schema: dict) -> st.SearchStrategy:
    lo, hi = schema.get("minimum"), schema.get("maximum")
    floats = st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False)
    ints = st.integers(int(lo) if lo is not None else -1000, int(hi) if hi is not None else 100_000)
    options = [ints, floats]
    edges = _bounded(EDGE_NUMBERS, lo, hi)
    if edges:
        options.append(st.sampled_from(edges))
    return st.one_of(options)


@st.composite
def timestamps(draw) -> str:
    """RFC 3339 date-times as the schemas' regex accepts them (and so as a station may send them)."""
    year = draw(st.one_of(st.integers(2015, 2040), st.sampled_from([0, 1, 1970, 9999])))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, calendar.monthrange(year or 2000, month)[1] if year else 28))
    hour, minute = draw(st.integers(0, 23)), draw(st.integers(0, 59))
    second = draw(st.one_of(st.integers(0, 59), st.just(60)))
    fraction = draw(st.sampled_from(["", ".5", ".123", ".123456", ".123456789"]))
    zone = draw(st.sampled_from(["Z", "z", "+00:00", "-01:00", "+08:00", "+0530", "-2359", "+23:59"]))
    t = draw(st.sampled_from("Tt"))
    return f"{year:04d}-{month:02d}-{day:02d}{t}{hour:02d}:{minute:02d}:{second:02d}{fraction}{zone}"


_TEXT = st.characters(blacklist_categories=("Cs",))


def _strings(schema: dict) -> st.SearchStrategy:
    if schema.get("format") == "date-time":
        return timestamps()
    if schema.get("format") == "uri":
        return st.sampled_from(["http://127.0.0.1:9/x", "https://example.invalid/a?b=c", "ftp://h/p"])
    limit = schema.get("maxLength", 64)
    short = st.text(_TEXT, max_size=min(limit, 24))
    longest = st.sampled_from(["x", "\u00e9", "\u4e2d", "\U0001f50c"]).map(lambda c: c * limit)
    return st.one_of(short, short, longest)


def _strategy(schema: dict, definitions: dict, version: str) -> st.SearchStrategy:
    if "$ref" in schema:
        return st.deferred(lambda: _strategy(definitions[schema["$ref"].rsplit("/", 1)[-1]], definitions, version))
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties") or {}
        required = set(schema.get("required") or ())
        return st.fixed_dictionaries(
            {k: _strategy(v, definitions, version) for k, v in props.items() if k in required},
            optional={k: _strategy(v, definitions, version) for k, v in props.items() if k not in required})
    if kind == "array":
        lo = schema.get("minItems", 0)
        hi = max(lo, min(schema.get("maxItems", 3), 3))
        return st.lists(_strategy(schema.get("items") or {}, definitions, version), min_size=lo, max_size=hi)
    if kind == "integer":
        return _integers(schema, version)
    if kind == "number":
        return _numbers(schema)
    if kind == "boolean":
        return st.booleans()
    if kind == "string":
        return _strings(schema)
    return st.none()
