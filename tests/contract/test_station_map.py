"""The driver map's reads (csms.domain.profile.StationMapRepository) on the fake and on SQLite and
MariaDB: places, the driver-facing connectors with their rank, live counts, what operators keep."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from csms.db import repositories as core
from csms.db.repositories_station_map import SqlStationMapRepository
from csms.domain.live_status import LiveStatus
from csms.domain.profile import (
    RANK_FAULTED,
    RANK_FREE,
    RANK_OCCUPIED,
    RANK_RESERVED,
    RANK_UNAVAILABLE,
    ConnectorRow,
    GeoPoint,
    StationCounts,
    StationDetails,
    StationSummary,
)
from tests.fakes import EPOCH
from tests.fakes_station_map import FakeLiveStatusStore

BOX = (31.0, 31.5, 121.0, 121.5)


async def connector(repos, cp_id: str, evse_id: int, connector_id: int, status: str, **meta) -> None:
    await repos.connectors.set_status(cp_id, evse_id, connector_id, status=status, error_code="NoError", info=None,
                                      vendor_error_code=None, at=EPOCH)
    if meta:
        protocol = (await repos.charge_points.get(cp_id)).protocol
        await repos.station_map.patch_connector(cp_id, evse_id, protocol, **meta)


@pytest.fixture
async def town(repos):
    """Harbour (in the box): a 1.6 charge point online with connectors 1-5 (free DC, charging,
    free but transacting, reserved, faulted) and a 2.0.1 one online whose EVSE 1 has a free and a
    charging connector; Hill (in the box): one offline 1.6 charge point; Far (outside, no position for
    Nowhere)."""
    harbour = (await repos.stations.create(name="Harbour Depot", address="1 Quay Rd", lat=31.2, lng=121.4)).id
    hill = (await repos.stations.create(name="Hill Top", address="9 Ridge", lat=31.3, lng=121.1,
                                        timezone="Europe/Berlin")).id
    far = (await repos.stations.create(name="Far Depot", address="", lat=39.9, lng=116.4)).id
    nowhere = (await repos.stations.create(name="Nowhere", address="quay side")).id
    await repos.charge_points.create(id="A16", station_id=harbour, protocol="ocpp1.6", online=True)
    await repos.charge_points.create(id="B201", station_id=harbour, protocol="ocpp2.0.1", online=True)
    await repos.charge_points.create(id="C16", station_id=hill, protocol="ocpp1.6", online=False)
    await repos.charge_points.create(id="LOOSE", protocol="ocpp1.6", online=True)
    await connector(repos, "A16", 0, 0, "Available")                     # the whole charge point: not a connector
    await connector(repos, "A16", 1, 1, "Available", type="CCS2", max_power_w=60000)
    await connector(repos, "A16", 2, 2, "Charging", type="GBT_AC", max_power_w=7000)
    await connector(repos, "A16", 3, 3, "Preparing", type="Type2", max_power_w=22000)
    await connector(repos, "A16", 4, 4, "Available")
    await connector(repos, "A16", 5, 5, "Faulted", max_power_w=30000)
    await connector(repos, "B201", 1, 1, "Available", type="cType2", max_power_w=11000)
    await connector(repos, "B201", 1, 2, "Charging")      # type and power are per EVSE: patched for both
    await connector(repos, "C16", 1, 1, "Available", type="CCS2", max_power_w=120000)
    await connector(repos, "LOOSE", 1, 1, "Available")
    await repos.transactions.start(charge_point_id="A16", evse_id=3, connector_id=3, id_tag="T", started_at=EPOCH,
                                   meter_start_wh=0, ocpp_tx_id=None, reservation_id=None)
    reservation = await repos.reservations.create(charge_point_id="A16", connector_id=4, id_tag="R",
                                                  expiry_date=EPOCH + timedelta(minutes=15))
    await repos.reservations.transition(reservation.id, "Requested", status="Accepted")
    user, _ = await repos.users.upsert_by_openid("o-1")
    await repos.holders.add(reservation.id, user.id, 0)
    await repos.wallet.move(user.id, "topup", 900, "t1")
    return {"harbour": harbour, "hill": hill, "far": far, "nowhere": nowhere, "user": user.id}


async def test_places_in_a_box_by_id_and_by_text(repos, town):
    inside = await repos.station_map.geo_candidates(*BOX)
    assert sorted(inside, key=lambda p: p.station_id) == [GeoPoint(town["harbour"], 31.2, 121.4),
                                                          GeoPoint(town["hill"], 31.3, 121.1)]
    assert await repos.station_map.geo_candidates(31.2, 31.2, 121.4, 121.4) == [GeoPoint(town["harbour"], 31.2, 121.4)]
    summaries = await repos.station_map.summaries([town["hill"], town["nowhere"], 424242])
    assert summaries == {
        town["hill"]: StationSummary(town["hill"], "Hill Top", "9 Ridge", 31.3, 121.1, "Europe/Berlin"),
        town["nowhere"]: StationSummary(town["nowhere"], "Nowhere", "quay side", None, None, "Asia/Shanghai")}
    assert [p.station_id for p in await repos.station_map.matching("QUAY")] == [town["harbour"], town["nowhere"]]
    assert [p.station_id for p in await repos.station_map.matching("depot")] == [town["harbour"], town["far"]]
    assert await repos.station_map.matching("nothing like it") == []


async def test_driver_facing_connectors_carry_their_rank(repos, town):
    rows = await repos.station_map.connectors(EPOCH, station_id=town["harbour"])
    h = town["harbour"]
    assert rows == [
        ConnectorRow(h, "A16", 1, True, RANK_FREE, "Available", ("CCS2",), "dc", 60000),
        ConnectorRow(h, "A16", 2, True, RANK_OCCUPIED, "Charging", ("GBT_AC",), "ac", 7000),
        ConnectorRow(h, "A16", 3, True, RANK_OCCUPIED, "Preparing", ("Type2",), "ac", 22000),   # a transaction runs
        ConnectorRow(h, "A16", 4, True, RANK_RESERVED, "Available", (), "ac", None),
        ConnectorRow(h, "A16", 5, True, RANK_FAULTED, "Faulted", (), "dc", 30000),                 # above 22 kW
        ConnectorRow(h, "B201", 1, True, RANK_OCCUPIED, "Charging", ("cType2",), "ac", 11000),
    ]
    [offline] = await repos.station_map.connectors(EPOCH, charge_point_id="C16")
    assert (offline.online, offline.rank, offline.station_id) == (False, RANK_FREE, town["hill"])
    await repos.connectors.set_status("A16", 1, 1, status="Unavailable", error_code="NoError", info=None,
                                      vendor_error_code=None, at=EPOCH + timedelta(seconds=1))
    first = (await repos.station_map.connectors(EPOCH, charge_point_id="A16", station_id=h))[0]
    assert (first.connector_id, first.rank) == (1, RANK_UNAVAILABLE)
    assert await repos.station_map.connectors(EPOCH, station_id=town["far"]) == []


async def test_live_counts_per_station_by_id_or_box(repos, town):
    h, hill = town["harbour"], town["hill"]
    harbour = StationCounts(total=6, free=1, occupied=4, faulted=1, offline=0, free_dc=1, free_ac=0, dc=2, ac=4,
                            max_power_w=60000)
    hill_counts = StationCounts(total=1, free=0, occupied=0, faulted=0, offline=1, free_dc=0, free_ac=0, dc=1, ac=0,
                                max_power_w=120000)
    assert await repos.station_map.counts(EPOCH, station_ids=[h, hill, town["far"]]) == {h: harbour, hill: hill_counts}
    assert await repos.station_map.counts(EPOCH, box=BOX) == {h: harbour, hill: hill_counts}
    assert await repos.station_map.counts(EPOCH, station_ids=[hill], box=BOX) == {hill: hill_counts}
    assert await repos.station_map.counts(EPOCH, station_ids=[]) == {}


async def test_charge_points_stations_and_the_driver(repos, town):
    assert await repos.station_map.charge_point("B201") == (town["harbour"], "ocpp2.0.1")
    assert await repos.station_map.charge_point("LOOSE") == (None, "ocpp1.6")
    assert await repos.station_map.charge_point("NOPE") is None
    assert await repos.station_map.station_exists(town["far"]) is True
    assert await repos.station_map.station_exists(424242) is False
    assert await repos.station_map.balance(town["user"]) == 900
    assert await repos.station_map.balance(town["user"] + 99) == 0
    other, _ = await repos.users.upsert_by_openid("o-2")
    assert await repos.station_map.reserved_for(town["user"], "A16", 4, EPOCH) is True
    assert await repos.station_map.reserved_for(other.id, "A16", 4, EPOCH) is False
    assert await repos.station_map.reserved_for(town["user"], "A16", 3, EPOCH) is False
    assert await repos.station_map.reserved_for(town["user"], "A16", 4, EPOCH + timedelta(minutes=15)) is False


async def test_station_details_are_kept_field_by_field(repos, town):
    h = town["harbour"]
    assert await repos.station_map.details(h) is None
    first = await repos.station_map.put_details(h, opening_hours="24h")
    repos.clock.advance(60)
    second = await repos.station_map.put_details(h, photos=("https://x/1.jpg", "https://x/2.jpg"))

    assert first == StationDetails(h, "24h", (), EPOCH)
    assert second == StationDetails(h, "24h", ("https://x/1.jpg", "https://x/2.jpg"), repos.clock.now())
    assert await repos.station_map.details(h) == second
    assert await repos.station_map.put_details(424242, opening_hours="never") is None


async def test_patching_a_connector_sets_every_connector_of_the_evse_or_creates_one(repos, town):
    assert await repos.station_map.patch_connector("B201", 1, "ocpp2.0.1", max_power_w=150000) == 2
    assert await repos.station_map.patch_connector("B201", 2, "ocpp2.0.1", type="cCCS2") == 1
    assert await repos.station_map.patch_connector("A16", 9, "ocpp1.6", type="GBT_DC") == 1
    assert await repos.station_map.patch_connector("NOPE", 1, "ocpp1.6", type="CCS2") == 0

    new_evse = await repos.connectors.get("B201", 2, 1)
    assert (new_evse.status, new_evse.error_code, new_evse.type, new_evse.max_power_w) == (
        "Unknown", "NoError", "cCCS2", None)
    assert (await repos.connectors.get("A16", 9, 9)).type == "GBT_DC"
    assert [c.max_power_w for c in await repos.connectors.list_for("B201")] == [150000, 150000, None]


async def mirror(repos) -> FakeLiveStatusStore:
    """A live status store holding what the database holds."""
    store = FakeLiveStatusStore()
    for cp_id, evse, conn, status, error_code, at in await repos.connectors.statuses():
        store.put(cp_id, evse, conn, LiveStatus(status, error_code, at))
    for cp_id, live in store.charge_points.items():
        store.charge_points[cp_id] = replace(live, online=(await repos.charge_points.get(cp_id)).online)
    return store


async def test_the_live_path_answers_as_the_database_does_and_follows_the_live_status(repos, town):
    if repos.kind == "fake":
        pytest.skip("the live path is the SQL repositories'")
    store = await mirror(repos)
    live = SqlStationMapRepository(repos.station_map.db_sessions, repos.clock, store)
    h, hill = town["harbour"], town["hill"]
    assert await live.counts(EPOCH, box=BOX) == await repos.station_map.counts(EPOCH, box=BOX)
    assert await live.counts(EPOCH, station_ids=[h]) == await repos.station_map.counts(EPOCH, station_ids=[h])
    assert await live.connectors(EPOCH, station_id=h) == await repos.station_map.connectors(EPOCH, station_id=h)
    store.put("A16", 1, 1, LiveStatus("Faulted", "GroundFailure", EPOCH + timedelta(seconds=5)))
    store.charge_points["B201"] = replace(store.charge_points["B201"], online=False)
    rows = await live.connectors(EPOCH, station_id=h)
    assert (rows[0].rank, rows[0].ocpp_status) == (RANK_FAULTED, "Faulted")
    assert [r.online for r in rows if r.charge_point_id == "B201"] == [False]
    counts = (await live.counts(EPOCH, station_ids=[h, hill]))[h]
    assert (counts.free, counts.faulted, counts.offline) == (0, 2, 1)
    connectors = core.SqlConnectorRepository(repos.connectors.db_sessions, repos.clock, store)
    first = (await connectors.list_for("A16"))[1]           # the later of the two: the live one
    assert (first.status, first.error_code) == ("Faulted", "GroundFailure")
    store.put("A16", 1, 1, LiveStatus("Charging", "NoError", EPOCH - timedelta(seconds=5)))
    assert (await connectors.list_for("A16"))[1].status == "Available"    # an older live one loses
    store.away = True                                                      # Redis away: the database
    assert await live.connectors(EPOCH, station_id=h) == await repos.station_map.connectors(EPOCH, station_id=h)
