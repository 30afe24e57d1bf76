"""Connection loss: store-and-forward of transaction messages, reconnect with backoff, timeouts."""

import pytest

from chargepoint_sim import CallTimeout, ChargePoint16, NotConnected, SessionRejected
from chargepoint_sim.protocol import utc_now
from tests.unit.chargepoint_sim.fake_csms import CsmsCallError


def tx_ids(received, action):
    return [r.payload.get("transactionId") for r in received if r.action == action]


async def test_store_and_forward_across_manual_disconnect(csms, make_cp):
    cp = make_cp(connectors=2, ramp_s=0, time_scale=60.0)
    await cp.connect()
    online_tx = await cp.start_session(1, "A")
    await cp.disconnect()
    assert not cp.connected and not cp.ready
    await cp.wait_for(lambda cp: len(cp.outbox) >= 2, timeout=3)  # MeterValues keep coming, queued
    assert await cp.stop_session(1) is None  # queued, no answer yet
    assert await cp.start_session(2, "B") is None  # started offline: no transactionId yet
    assert cp.connectors[2].state == "Charging" and cp.connectors[2].transaction_id is None
    await cp.wait_for(lambda cp: [a for a, p in cp.outbox if a == "MeterValues" and p["connectorId"] == 2], timeout=3)
    await cp.stop_session(2, reason="Local")
    queued = [a for a, _ in cp.outbox]
    assert queued[-1] == "StopTransaction" and "StartTransaction" in queued
    assert queued.index("StopTransaction") < queued.index("StartTransaction")  # order kept
    assert all(a in ("MeterValues", "StartTransaction", "StopTransaction") for a in queued)  # no status queued

    mark = len(csms.received)
    reconnected_at = utc_now()
    await cp.reconnect()
    flushed = csms.received[mark:]
    assert flushed[0].action == "BootNotification"
    sent = [r.action for r in flushed[1:len(queued) + 1]]
    assert sent == queued and cp.outbox == []
    offline_tx = csms.calls("StartTransaction", after=mark)[0]
    new_id = 101  # the fake CSMS hands out 100, 101, ...
    assert offline_tx.payload["connectorId"] == 2 and offline_tx.payload["idTag"] == "B"
    # messages of the first transaction kept its id; those of the offline one were rewritten to the real id
    before = flushed[1:1 + queued.index("StartTransaction")]
    after = flushed[1 + queued.index("StartTransaction") + 1:1 + len(queued)]
    assert set(tx_ids(before, "MeterValues")) == {online_tx} and tx_ids(before, "StopTransaction") == [online_tx]
    assert set(tx_ids(after, "MeterValues")) == {new_id} and tx_ids(after, "StopTransaction") == [new_id]
    assert cp.connectors[2].transaction is None
    # timestamps are those of the events, not of the upload
    assert offline_tx.payload["timestamp"] < reconnected_at
    statuses = [(r.payload["connectorId"], r.payload["status"]) for r in flushed[1 + len(queued):]
                if r.action == "StatusNotification"]
    assert statuses == [(0, "Available"), (1, "Finishing"), (2, "Finishing")]


async def test_automatic_reconnect_with_backoff_after_drop(csms, make_cp):
    cp = make_cp(ramp_s=0)
    await cp.connect()
    tx = await cp.start_session(1, "A")
    csms.refuse = True
    await csms.drop("CP1")
    await cp.wait_for(lambda cp: not cp.connected)
    await csms.wait(lambda: csms.refused >= 3, timeout=3)  # keeps retrying while the CSMS is down
    await cp.wait_for(lambda cp: [a for a, _ in cp.outbox if a == "MeterValues"], timeout=3)
    queued = len(cp.outbox)
    mark = len(csms.received)
    csms.refuse = False
    await cp.wait_for(lambda cp: cp.ready and not cp.outbox, timeout=3)
    assert csms.handshakes == 2 and cp.connect_count == 2
    after = csms.received[mark:]
    assert after[0].action == "BootNotification"
    assert [r.action for r in after[1:queued + 1]] == ["MeterValues"] * queued
    assert set(tx_ids(after, "MeterValues")) == {tx}
    assert cp.connectors[1].state == "Charging"


