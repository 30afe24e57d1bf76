"""OCPP 2.0.1 Smart Charging (block K) and Display Messages (block O) over a real socket: the same
REST bodies as 1.6, the exact 2.0.1 frames, and what the station reports being stored."""

from __future__ import annotations

from tests.e2e.helpers import a_time, answer, eventually

V201 = "ocpp2.0.1"
BOOT = {"reason": "PowerUp", "chargingStation": {"model": "M", "vendorName": "V"}}


def _cmd(cp_id: str, name: str) -> str:
    return f"/api/v1/admin/charge-points/{cp_id}/commands/{name}"


def _get(cp_id: str, what: str) -> str:
    return f"/api/v1/admin/charge-points/{cp_id}/{what}"


async def booted(csms, open_client):
    client = await open_client(csms, protocol=V201, boot=False)
    assert (await client.result("BootNotification", BOOT))["status"] == "Accepted"
    return client


def a_profile(**overrides) -> dict:
    profile = {"id": 30, "stack_level": 0, "purpose": "ChargePointMaxProfile", "kind": "Absolute",
               "schedule": {"charging_rate_unit": "W", "start_schedule": "2026-01-01T00:00:00.000Z",
                            "periods": [{"start_period": 0, "limit": 22000}]}}
    profile.update(overrides)
    return profile


