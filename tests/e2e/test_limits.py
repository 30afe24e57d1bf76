"""Limits over real sockets (issue 16 item 8): OCPP connection attempts per charge point id and per client
address (429 with Retry-After at the upgrade, wrong passwords counted), operator logins per address and per
account, and a charge point flooding frames: it is read no faster than ocpp.message_rate while another
charge point on the same server is answered as usual. (Frame size: test_ocpp16_framing.py
test_oversized_frame; upload size and type: test_driver_profile.py; driver logins: test_driver_accounts.py.)"""

from __future__ import annotations

import asyncio
import statistics
import time

import pytest
from websockets.exceptions import InvalidStatus

from csms import metrics
from tests.e2e.helpers import BOOT, new_id
from tests.support.ocpp_client import RawClient
from tests.support.server import ADMIN


async def _refused(csms, cp_id: str, **kw) -> InvalidStatus:
    with pytest.raises(InvalidStatus) as exc:
        await RawClient.open(csms.ocpp_url, cp_id, **kw)
    return exc.value


async def test_connection_attempts_per_id_and_per_address(csms_with):
    csms = await csms_with(**{"ocpp.connect_rate": "3/60", "ocpp.connect_rate_address": "7/60"})
    cp = await csms.a_charge_point(new_id("RATE"), password="right-password-1", security_profile=1)
    for _ in range(3):                                             # guessing counts
        assert (await _refused(csms, cp["id"], password="guess")).response.status_code == 401
    refused = await _refused(csms, cp["id"], password="right-password-1")
    assert refused.response.status_code == 429 and int(refused.response.headers["Retry-After"]) >= 1
    others = [await csms.a_charge_point(new_id("RATE")) for _ in range(5)]
    for other in others[:4]:                                       # other ids are not held back by its limit
        client = await RawClient.open(csms.ocpp_url, other["id"])
        await client.close()
    # 3 guesses + 4 others = 7 attempts counted from this address (a refused one is not): the next is refused
    assert (await _refused(csms, others[4]["id"])).response.status_code == 429


async def test_operator_logins_per_address_and_account(csms_with):
    csms = await csms_with(**{"api.login_rate": "3/60"})
    for password in ("wrong-1", "wrong-2"):            # the test server's own login at start-up was the first
        status, _ = await csms.post("/api/v1/auth/login", {"username": ADMIN[0], "password": password}, token=None)
        assert status == 401
    status, body = await csms.post("/api/v1/auth/login", {"username": ADMIN[0], "password": ADMIN[1]}, token=None)
    assert (status, body["error"]["code"]) == (429, "rate_limited")
    assert body["error"]["retry_after"] >= 1


async def test_a_flooding_charge_point_is_slowed_and_the_others_are_not(csms_with):
    rate, flood = 100, 400                                         # 100 frames a second; 400 sent at once
    csms = await csms_with(**{"ocpp.message_rate": f"{rate}/1"})
    clients = []
    for _ in range(2):
        cp = await csms.a_charge_point(new_id("FLOOD"))
        client = await RawClient.open(csms.ocpp_url, cp["id"])
        assert (await client.result("BootNotification", BOOT))["status"] == "Accepted"
        clients.append(client)
    flooder, quiet = clients
    throttled = metrics.THROTTLED._value.get()

    async def drain() -> float:
        started = time.monotonic()
        for i in range(flood):
            await flooder.send(f'[2,"f{i}","Heartbeat",{{}}]')
        for i in range(flood):
            assert (await flooder.recv(30))[1] == f"f{i}"
        return time.monotonic() - started
    flooding = asyncio.create_task(drain())
    await asyncio.sleep(0.2)
    latencies = []
    for _ in range(20):
        started = time.monotonic()
        assert (await quiet.call("Heartbeat", {}))[0] == 3
        latencies.append(time.monotonic() - started)
    assert not flooding.done()                       # the quiet one was answered 20 times while the flood waited
    took = await flooding
    assert metrics.THROTTLED._value.get() - throttled > 0
    assert took >= (flood - rate) / rate * 0.9        # never faster than the limit (a bound, not a timing)
    print(f"\nflood: {flood} frames answered in {took:.2f} s ({flood / took:.0f}/s, limit {rate}/s); other charge "
          f"point meanwhile: median {statistics.median(latencies) * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms")
    for client in clients:
        await client.close()
