"""OCPP 1.6 Smart Charging over a real socket: the exact frame the charge point receives for each
typed command, the REST answer, and what the CSMS then believes is installed. Display messages and
firmware publishing do not exist in 1.6: 400 ``unknown_action`` and nothing is sent."""

from __future__ import annotations

from tests.e2e.helpers import a_time, answer, eventually, no_frame


def _cmd(cp_id: str, name: str) -> str:
    return f"/api/v1/admin/charge-points/{cp_id}/commands/{name}"


def a_profile(**overrides) -> dict:
    profile = {"id": 10, "stack_level": 1, "purpose": "TxDefaultProfile", "kind": "Absolute",
               "schedule": {"charging_rate_unit": "A", "start_schedule": "2026-01-01T00:00:00.000Z", "duration": 3600,
                            "periods": [{"start_period": 0, "limit": 16}, {"start_period": 1800, "limit": 8.5,
                                                                           "number_phases": 1}]}}
    profile.update(overrides)
    return profile


async def _installed(csms, cp_id: str) -> list:
    status, body = await csms.get(f"/api/v1/admin/charge-points/{cp_id}/charging-profiles")
    assert status == 200, body
    return body


async def _start(client, tag: str, connector: int = 1) -> int:
    answer_ = await client.result("StartTransaction", {"connectorId": connector, "idTag": tag, "meterStart": 0,
                                                       "timestamp": a_time(1)})
    return answer_["transactionId"]


async def test_TC_056_central_smart_charging_tx_default_profile(csms, open_client):
    client = await open_client(csms)
    frame, status, body = await answer(
        client, csms.post(_cmd(client.cp_id, "set-charging-profile"), {"connector_id": 0, "profile": a_profile()}),
        {"status": "Accepted"})
    assert frame[2:] == ["SetChargingProfile", {"connectorId": 0, "csChargingProfiles": {
        "chargingProfileId": 10, "stackLevel": 1, "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute", "chargingSchedule": {
            "duration": 3600, "startSchedule": "2026-01-01T00:00:00.000Z", "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16},
                                       {"startPeriod": 1800, "limit": 8.5, "numberPhases": 1}]}}}]
    assert (status, body) == (200, {"status": "Accepted"})
    [stored] = await _installed(csms, client.cp_id)
    assert stored["evse_id"] == 0 and stored["source"] == "CSO" and stored["profile"] == a_profile()

    # same purpose and stack level, another id: replaces it; a Rejected profile is not stored
    await answer(client, csms.post(_cmd(client.cp_id, "set-charging-profile"),
                                   {"connector_id": 0, "profile": a_profile(id=11)}), {"status": "Accepted"})
    _, status, body = await answer(client, csms.post(_cmd(client.cp_id, "set-charging-profile"),
                                                     {"connector_id": 1, "profile": a_profile(id=12)}),
                                   {"status": "Rejected"})
    assert (status, body) == (200, {"status": "Rejected"})
    assert [p["profile"]["id"] for p in await _installed(csms, client.cp_id)] == [11]


async def test_TC_057_central_smart_charging_tx_profile(csms, open_client):
    client = await open_client(csms)
    tx_id = await _start(client, await csms.an_id_tag())
    profile = a_profile(id=20, purpose="TxProfile", kind="Relative", transaction_id=tx_id,
                        schedule={"charging_rate_unit": "W", "periods": [{"start_period": 0, "limit": 7400}]})
    frame, status, body = await answer(
        client, csms.post(_cmd(client.cp_id, "set-charging-profile"), {"connector_id": 1, "profile": profile}),
        {"status": "Accepted"})
    assert frame[3] == {"connectorId": 1, "csChargingProfiles": {
        "chargingProfileId": 20, "transactionId": tx_id, "stackLevel": 1, "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": {"chargingRateUnit": "W", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 7400}]}}}
    assert (status, body) == (200, {"status": "Accepted"})
    assert [p["profile"]["transaction_id"] for p in await _installed(csms, client.cp_id)] == [tx_id]

    # the profile ends with its transaction
    await client.result("StopTransaction", {"transactionId": tx_id, "meterStop": 10, "timestamp": a_time(5)})
    await eventually(lambda: _none(csms, client.cp_id), what="TxProfile removed after StopTransaction")


async def _none(csms, cp_id):
    return await _installed(csms, cp_id) == []


async def test_tx_profile_needs_a_running_transaction_of_this_charge_point(csms, open_client):
    client = await open_client(csms)
    path = _cmd(client.cp_id, "set-charging-profile")
    status, body = await csms.post(path, {"connector_id": 1, "profile": a_profile(purpose="TxProfile")})
    assert status == 400 and body["error"]["field"] == "profile.transaction_id", body
    status, body = await csms.post(path, {"connector_id": 1, "profile": a_profile(purpose="TxProfile",
                                                                                  transaction_id=999999)})
    assert status == 404, body
    status, body = await csms.post(path, {"connector_id": 1, "profile": a_profile(purpose="ChargePointMaxProfile")})
    assert status == 400 and body["error"]["field"] == "connector_id", body
    status, body = await csms.post(path, {"connector_id": 1, "profile": a_profile(
        schedule={"charging_rate_unit": "A", "start_schedule": a_time(), "periods": [{"start_period": 5,
                                                                                       "limit": 6}]})})
    assert status == 400 and body["error"]["code"] == "validation_error", body
    await no_frame(client, 0.05)


