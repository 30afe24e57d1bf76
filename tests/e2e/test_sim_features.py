"""The CSMS's feature commands against the bundled simulator, both OCPP versions, over real sockets:
the station keeps real state, so what the CSMS stores must match what the station did."""

from __future__ import annotations

import pytest

from chargepoint_sim import ChargePoint16
from chargepoint_sim.v201 import ChargePoint201
from tests.e2e.helpers import eventually

VERSIONS = {"ocpp1.6": ChargePoint16, "ocpp2.0.1": ChargePoint201}


@pytest.fixture(params=list(VERSIONS))
async def station(request, csms):
    cp_id = f"FEAT-{request.param[-3:].replace('.', '')}"
    await csms.a_charge_point(cp_id)
    cp = VERSIONS[request.param](url=csms.ocpp_url, cp_id=cp_id, connectors=2, meter_interval=0.5, time_scale=60)
    cp.feature_step_delay = 0.01
    await cp.connect()
    yield cp
    await cp.close()
    assert cp.protocol_errors == []


def cmd(station) -> str:
    return f"/api/v1/admin/charge-points/{station.cp_id}/commands"


async def test_reserve_then_cancel_moves_the_connector(csms, station):
    tag = await csms.an_id_tag()
    status, reserved = await csms.post(f"{cmd(station)}/reserve-now", {"connector_id": 1, "id_tag": tag})
    assert (status, reserved["status"]) == (200, "Accepted")
    await station.wait_for(lambda cp: cp.connectors[1].state == "Reserved", timeout=5)

    async def shown_reserved():
        _, view = await csms.get(f"/api/v1/admin/charge-points/{station.cp_id}")
        return {c["evse_id"]: c["status"] for c in view["connectors"]}.get(1) == "Reserved"
    await eventually(shown_reserved, timeout=8)

    status, cancelled = await csms.post(f"{cmd(station)}/cancel-reservation",
                                        {"reservation_id": reserved["reservation_id"]})
    assert (status, cancelled["status"]) == (200, "Accepted")
    await station.wait_for(lambda cp: cp.connectors[1].state == "Available", timeout=5)
    _, stored = await csms.get(f"/api/v1/admin/reservations/{reserved['reservation_id']}")
    assert stored["status"] == "Cancelled"


async def test_a_busy_connector_refuses_a_reservation(csms, station):
    tag = await csms.an_id_tag()
    await station.plug_in(2)
    await station.start_session(2, tag)
    status, reserved = await csms.post(f"{cmd(station)}/reserve-now", {"connector_id": 2, "id_tag": tag})
    assert (status, reserved["status"]) == (200, "Occupied")


async def test_local_list_versions_follow_the_station(csms, station):
    tags = [await csms.an_id_tag() for _ in range(2)]
    status, sent = await csms.post(f"{cmd(station)}/send-local-list", {
        "update_type": "Full", "entries": [{"id_tag": t, "status": "Accepted"} for t in tags]})
    assert (status, sent) == (200, {"status": "Accepted", "version": 1})
    status, version = await csms.post(f"{cmd(station)}/get-local-list-version", {})
    assert (status, version["version"]) == (200, 1)
    status, sent = await csms.post(f"{cmd(station)}/send-local-list", {
        "update_type": "Differential", "version": 1, "entries": [{"id_tag": tags[0]}]})
    assert (status, sent["status"]) == (200, "VersionMismatch")
    _, stored = await csms.get(f"/api/v1/admin/charge-points/{station.cp_id}/local-list")
    assert stored["version"] == 1 and sorted(e["id_tag"] for e in stored["entries"]) == sorted(tags)


async def test_charging_profile_and_composite_schedule(csms, station):
    profile = {"id": 7, "stack_level": 1, "purpose": "TxDefaultProfile", "kind": "Relative",
               "schedule": {"charging_rate_unit": "A", "periods": [{"start_period": 0, "limit": 16.0}]}}
    status, answer = await csms.post(f"{cmd(station)}/set-charging-profile", {"connector_id": 1, "profile": profile})
    assert (status, answer["status"]) == (200, "Accepted")
    _, stored = await csms.get(f"/api/v1/admin/charge-points/{station.cp_id}/charging-profiles")
    assert [p["profile"]["id"] for p in stored] == [7]
    status, composite = await csms.post(f"{cmd(station)}/get-composite-schedule",
                                        {"connector_id": 1, "duration": 3600, "charging_rate_unit": "A"})
    assert (status, composite["status"]) == (200, "Accepted")
    assert composite["schedule"]["periods"][0]["limit"] == 16.0
    status, cleared = await csms.post(f"{cmd(station)}/clear-charging-profile", {"id": 7})
    assert (status, cleared["status"]) == (200, "Accepted")
    _, stored = await csms.get(f"/api/v1/admin/charge-points/{station.cp_id}/charging-profiles")
    assert stored == []


async def test_firmware_update_job_follows_the_status_notifications(csms, station):
    status, started = await csms.post(f"{cmd(station)}/update-firmware",
                                      {"location": "https://firmware.example/sim-2.0.bin"})
    assert status == 200 and isinstance(started["request_id"], int)

    async def installed():
        _, jobs = await csms.get(f"/api/v1/admin/charge-points/{station.cp_id}/firmware-updates")
        return jobs if jobs and jobs[0]["status"] == "Installed" else None
    jobs = await eventually(installed, timeout=8)
    assert jobs[0]["request_id"] == started["request_id"]
