"""OCPP 2.0.1 block I over a real socket: the TransactionEventResponse carries totalCost (yuan) at a
station with a tariff: the running cost for Updated events (I02.FR.01), the final cost for Ended
(TC_I_02), split exactly at 22:00 local where peak turns to valley; no cost without a tariff."""

from __future__ import annotations

import contextlib

import pytest

from tests.e2e.helpers import new_id
from tests.support.ocpp_client import RawClient

pytestmark = pytest.mark.asyncio(loop_scope="module")
PEAK_VALLEY = {"effective_from": "2024-01-01T00:00:00+08:00",
               "segments": [{"start": "00:00", "end": "08:00", "period": "valley"},
                            {"start": "08:00", "end": "22:00", "period": "peak"},
                            {"start": "22:00", "end": "24:00", "period": "valley"}],
               "prices": {"peak": {"energy_fen_per_kwh": 100, "service_fen_per_kwh": 80},
                          "valley": {"energy_fen_per_kwh": 30, "service_fen_per_kwh": 40}}}


@pytest.fixture
def csms(shared_csms):
    return shared_csms


def event(kind: str, seq: int, tx: str, at: str, wh: int | None = None, **extra) -> dict:
    payload = {"eventType": kind, "timestamp": at, "seqNo": seq, "transactionInfo": {"transactionId": tx},
               "triggerReason": {"Started": "CablePluggedIn", "Ended": "EVDeparted"}.get(kind, "MeterValuePeriodic"),
               **extra}
    if kind == "Started":
        payload["evse"] = {"id": 1, "connectorId": 1}
    if wh is not None:
        context = {"Started": "Transaction.Begin", "Ended": "Transaction.End"}.get(kind, "Sample.Periodic")
        payload["meterValue"] = [{"timestamp": at, "sampledValue": [
            {"value": wh, "context": context, "measurand": "Energy.Active.Import.Register"}]}]
    return payload


@contextlib.asynccontextmanager
async def station_with(csms, tariff: dict | None):
    sid = (await csms.a_station())["id"]            # Asia/Shanghai
    if tariff is not None:
        code, body = await csms.put(f"/api/v1/admin/stations/{sid}/tariff", tariff)
        assert code == 201, body
    cp_id = new_id("CS")
    await csms.a_charge_point(cp_id, station_id=sid)
    client = await RawClient.open(csms.ocpp_url, cp_id, protocol="ocpp2.0.1")
    try:
        boot = await client.result("BootNotification", {"reason": "PowerUp",
                                                        "chargingStation": {"model": "M", "vendorName": "V"}})
        assert boot["status"] == "Accepted"
        yield client
    finally:
        await client.close()


async def test_TC_I_02_running_then_final_total_cost_split_at_22_00_local(csms):
    async with station_with(csms, PEAK_VALLEY) as cs:
        started = await cs.result("TransactionEvent", event("Started", 0, "i-1", "2024-05-01T13:50:00Z", 0))
        assert "totalCost" not in started
        # 21:50 -> 21:59 local: 9 kWh at peak (1.00 + 0.80 yuan/kWh)
        first = await cs.result("TransactionEvent", event("Updated", 1, "i-1", "2024-05-01T13:59:00Z", 9000))
        assert first["totalCost"] == 16.2
        # 21:59 -> 22:10: 11 kWh, 1 at peak and 10 at valley (0.30 + 0.40)
        second = await cs.result("TransactionEvent", event("Updated", 2, "i-1", "2024-05-01T14:10:00Z", 20000))
        assert second["totalCost"] == 25.0
        # 22:10 -> 22:30: 20 kWh more at valley: peak 10 kWh = 18.00, valley 30 kWh = 21.00
        ended = await cs.result("TransactionEvent", event("Ended", 3, "i-1", "2024-05-01T14:30:00Z", 40000,
                                                          transactionInfo={"transactionId": "i-1",
                                                                           "stoppedReason": "EVDisconnected"}))
        assert ended["totalCost"] == 39.0


async def test_an_event_without_meter_values_still_has_the_cost_so_far(csms):
    async with station_with(csms, PEAK_VALLEY) as cs:
        await cs.result("TransactionEvent", event("Started", 0, "i-2", "2024-05-01T02:00:00Z", 1000))
        assert (await cs.result("TransactionEvent", event("Updated", 1, "i-2", "2024-05-01T03:00:00Z",
                                                          6000)))["totalCost"] == 9.0
        answer = await cs.result("TransactionEvent", event("Updated", 2, "i-2", "2024-05-01T03:05:00Z",
                                                           triggerReason="ChargingStateChanged",
                                                           transactionInfo={"transactionId": "i-2",
                                                                            "chargingState": "SuspendedEV"}))
        assert answer["totalCost"] == 9.0


async def test_no_total_cost_without_a_tariff(csms):
    async with station_with(csms, None) as cs:
        await cs.result("TransactionEvent", event("Started", 0, "i-3", "2024-05-01T13:50:00Z", 0))
        assert "totalCost" not in await cs.result("TransactionEvent",
                                                  event("Updated", 1, "i-3", "2024-05-01T13:59:00Z", 9000))
        assert "totalCost" not in await cs.result("TransactionEvent",
                                                  event("Ended", 2, "i-3", "2024-05-01T14:30:00Z", 40000))


async def test_a_free_tariff_says_so_with_zero(csms):
    free = {**PEAK_VALLEY, "prices": {p: {"energy_fen_per_kwh": 0, "service_fen_per_kwh": 0} for p in ("peak", "valley")}}
    async with station_with(csms, free) as cs:
        await cs.result("TransactionEvent", event("Started", 0, "i-4", "2024-05-01T13:50:00Z", 0))
        ended = await cs.result("TransactionEvent", event("Ended", 1, "i-4", "2024-05-01T14:30:00Z", 40000))
        assert ended["totalCost"] == 0