def test_backoff_grows_with_jitter_and_is_capped():
    cp = ChargePoint16(url="ws://127.0.0.1:1/ocpp", reconnect_min_delay=1.0, reconnect_max_delay=30.0)
    for attempt, base in [(0, 1), (1, 2), (2, 4), (3, 8), (10, 30)]:
        delays = [cp.backoff_delay(attempt) for _ in range(200)]
        assert all(base / 2 <= d <= base for d in delays)
        assert len(set(delays)) > 100  # jittered


async def test_offline_start_follows_local_authorization_keys(csms, make_cp):
    cp = make_cp()
    await cp.connect()
    await cp.disconnect()
    cp.config.set("AllowOfflineTxForUnknownId", "false")
    with pytest.raises(SessionRejected):
        await cp.start_session(1, "UNKNOWN")
    cp.auth_cache["KNOWN"] = {"status": "Accepted"}
    assert await cp.start_session(1, "KNOWN") is None
    cp.config.set("LocalAuthorizeOffline", "false")
    with pytest.raises(SessionRejected):
        await cp.start_session(2, "KNOWN")


async def test_offline_transaction_rejected_on_upload_is_stopped(csms, make_cp):
    cp = make_cp()
    await cp.connect()
    await cp.disconnect()
    await cp.start_session(1, "STOLEN")
    csms.blocked_tags.add("STOLEN")
    await cp.reconnect()
    stop = await csms.wait_call("StopTransaction")
    assert stop.payload["reason"] == "DeAuthorized" and stop.payload["transactionId"] == 100
    await cp.wait_for(lambda cp: cp.connectors[1].transaction is None)


async def test_call_timeout_and_not_connected(csms, make_cp):
    cp = make_cp(call_timeout=0.3)
    await cp.connect()
    csms.handlers["Heartbeat"] = lambda cp_id, payload: None  # never answers
    with pytest.raises(CallTimeout):
        await cp.call("Heartbeat", {})
    await cp.close()
    with pytest.raises(NotConnected):
        await cp.call("Heartbeat", {})
    handshakes = csms.handshakes
    await csms.wait(lambda: "CP1" not in csms.connections)
    assert csms.handshakes == handshakes  # closed for good: no reconnect


async def test_connect_failure_raises_without_background_retries():
    cp = ChargePoint16(url="ws://127.0.0.1:1/ocpp", reconnect_min_delay=0.01, open_timeout=1)
    with pytest.raises(OSError):
        await cp.connect()
    assert not cp.connected and cp._reconnect_task is None
    await cp.close()


async def test_offline_storage_is_bounded_but_keeps_transaction_events(csms, make_cp):
    cp = make_cp(meter_interval=0.01)
    cp._outbox.max_size = 5
    await cp.connect()
    await cp.disconnect()
    await cp.start_session(1, "A")
    await cp.wait_for(lambda cp: cp._outbox.dropped >= 3, timeout=3)
    await cp.stop_session(1)
    queued = [a for a, _ in cp.outbox]
    assert len(queued) <= 6 and queued[0] == "StartTransaction" and queued[-1] == "StopTransaction"


@pytest.mark.parametrize("code, sent", [("InternalError", 3), ("FormationViolation", 1)])
async def test_a_transaction_message_the_csms_failed_to_process_is_sent_again(csms, make_cp, code, sent):
    """InternalError (the central system could not process it, e.g. its database was away): retried
    like an unanswered message; any other CALLERROR: the message is wrong, dropped at once."""
    refusals = [code, code]

    def stop(cp_id, payload):
        if refusals:
            raise CsmsCallError(refusals.pop(0), "could not process")
        return {}
    csms.handlers["StopTransaction"] = stop
    cp = make_cp()
    cp.config.set("TransactionMessageRetryInterval", 0)
    await cp.connect()
    await cp.start_session(1, "TAG1")
    await cp.stop_session(1)
    await cp.wait_for(lambda cp: not cp.outbox, timeout=5)
    assert len([r for r in csms.received if r.action == "StopTransaction"]) == sent
