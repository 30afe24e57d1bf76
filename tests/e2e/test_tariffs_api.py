"""Tariff REST endpoints over real HTTP: versions written and listed, the price now, a local day's
schedule, and every bad input answered with a 4xx JSON error naming the field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="module")
own_server = pytest.mark.asyncio(loop_scope="function")


@pytest.fixture
def csms(shared_csms):
    return shared_csms


def _body(plan=(("00:00", "valley"), ("08:00", "peak"), ("22:00", "valley")), prices=None, **extra) -> dict:
    starts = [s for s, _ in plan] + ["24:00"]
    prices = prices or {"valley": (30, 40), "peak": (100, 80), "flat": (70, 60), "sharp": (120, 90)}
    used = {p for _, p in plan}
    return {"segments": [{"start": starts[i], "end": starts[i + 1], "period": p} for i, (_, p) in enumerate(plan)],
            "prices": {p: {"energy_fen_per_kwh": e, "service_fen_per_kwh": s}
                       for p, (e, s) in prices.items() if p in used}, **extra}


def _tariff(sid) -> str:
    return f"/api/v1/admin/stations/{sid}/tariff"


async def test_put_a_tariff_then_list_versions_newest_first(csms):
    sid = (await csms.a_station())["id"]
    code, first = await csms.put(_tariff(sid), _body(effective_from="2024-01-01T00:00:00+08:00",
                                                     idle_fee_fen_per_min=50))
    assert code == 201, first
    assert first == {"id": first["id"], "station_id": sid, "effective_from": "2023-12-31T16:00:00.000Z",
                     "segments": [{"start": "00:00", "end": "08:00", "period": "valley"},
                                  {"start": "08:00", "end": "22:00", "period": "peak"},
                                  {"start": "22:00", "end": "24:00", "period": "valley"}],
                     "prices": {"peak": {"energy_fen_per_kwh": 100, "service_fen_per_kwh": 80},
                                "valley": {"energy_fen_per_kwh": 30, "service_fen_per_kwh": 40}},
                     "idle_fee_fen_per_min": 50, "idle_grace_minutes": 15, "created_at": first["created_at"]}
    code, second = await csms.put(_tariff(sid), _body((("00:00", "flat"),)))       # from now
    assert code == 201
    assert abs(datetime.fromisoformat(second["effective_from"]) - datetime.now(UTC)) < timedelta(seconds=30)

    code, versions = await csms.get(f"/api/v1/admin/stations/{sid}/tariffs")
    assert code == 200 and [v["id"] for v in versions] == [second["id"], first["id"]]


async def test_price_now_in_the_station_time_zone(csms):
    sid = (await csms.a_station(timezone="Europe/Berlin"))["id"]
    await csms.put(_tariff(sid), _body((("00:00", "flat"),), effective_from="2024-01-01T00:00:00Z"))
    code, price = await csms.get(_tariff(sid) + "/now")
    assert code == 200, price
    berlin = ZoneInfo("Europe/Berlin")
    midnight = datetime.combine(datetime.now(berlin).date() + timedelta(days=1), datetime.min.time(), tzinfo=berlin)
    assert price == {"period": "flat", "energy_fen_per_kwh": 70, "service_fen_per_kwh": 60, "total_fen_per_kwh": 130,
                     "until": midnight.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")}


async def test_no_price_without_a_tariff_and_404_for_an_unknown_station(csms):
    sid = (await csms.a_station())["id"]
    code, body = await csms.get(_tariff(sid) + "/now")
    assert (code, body["error"]["code"]) == (404, "no_tariff")
    await csms.put(_tariff(sid), _body(effective_from="2099-01-01T00:00:00Z"))        # not in force yet
    code, body = await csms.get(_tariff(sid) + "/now")
    assert (code, body["error"]["code"]) == (404, "no_tariff")
    for path in ("/now", "/day?date=2024-05-01", "/day"):
        code, body = await csms.get(_tariff(999_999) + path)
        assert (code, body["error"]["code"]) == (404, "not_found"), path
    code, body = await csms.get("/api/v1/admin/stations/999999/tariffs")
    assert (code, body["error"]["code"]) == (404, "not_found")
    code, body = await csms.put(_tariff(999_999), _body())
    assert (code, body["error"]["code"]) == (404, "not_found")


async def test_a_day_schedule_split_where_a_new_version_starts(csms):
    sid = (await csms.a_station())["id"]       # Asia/Shanghai
    await csms.put(_tariff(sid), _body(effective_from="2024-01-01T00:00:00+08:00"))
    await csms.put(_tariff(sid), _body(prices={"valley": (30, 40), "peak": (110, 80)},
                                       effective_from="2024-05-01T12:30:00+08:00"))
    code, rows = await csms.get(_tariff(sid) + "/day?date=2024-05-01")
    assert code == 200, rows
    assert [(r["start"], r["end"], r["period"], r["total_fen_per_kwh"]) for r in rows] == [
        ("00:00", "08:00", "valley", 70), ("08:00", "12:30", "peak", 180), ("12:30", "22:00", "peak", 190),
        ("22:00", "24:00", "valley", 70)]
    code, rows = await csms.get(_tariff(sid) + "/day?date=2023-05-01")
    assert (code, rows) == (200, [])
    code, rows = await csms.get(_tariff(sid) + "/day")        # today
    assert code == 200 and rows[0]["start"] == "00:00" and rows[-1]["end"] == "24:00"


@pytest.mark.parametrize("change, field", [
    ({"segments": [{"start": "00:00", "end": "12:00", "period": "valley"}]}, "segments[0].end"),
    ({"segments": [{"start": "00:00", "end": "12:00", "period": "valley"},
                   {"start": "13:00", "end": "24:00", "period": "valley"}]}, "segments[1].start"),
    ({"segments": [{"start": "00:00", "end": "25:00", "period": "valley"}]}, "segments[0].end"),
    ({"segments": [{"start": "00:00", "end": "24:00", "period": "noon"}]}, "segments[0].period"),
    ({"segments": []}, "segments"),
    ({"prices": {"valley": {"energy_fen_per_kwh": 1, "service_fen_per_kwh": 1}}}, "prices.peak"),
    ({"prices": {"valley": {"energy_fen_per_kwh": -1, "service_fen_per_kwh": 1}}}, "prices.valley.energy_fen_per_kwh"),
    ({"prices": {"valley": {"energy_fen_per_kwh": 1.5, "service_fen_per_kwh": 1}}}, "prices.valley.energy_fen_per_kwh"),
    ({"idle_grace_minutes": -1}, "idle_grace_minutes"),
    ({"effective_from": "soon"}, "effective_from"),
    ({"effective_from": "2024-05-01T12:00:00"}, "effective_from"),
    ({"effective_from": "0001-01-01T00:00:00Z"}, "effective_from"),
    ({"colour": "red"}, "body"),
])
async def test_an_invalid_tariff_is_a_400_naming_the_field(csms, change, field):
    sid = (await csms.a_station())["id"]
    code, body = await csms.put(_tariff(sid), {**_body(), **change})
    assert code == 400, body
    assert body["error"]["code"] == "validation_error"
    assert body["error"]["field"] == field, body


async def test_missing_or_malformed_bodies_and_queries(csms):
    sid = (await csms.a_station())["id"]
    code, body = await csms.put(_tariff(sid), {"prices": {}})
    assert (code, body["error"]["code"]) == (400, "validation_error")
    code, body = await csms.request("PUT", _tariff(sid), data=b"{nope", headers={"Content-Type": "application/json"})
    assert (code, body["error"]["code"]) == (400, "invalid_json")
    for bad in ("2024-13-01", "yesterday", "9999-12-31", "0001-01-01"):
        code, body = await csms.get(_tariff(sid) + f"/day?date={bad}")
        assert (code, body["error"]["code"]) == (400, "validation_error"), bad
    code, body = await csms.get(_tariff(sid) + "/now", token=None)
    assert (code, body["error"]["code"]) == (401, "unauthorized")
    code, _ = await csms.put(_tariff(sid), _body(), token=None)
    assert code == 401


async def test_a_second_version_from_the_same_time_is_refused(csms):
    sid = (await csms.a_station())["id"]
    code, _ = await csms.put(_tariff(sid), _body(effective_from="2024-06-01T00:00:00+08:00"))
    assert code == 201
    code, body = await csms.put(_tariff(sid), _body(effective_from="2024-05-31T16:00:00Z"))
    assert (code, body["error"]["field"]) == (400, "effective_from")


@own_server
async def test_versions_round_trip_on_each_database(csms_any_db):
    csms = csms_any_db
    sid = (await csms.a_station())["id"]
    code, put = await csms.put(_tariff(sid), _body(effective_from="2024-01-01T00:00:00.123456Z"))
    assert code == 201, put
    code, versions = await csms.get(f"/api/v1/admin/stations/{sid}/tariffs")
    assert (code, versions) == (200, [put])
    code, rows = await csms.get(_tariff(sid) + "/day?date=2024-05-01")
    assert code == 200 and len(rows) == 3
