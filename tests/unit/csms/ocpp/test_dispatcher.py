from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone

import pytest

from csms.domain.errors import CallErrorReceived, CallTimeout, CommandNotSent
from csms.ocpp.calls import Caller
from csms.ocpp.dispatcher import Dispatcher
from csms.ocpp.routing import CallContext, RouteTable
from tests.fakes import EPOCH

V16 = "ocpp1.6"


class FakeConnection:
    """The Connection Protocol: records what is sent."""

    def __init__(self, cp_id: str = "CP1", protocol: str = V16):
        self.cp_id = cp_id
        self.protocol = protocol
        self.state: dict = {}
        self.sent: list[str] = []
        self.closed: tuple[int, str] | None = None
        self._sent = asyncio.Event()

    async def send(self, text: str) -> None:
        self.sent.append(text)
        self._sent.set()

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.closed = (code, reason)

    @property
    def frames(self) -> list[list]:
        return [json.loads(t) for t in self.sent]

    async def next_sent(self, timeout: float = 1.0) -> list:
        """Wait for the next frame sent from now on."""
        seen = len(self.sent)
        while len(self.sent) == seen:
            self._sent.clear()
            await asyncio.wait_for(self._sent.wait(), timeout)
        return json.loads(self.sent[seen])


class Observer:
    def __init__(self):
        self.seen: list[tuple] = []

    def __call__(self, cp_id, direction, message_type, unique_id, action, raw, at):
        self.seen.append((cp_id, direction, message_type, unique_id, action, raw, at))

    def summary(self) -> list[tuple]:
        return [(d, t, u, a) for _, d, t, u, a, _, _ in self.seen]


async def heartbeat(ctx: CallContext, req: dict) -> dict:
    return {"currentTime": "2024-05-01T08:00:00.000Z"}


async def broken(ctx: CallContext, req: dict) -> dict:
    raise RuntimeError("database went away")


@pytest.fixture
def observer():
    return Observer()


@pytest.fixture
def handled():
    return []


@pytest.fixture
def dispatcher(observer, handled):
    async def boot(ctx: CallContext, req: dict) -> dict:
        handled.append((ctx.cp_id, ctx.unique_id, req))
        return {"status": "Accepted", "currentTime": "2024-05-01T08:00:00.000Z", "interval": 300}

    async def authorize(ctx: CallContext, req: dict) -> dict:
        return {"idTagInfo": {"status": "Sleepy"}}          # a handler bug: not a 1.6 status

    routes = {"Heartbeat": heartbeat, "BootNotification": boot, "StopTransaction": broken, "Authorize": authorize}
    return dispatch(routes, observer, max_frame_bytes=512)


def dispatch(routes: dict, observer, **kw) -> Dispatcher:
    """A dispatcher of these 1.6 routes, with its caller (``dispatcher.caller``) for outbound CALLs."""
    return Dispatcher({V16: RouteTable(V16, routes.items())}, Caller(observer), observer, **kw)


@pytest.fixture
def conn():
    return FakeConnection()


async def receive(dispatcher, conn, frame) -> list:
    raw = frame if isinstance(frame, (str, bytes)) else json.dumps(frame)
    await dispatcher.on_frame(conn, raw, EPOCH)
    return conn.frames[-1]


# -- inbound -----------------------------------------------------------------------------------------
async def test_a_call_is_handed_to_its_handler_and_answered(dispatcher, conn, handled):
    payload = {"chargePointVendor": "ACME", "chargePointModel": "Fast-50"}

    answer = await receive(dispatcher, conn, [2, "b-1", "BootNotification", payload])

    assert handled == [("CP1", "b-1", payload)]
    assert answer == [3, "b-1", {"status": "Accepted", "currentTime": "2024-05-01T08:00:00.000Z", "interval": 300}]