async def test_TC_066_get_composite_schedule(csms, open_client):
    client = await open_client(csms)
    reply = {"status": "Accepted", "connectorId": 1, "scheduleStart": "2026-01-01T00:00:00Z",
             "chargingSchedule": {"duration": 300, "chargingRateUnit": "A",
                                  "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 10, "numberPhases": 3}]}}
    frame, status, body = await answer(
        client, csms.post(_cmd(client.cp_id, "get-composite-schedule"),
                          {"connector_id": 1, "duration": 300, "charging_rate_unit": "A"}), reply)
    assert frame[2:] == ["GetCompositeSchedule", {"connectorId": 1, "duration": 300, "chargingRateUnit": "A"}]
    assert (status, body) == (200, {"status": "Accepted", "schedule": {
        "evse_id": 1, "schedule_start": "2026-01-01T00:00:00.000Z", "duration": 300, "charging_rate_unit": "A",
        "periods": [{"start_period": 0, "limit": 10, "number_phases": 3}]}})
    _, status, body = await answer(client, csms.post(_cmd(client.cp_id, "get-composite-schedule"),
                                                     {"connector_id": 1, "duration": 60}), {"status": "Rejected"})
    assert (status, body) == (200, {"status": "Rejected"})


async def test_TC_067_clear_charging_profile(csms, open_client):
    client = await open_client(csms)
    for pid, level in ((1, 1), (2, 2)):
        await answer(client, csms.post(_cmd(client.cp_id, "set-charging-profile"),
                                       {"connector_id": 0, "profile": a_profile(id=pid, stack_level=level)}),
                     {"status": "Accepted"})
    frame, status, body = await answer(client, csms.post(_cmd(client.cp_id, "clear-charging-profile"), {"id": 1}),
                                       {"status": "Accepted"})
    assert frame[2:] == ["ClearChargingProfile", {"id": 1}] and (status, body) == (200, {"status": "Accepted"})
    assert [p["profile"]["id"] for p in await _installed(csms, client.cp_id)] == [2]
    frame, status, body = await answer(
        client, csms.post(_cmd(client.cp_id, "clear-charging-profile"),
                          {"connector_id": 0, "purpose": "TxDefaultProfile", "stack_level": 2}), {"status": "Unknown"})
    assert frame[3] == {"connectorId": 0, "chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 2}
    assert (status, body) == (200, {"status": "Unknown"})
    assert await _installed(csms, client.cp_id) == []


async def test_get_charging_profiles_is_answered_from_the_store_and_the_computed_composite(csms, open_client):
    client = await open_client(csms)
    await answer(client, csms.post(_cmd(client.cp_id, "set-charging-profile"),
                                   {"connector_id": 0, "profile": a_profile()}), {"status": "Accepted"})
    status, body = await csms.post(_cmd(client.cp_id, "get-charging-profiles"), {"connector_id": 0})
    assert status == 200 and body["status"] == "Accepted" and body["source"] == "csms"
    assert [p["profile"]["id"] for p in body["profiles"]] == [10]
    status, body = await csms.post(_cmd(client.cp_id, "get-charging-profiles"), {"purpose": "TxProfile"})
    assert (status, body) == (200, {"status": "NoProfiles", "source": "csms", "profiles": []})
    await no_frame(client, 0.05)
    status, body = await csms.get(f"/api/v1/admin/charge-points/{client.cp_id}/composite-schedule"
                                  "?connector_id=1&duration=3600&start=2026-01-01T00:00:00Z")
    assert status == 200, body
    assert body["periods"] == [{"start_period": 0, "limit": 16, "number_phases": None},
                               {"start_period": 1800, "limit": 8.5, "number_phases": 1}]


async def test_display_messages_and_publish_firmware_are_not_in_ocpp16(csms, open_client):
    client = await open_client(csms)
    message = {"priority": "NormalCycle", "message": {"format": "UTF8", "content": "hi"}}
    for name, payload in (("set-display-message", message), ("get-display-messages", {}),
                          ("clear-display-message", {"id": 1}),
                          ("publish-firmware", {"location": "https://fw/x.bin", "checksum": "abc"}),
                          ("unpublish-firmware", {"checksum": "abc"})):
        status, body = await csms.post(_cmd(client.cp_id, name), payload)
        assert status == 400 and body["error"]["code"] == "unknown_action", (name, body)
    await no_frame(client, 0.05)
    status, body = await csms.get(f"/api/v1/admin/charge-points/{client.cp_id}/firmware-updates")
    assert (status, body) == (200, [])


async def test_commands_to_an_offline_charge_point_are_409(csms):
    cp_id = (await csms.a_charge_point())["id"]
    status, body = await csms.post(_cmd(cp_id, "set-charging-profile"), {"connector_id": 0, "profile": a_profile()})
    assert status == 409 and body["error"]["code"] == "charge_point_offline"
    status, body = await csms.post(_cmd(cp_id, "update-firmware"), {"location": "https://fw/x.bin"})
    assert status == 409
    status, body = await csms.get(f"/api/v1/admin/charge-points/{cp_id}/firmware-updates")
    assert (status, body) == (200, [])