def reported(pid: int, purpose: str = "TxDefaultProfile", **extra) -> dict:
    return {"id": pid, "stackLevel": 2, "chargingProfilePurpose": purpose, "chargingProfileKind": "Relative",
            "chargingSchedule": [{"id": 1, "chargingRateUnit": "A",
                                  "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 12.5}]}], **extra}


async def test_TC_K_03_set_charging_profile_charging_station_max_profile(csms, open_client):
    client = await booted(csms, open_client)
    frame, status, body = await answer(
        client, csms.post(_cmd(client.cp_id, "set-charging-profile"), {"connector_id": 0, "profile": a_profile()}),
        {"status": "Accepted"})
    assert frame[2:] == ["SetChargingProfile", {"evseId": 0, "chargingProfile": {
        "id": 30, "stackLevel": 0, "chargingProfilePurpose": "ChargingStationMaxProfile",
        "chargingProfileKind": "Absolute", "chargingSchedule": [{
            "id": 30, "startSchedule": "2026-01-01T00:00:00.000Z", "chargingRateUnit": "W",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 22000}]}]}}]
    assert (status, body) == (200, {"status": "Accepted"})
    _, installed = await csms.get(_get(client.cp_id, "charging-profiles"))
    assert [(p["evse_id"], p["profile"]) for p in installed] == [(0, a_profile())]


async def test_TC_K_01_set_charging_profile_tx_default_profile_specific_evse(csms, open_client):
    client = await booted(csms, open_client)
    profile = a_profile(id=31, purpose="TxDefaultProfile", kind="Recurring", recurrency_kind="Daily",
                        valid_from="2026-01-01T00:00:00.000Z", valid_to="2027-01-01T00:00:00.000Z")
    frame, status, body = await answer(
        client, csms.post(_cmd(client.cp_id, "set-charging-profile"), {"connector_id": 1, "profile": profile}),
        {"status": "Rejected", "statusInfo": {"reasonCode": "InvalidSchedule"}})
    sent = frame[3]["chargingProfile"]
    assert frame[3]["evseId"] == 1 and sent["chargingProfilePurpose"] == "TxDefaultProfile"
    assert (sent["recurrencyKind"], sent["validFrom"], sent["validTo"]) == (
        "Daily", "2026-01-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z")
    assert (status, body) == (200, {"status": "Rejected"})
    assert (await csms.get(_get(client.cp_id, "charging-profiles")))[1] == []


async def test_TC_K_60_set_charging_profile_tx_profile_with_ongoing_transaction(csms, open_client):
    client = await booted(csms, open_client)
    await client.result("TransactionEvent", {
        "eventType": "Started", "timestamp": a_time(1), "triggerReason": "CablePluggedIn", "seqNo": 0,
        "transactionInfo": {"transactionId": "tx-k60"}, "evse": {"id": 1, "connectorId": 1}})
    _, txs = await csms.get(f"/api/v1/admin/transactions?charge_point_id={client.cp_id}")
    profile = a_profile(id=32, stack_level=1, purpose="TxProfile", kind="Relative", transaction_id=txs[0]["id"],
                        schedule={"charging_rate_unit": "A", "periods": [{"start_period": 0, "limit": 6}]})
    frame, status, _ = await answer(
        client, csms.post(_cmd(client.cp_id, "set-charging-profile"), {"connector_id": 1, "profile": profile}),
        {"status": "Accepted"})
    assert frame[3]["chargingProfile"]["transactionId"] == "tx-k60" and status == 200
    _, installed = await csms.get(_get(client.cp_id, "charging-profiles"))
    assert installed[0]["ocpp_transaction_id"] == "tx-k60"


async def test_TC_K_05_and_K_06_clear_charging_profile_by_id_and_by_criteria(csms, open_client):
    client = await booted(csms, open_client)
    await answer(client, csms.post(_cmd(client.cp_id, "set-charging-profile"),
                                   {"connector_id": 0, "profile": a_profile()}), {"status": "Accepted"})
    frame, status, body = await answer(client, csms.post(_cmd(client.cp_id, "clear-charging-profile"), {"id": 30}),
                                       {"status": "Accepted"})
    assert frame[2:] == ["ClearChargingProfile", {"chargingProfileId": 30}]
    assert (status, body) == (200, {"status": "Accepted"})
    assert (await csms.get(_get(client.cp_id, "charging-profiles")))[1] == []
    frame, status, body = await answer(
        client, csms.post(_cmd(client.cp_id, "clear-charging-profile"),
                          {"connector_id": 0, "purpose": "ChargePointMaxProfile", "stack_level": 0}),
        {"status": "Unknown"})
    assert frame[3] == {"chargingProfileCriteria": {"evseId": 0, "chargingProfilePurpose": "ChargingStationMaxProfile",
                                                    "stackLevel": 0}}
    assert (status, body) == (200, {"status": "Unknown"})


async def test_TC_K_43_get_composite_schedule_specific_evse(csms, open_client):
    client = await booted(csms, open_client)
    reply = {"status": "Accepted", "schedule": {"evseId": 1, "duration": 600, "scheduleStart": a_time(),
                                                "chargingRateUnit": "W", "chargingSchedulePeriod": [
                                                    {"startPeriod": 0, "limit": 11000},
                                                    {"startPeriod": 300, "limit": 7000, "numberPhases": 1}]}}
    frame, status, body = await answer(
        client, csms.post(_cmd(client.cp_id, "get-composite-schedule"),
                          {"connector_id": 1, "duration": 600, "charging_rate_unit": "W"}), reply)
    assert frame[2:] == ["GetCompositeSchedule", {"duration": 600, "evseId": 1, "chargingRateUnit": "W"}]
    assert (status, body) == (200, {"status": "Accepted", "schedule": {
        "evse_id": 1, "schedule_start": "2026-01-01T00:00:00.000Z", "duration": 600, "charging_rate_unit": "W",
        "periods": [{"start_period": 0, "limit": 11000}, {"start_period": 300, "limit": 7000, "number_phases": 1}]}})


async def test_TC_K_29_get_charging_profiles_then_report_charging_profiles(csms, open_client):
    client = await booted(csms, open_client)
    frame, status, body = await answer(
        client, csms.post(_cmd(client.cp_id, "get-charging-profiles"), {"connector_id": 0}), {"status": "Accepted"})
    request_id = frame[3]["requestId"]
    assert frame[2:] == ["GetChargingProfiles", {"requestId": request_id, "evseId": 0, "chargingProfile": {}}]
    assert (status, body) == (200, {"status": "Accepted", "request_id": request_id})
    report = {"requestId": request_id, "chargingLimitSource": "EMS", "evseId": 0, "tbc": False,
              "chargingProfile": [reported(40), reported(41, "ChargingStationMaxProfile")]}
    assert await client.result("ReportChargingProfiles", report) == {}
    _, installed = await csms.get(_get(client.cp_id, "charging-profiles"))
    assert [(p["profile"]["id"], p["profile"]["purpose"], p["source"]) for p in installed] == [
        (40, "TxDefaultProfile", "EMS"), (41, "ChargePointMaxProfile", "EMS")]
    assert installed[0]["profile"]["schedule"] == {"charging_rate_unit": "A",
                                                   "periods": [{"start_period": 0, "limit": 12.5}]}
    # a repeated report changes nothing twice
    await client.result("ReportChargingProfiles", report)
    assert len((await csms.get(_get(client.cp_id, "charging-profiles")))[1]) == 2


async def test_TC_K_52_notify_and_cleared_charging_limit(csms, open_client):
    client = await booted(csms, open_client)
    limit = {"chargingLimit": {"chargingLimitSource": "SO", "isGridCritical": True}, "evseId": 1,
             "chargingSchedule": [{"id": 1, "chargingRateUnit": "W",
                                   "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 4000}]}]}
    assert await client.result("NotifyChargingLimit", limit) == {}
    assert await client.result("ClearedChargingLimit", {"chargingLimitSource": "SO", "evseId": 1}) == {}
    status, reports = await csms.get(_get(client.cp_id, "charging-reports"))
    assert status == 200
    assert [(r["kind"], r["evse_id"]) for r in reports] == [("charging_limit_cleared", 1), ("charging_limit", 1)]
    assert reports[1]["data"] == limit


async def test_K15_FR_02_needs_and_schedule_without_a_transaction_are_rejected_and_stored(csms, open_client):
    client = await booted(csms, open_client)
    needs = {"evseId": 1, "maxScheduleTuples": 3, "chargingNeeds": {
        "requestedEnergyTransfer": "AC_three_phase", "departureTime": "2026-01-01T08:00:00Z",
        "acChargingParameters": {"energyAmount": 30000, "evMinCurrent": 6, "evMaxCurrent": 32, "evMaxVoltage": 400}}}
    # no transaction on the EVSE: no schedule can follow, so not Accepted (K15.FR.02/03)
    assert await client.result("NotifyEVChargingNeeds", needs) == {"status": "Rejected"}
    schedule = {"evseId": 1, "timeBase": a_time(), "chargingSchedule": {
        "id": 3, "chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16}]}}
    assert await client.result("NotifyEVChargingSchedule", schedule) == {"status": "Rejected"}
    _, reports = await csms.get(_get(client.cp_id, "charging-reports") + "?kind=ev_charging_needs")
    assert [r["data"] for r in reports] == [needs]
    _, reports = await csms.get(_get(client.cp_id, "charging-reports") + "?kind=ev_charging_schedule")
    assert [r["data"] for r in reports] == [schedule]


# -- display messages (block O) ------------------------------------------------------------------------
MESSAGE = {"priority": "InFront", "message": {"format": "UTF8", "content": "Welcome", "language": "en"},
           "state": "Idle", "start_date": "2026-01-01T00:00:00Z", "end_date": "2026-01-02T00:00:00Z"}


async def test_TC_O_01_set_display_message(csms, open_client):
    client = await booted(csms, open_client)
    frame, status, body = await answer(client, csms.post(_cmd(client.cp_id, "set-display-message"), MESSAGE),
                                       {"status": "Accepted"})
    assert frame[2:] == ["SetDisplayMessage", {"message": {
        "id": 1, "priority": "InFront", "state": "Idle", "startDateTime": "2026-01-01T00:00:00.000Z",
        "endDateTime": "2026-01-02T00:00:00.000Z", "message": {"format": "UTF8", "language": "en",
                                                               "content": "Welcome"}}}]
    assert (status, body) == (200, {"status": "Accepted", "id": 1})
    _, status, body = await answer(client, csms.post(_cmd(client.cp_id, "set-display-message"), {**MESSAGE, "id": 7}),
                                   {"status": "NotSupportedPriority"})
    assert (status, body) == (200, {"status": "NotSupportedPriority", "id": 7})
    _, shown = await csms.get(_get(client.cp_id, "display-messages"))
    assert [(m["id"], m["message"]["content"], m["source"]) for m in shown] == [(1, "Welcome", "csms")]


async def test_TC_O_02_get_all_display_messages_then_notify_display_messages(csms, open_client):
    client = await booted(csms, open_client)
    frame, status, body = await answer(client, csms.post(_cmd(client.cp_id, "get-display-messages"), {}),
                                       {"status": "Accepted"})
    request_id = frame[3]["requestId"]
    assert frame[2:] == ["GetDisplayMessages", {"requestId": request_id}]
    assert (status, body) == (200, {"status": "Accepted", "request_id": request_id})
    info = {"id": 5, "priority": "NormalCycle", "message": {"format": "ASCII", "content": "Out of order"},
            "display": {"name": "DisplayMessageCtrlr", "evse": {"id": 2}}}
    assert await client.result("NotifyDisplayMessages", {"requestId": request_id, "messageInfo": [info]}) == {}
    _, shown = await csms.get(_get(client.cp_id, "display-messages"))
    assert [(m["id"], m["evse_id"], m["source"], m["message"]) for m in shown] == [
        (5, 2, "reported", {"format": "ASCII", "content": "Out of order"})]
    frame, _, _ = await answer(client, csms.post(_cmd(client.cp_id, "get-display-messages"),
                                                 {"ids": [5], "priority": "NormalCycle", "state": "Idle"}),
                               {"status": "Unknown"})
    assert frame[3] == {"requestId": frame[3]["requestId"], "id": [5], "priority": "NormalCycle", "state": "Idle"}


async def test_TC_O_04_and_O_05_clear_display_message(csms, open_client):
    client = await booted(csms, open_client)
    await answer(client, csms.post(_cmd(client.cp_id, "set-display-message"), MESSAGE), {"status": "Accepted"})
    frame, status, body = await answer(client, csms.post(_cmd(client.cp_id, "clear-display-message"), {"id": 1}),
                                       {"status": "Accepted"})
    assert frame[2:] == ["ClearDisplayMessage", {"id": 1}] and (status, body) == (200, {"status": "Accepted"})
    assert (await csms.get(_get(client.cp_id, "display-messages")))[1] == []
    _, status, body = await answer(client, csms.post(_cmd(client.cp_id, "clear-display-message"), {"id": 99}),
                                   {"status": "Unknown"})
    assert (status, body) == (200, {"status": "Unknown"})


async def test_tx_profile_removed_when_the_transaction_ends(csms, open_client):
    client = await booted(csms, open_client)
    started = {"eventType": "Started", "timestamp": a_time(1), "triggerReason": "CablePluggedIn", "seqNo": 0,
               "transactionInfo": {"transactionId": "tx-end"}, "evse": {"id": 1, "connectorId": 1}}
    await client.result("TransactionEvent", started)
    _, txs = await csms.get(f"/api/v1/admin/transactions?charge_point_id={client.cp_id}")
    profile = a_profile(id=33, purpose="TxProfile", kind="Relative", transaction_id=txs[0]["id"],
                        schedule={"charging_rate_unit": "A", "periods": [{"start_period": 0, "limit": 6}]})
    await answer(client, csms.post(_cmd(client.cp_id, "set-charging-profile"), {"connector_id": 1, "profile": profile}),
                 {"status": "Accepted"})
    await client.result("TransactionEvent", {**started, "eventType": "Ended", "seqNo": 1, "timestamp": a_time(3),
                                             "triggerReason": "EVDeparted"})

    async def gone():
        return (await csms.get(_get(client.cp_id, "charging-profiles")))[1] == []
    await eventually(gone, what="TxProfile removed at the end of its transaction")