async def test_an_unknown_action_is_not_implemented(dispatcher, conn):
    answer = await receive(dispatcher, conn, [2, "u-1", "MakeCoffee", {}])

    assert answer[:3] == [4, "u-1", "NotImplemented"]


async def test_a_16_action_without_a_handler_is_not_supported(dispatcher, conn):
    answer = await receive(dispatcher, conn, [2, "s-1", "SignCertificate", {"csr": "-----BEGIN..."}])

    assert answer[:3] == [4, "s-1", "NotSupported"]


async def test_a_payload_breaking_the_schema_gets_the_rules_code_and_never_reaches_the_handler(dispatcher, conn,
                                                                                              handled):
    answer = await receive(dispatcher, conn, [2, "v-1", "BootNotification", {"chargePointVendor": "ACME"}])

    assert answer[:3] == [4, "v-1", "ProtocolError"]
    assert answer[4]["rule"] == "required"
    assert handled == []


async def test_a_failing_handler_gets_internal_error_and_the_next_frame_is_still_answered(dispatcher, conn):
    stop = {"transactionId": 1, "meterStop": 10, "timestamp": "2024-05-01T08:00:00Z"}

    failed = await receive(dispatcher, conn, [2, "f-1", "StopTransaction", stop])
    after = await receive(dispatcher, conn, [2, "f-2", "Heartbeat", {}])

    assert failed[:3] == [4, "f-1", "InternalError"]
    assert "database went away" not in failed[3]          # no internals leak to the charge point
    assert after[:2] == [3, "f-2"]


async def test_each_refusal_is_one_log_line_and_its_traceback_is_logged_once_a_minute(observer, conn, caplog):
    dispatcher = dispatch({"StopTransaction": broken}, observer, traceback_every=60)
    stop = {"transactionId": 1, "meterStop": 10, "timestamp": "2024-05-01T08:00:00Z"}
    with caplog.at_level("ERROR", logger="csms.ocpp.dispatcher"):
        for n in range(5):                                   # an outage: every message fails the same way
            await receive(dispatcher, conn, [2, f"o-{n}", "StopTransaction", stop])
    lines = [r for r in caplog.records if r.name == "csms.ocpp.dispatcher"]
    assert [r.getMessage() for r in lines][:2] == [
        "StopTransaction o-0 from CP1 answered InternalError: RuntimeError: database went away",
        ("StopTransaction o-1 from CP1 answered InternalError: RuntimeError: database went away "
         "(traceback of this error logged less than a minute ago)")]
    assert len(lines) == 5 and [r.exc_info is not None for r in lines] == [True, False, False, False, False]
    dispatcher.traceback_every = 0                          # a minute later: the traceback once more
    await receive(dispatcher, conn, [2, "o-5", "StopTransaction", stop])
    assert caplog.records[-1].exc_info is not None


async def test_a_handler_answer_breaking_the_schema_is_not_sent_and_is_our_internal_error(dispatcher, conn):
    answer = await receive(dispatcher, conn, [2, "a-1", "Authorize", {"idTag": "T1"}])

    # the request was valid: the charge point must not be told it broke a constraint
    assert answer[:3] == [4, "a-1", "InternalError"]
    assert all(f[0] != 3 for f in conn.frames)


async def test_an_oversized_frame_is_a_formation_violation_with_the_salvaged_id(dispatcher, conn, handled):
    big = json.dumps([2, "big-1", "BootNotification", {"chargePointVendor": "A" * 600, "chargePointModel": "M"}])

    answer = await receive(dispatcher, conn, big)

    assert answer[:3] == [4, "big-1", "FormationViolation"]
    assert handled == []


@pytest.mark.parametrize("raw,code", [('[2, "m-1", "Heartbeat"', "FormationViolation"),
                                      ('[2, "m-1", "Heartbeat"]', "ProtocolError"),
                                      (b'[2, "m-1", "Heartbeat", {}]', "FormationViolation")])
async def test_a_malformed_frame_is_answered_with_a_callerror(dispatcher, conn, raw, code):
    answer = await receive(dispatcher, conn, raw)

    assert answer[:3] == [4, "m-1", code]


@pytest.mark.parametrize("raw", ['[3, "r-1", null]', '[3, "r-1", {}, {}]', '[4, "r-1", 1, "x", {}]',
                                 '[4, "r-1", "GenericError"]'])
async def test_a_malformed_answer_is_logged_and_never_answered(dispatcher, conn, observer, raw):
    await dispatcher.on_frame(conn, raw, EPOCH)
    await dispatcher.on_frame(conn, '[2, "hb", "Heartbeat", {}]', EPOCH)

    assert [f[:2] for f in conn.frames] == [[3, "hb"]]
    assert observer.summary()[0][:3] == ("in", int(raw[1]), "r-1")


async def test_an_oversized_multibyte_frame_is_measured_in_bytes(observer, handled):
    d = dispatch({"Heartbeat": heartbeat}, observer, max_frame_bytes=300)
    c = FakeConnection()
    text = json.dumps([2, "mb-1", "DataTransfer", {"vendorId": "V", "data": "充" * 120}], ensure_ascii=False)
    assert len(text) < 300 < len(text.encode())

    answer = await receive(d, c, text)

    assert answer[:3] == [4, "mb-1", "FormationViolation"]


async def test_an_answer_to_no_call_of_ours_is_logged_and_dropped(dispatcher, conn, observer):
    await dispatcher.on_frame(conn, '[3, "nobody-asked", {}]', EPOCH)

    assert conn.sent == []
    assert observer.summary() == [("in", 3, "nobody-asked", None)]


# -- outbound ----------------------------------------------------------------------------------------
async def test_a_callresult_resolves_the_outbound_call(dispatcher, conn):
    call = asyncio.create_task(dispatcher.caller.call(conn, "Reset", {"type": "Soft"}, timeout=2))
    sent = await conn.next_sent()

    await dispatcher.on_frame(conn, json.dumps([3, sent[1], {"status": "Accepted"}]), EPOCH)

    assert sent[0] == 2 and sent[2:] == ["Reset", {"type": "Soft"}]
    assert await call == {"status": "Accepted"}


async def test_a_callerror_answer_raises_call_error_received(dispatcher, conn):
    call = asyncio.create_task(dispatcher.caller.call(conn, "Reset", {"type": "Hard"}, timeout=2))
    sent = await conn.next_sent()

    await dispatcher.on_frame(conn, json.dumps([4, sent[1], "NotSupported", "no hard resets", {"why": "policy"}]),
                              EPOCH)

    with pytest.raises(CallErrorReceived) as caught:
        await call
    assert (caught.value.code, caught.value.description, caught.value.details) == \
        ("NotSupported", "no hard resets", {"why": "policy"})


async def test_an_answer_breaking_the_response_schema_raises(dispatcher, conn):
    call = asyncio.create_task(dispatcher.caller.call(conn, "Reset", {"type": "Soft"}, timeout=2))
    sent = await conn.next_sent()

    await dispatcher.on_frame(conn, json.dumps([3, sent[1], {"status": "Maybe"}]), EPOCH)

    with pytest.raises(CallErrorReceived) as caught:
        await call
    assert caught.value.code == "PropertyConstraintViolation"


async def test_an_unanswered_call_times_out(dispatcher, conn):
    with pytest.raises(CallTimeout):
        await dispatcher.caller.call(conn, "ClearCache", {}, timeout=0.05)

    # the late answer is dropped, and the next call goes out
    late = conn.frames[-1]
    await dispatcher.on_frame(conn, json.dumps([3, late[1], {"status": "Accepted"}]), EPOCH)
    nxt = asyncio.create_task(dispatcher.caller.call(conn, "ClearCache", {}, timeout=2))
    sent = await conn.next_sent()
    await dispatcher.on_frame(conn, json.dumps([3, sent[1], {"status": "Rejected"}]), EPOCH)
    assert sent[1] != late[1]
    assert await nxt == {"status": "Rejected"}


@pytest.mark.parametrize("action,payload", [("Reset", {"type": "Sideways"}), ("Reset", {}),
                                            ("MakeCoffee", {}), ("BootNotification", {"x": 1})])
async def test_an_invalid_outbound_call_raises_before_anything_is_sent(dispatcher, conn, observer, action, payload):
    with pytest.raises(CommandNotSent):
        await dispatcher.caller.call(conn, action, payload, timeout=1)

    assert conn.sent == []
    assert observer.seen == []


async def test_only_one_call_is_outstanding_per_charge_point(dispatcher, conn):
    first = asyncio.create_task(dispatcher.caller.call(conn, "ClearCache", {}, timeout=2))
    sent_first = await conn.next_sent()
    second = asyncio.create_task(dispatcher.caller.call(conn, "Reset", {"type": "Soft"}, timeout=2))
    await asyncio.sleep(0.02)

    assert len(conn.sent) == 1                     # the second waits for the first answer
    await dispatcher.on_frame(conn, json.dumps([3, sent_first[1], {"status": "Accepted"}]), EPOCH)
    sent_second = await conn.next_sent()
    await dispatcher.on_frame(conn, json.dumps([3, sent_second[1], {"status": "Accepted"}]), EPOCH)

    assert sent_second[2] == "Reset"
    assert await first == await second == {"status": "Accepted"}


async def test_a_disconnect_ends_the_pending_call(dispatcher, conn):
    call = asyncio.create_task(dispatcher.caller.call(conn, "ClearCache", {}, timeout=5))
    await conn.next_sent()

    dispatcher.on_disconnect(conn)

    with pytest.raises(CallTimeout):
        await call


# -- the frame observer ------------------------------------------------------------------------------
async def test_every_frame_in_and_out_is_observed_with_its_direction(dispatcher, conn, observer):
    await dispatcher.on_frame(conn, '[2, "h-1", "Heartbeat", {}]', EPOCH)
    await dispatcher.on_frame(conn, '[2, "x-1", "MakeCoffee", {}]', EPOCH)
    await dispatcher.on_frame(conn, "not json", EPOCH)
    call = asyncio.create_task(dispatcher.caller.call(conn, "ClearCache", {}, timeout=2))
    sent = await conn.next_sent()
    await dispatcher.on_frame(conn, json.dumps([3, sent[1], {"status": "Accepted"}]), EPOCH)
    await call

    assert observer.summary() == [
        ("in", 2, "h-1", "Heartbeat"), ("out", 3, "h-1", "Heartbeat"),
        ("in", 2, "x-1", "MakeCoffee"), ("out", 4, "x-1", "MakeCoffee"),
        ("in", 0, "-1", None), ("out", 4, "-1", None),
        ("out", 2, sent[1], "ClearCache"), ("in", 3, sent[1], "ClearCache"),
    ]
    assert [raw for _, d, *_, raw, _ in observer.seen if d == "out"] == conn.sent
    assert {cp_id for cp_id, *_ in observer.seen} == {"CP1"}
    inbound_times = [at for _, d, *_, at in observer.seen if d == "in"]
    assert set(inbound_times) == {EPOCH}
    assert all(at.tzinfo is not None for *_, at in observer.seen)


async def test_follow_ups_run_after_the_answer_is_sent(observer):
    order = []
    conn = FakeConnection()

    async def then():
        order.append(("follow-up", len(conn.sent)))

    async def hb(ctx: CallContext, req: dict) -> dict:
        ctx.then(then)
        return await heartbeat(ctx, req)

    d = dispatch({"Heartbeat": hb}, observer)
    await d.on_frame(conn, '[2, "1", "Heartbeat", {}]', datetime.now(timezone.utc))
    await asyncio.sleep(0.01)

    assert order == [("follow-up", 1)]
