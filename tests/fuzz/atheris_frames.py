"""Coverage-guided fuzzing (atheris) of the frame decoder, the schema checks and the dispatcher that
routes a frame to its handler (issue 16 item 1). Each input is split into a version byte, a text/binary
byte and the frame; the dispatcher runs it with handlers that answer ``{}``. Whatever the bytes, the
dispatcher must not raise, must send at most one frame, and that frame must be a CALLERROR of the shape
OCPP-J prescribes with a code the version defines, never InternalError (or a CALLRESULT for a CALL of a
known action).

    python -m tests.fuzz.atheris_frames -max_total_time=60 -rss_limit_mb=2048   # make soak runs this

Without atheris (it builds only where a clang with libFuzzer is at hand) run the same check by
hypothesis: ``python -m tests.fuzz.atheris_frames --hypothesis 20000``."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime

from csms.ocpp import frames
from csms.ocpp.calls import Caller
from csms.ocpp.dispatcher import Dispatcher
from csms.ocpp.routing import RouteTable

VERSIONS = ("ocpp1.6", "ocpp2.0.1")
CODES = {
    "ocpp1.6": {"NotImplemented", "NotSupported", "InternalError", "ProtocolError", "SecurityError",
                "FormationViolation", "PropertyConstraintViolation", "OccurenceConstraintViolation",
                "TypeConstraintViolation", "GenericError"},
    "ocpp2.0.1": {"FormatViolation", "GenericError", "InternalError", "MessageTypeNotSupported", "NotImplemented",
                  "NotSupported", "OccurrenceConstraintViolation", "PropertyConstraintViolation", "ProtocolError",
                  "RpcFrameworkError", "SecurityError", "TypeConstraintViolation"},
}
MAX_FRAME = 4096


class Conn:
    def __init__(self, version: str):
        self.cp_id, self.protocol, self.state, self.sent = "FUZZ", version, {}, []

    async def send(self, text: str) -> None:
        self.sent.append(text)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        raise AssertionError("the dispatcher closed the connection")


async def _answer(ctx, payload):
    return {}


def _dispatcher() -> Dispatcher:
    def observe(*_):
        return None
    routes = {v: RouteTable(v, [(a, _answer) for a in frames.charge_point_initiated(v)]) for v in VERSIONS}
    return Dispatcher(routes, Caller(observe), observe, max_frame_bytes=MAX_FRAME, strict_responses=False)


DISPATCHER = _dispatcher()
LOOP = asyncio.new_event_loop()
NOW = datetime.now(UTC)


def check(data: bytes) -> None:
    if len(data) < 2:
        return
    version = VERSIONS[data[0] & 1]
    raw: str | bytes = data[2:]
    if data[1] & 1:
        raw = raw.decode("utf-8", "replace")      # a text frame is UTF-8 by the time it reaches the dispatcher
    conn = Conn(version)
    LOOP.run_until_complete(DISPATCHER.on_frame(conn, raw, NOW))
    assert len(conn.sent) <= 1, conn.sent
    for text in conn.sent:
        answer = json.loads(text)
        if answer[0] == 3:
            assert isinstance(answer[1], str) and answer[2] == {}, answer
            continue
        assert answer[0] == 4 and len(answer) == 5, answer
        assert isinstance(answer[1], str) and isinstance(answer[3], str) and isinstance(answer[4], dict), answer
        assert answer[2] in CODES[version] and answer[2] != "InternalError", answer


SEEDS = [b'[2,"1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]',
         b'[2,"2","Heartbeat",{}]', b'[3,"3",{}]', b'[4,"4","GenericError","",{}]',
         b'[2,"5","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Available"}]',
         (b'[2,"6","TransactionEvent",{"eventType":"Started","timestamp":"2026-01-01T00:00:00Z",'
         b'"triggerReason":"Authorized","seqNo":0,"transactionInfo":{"transactionId":"T1"}}]')]


def run_atheris(argv: list[str]) -> None:
    import atheris
    corpus = __import__("tempfile").mkdtemp(prefix="atheris-frames-")
    for i, seed in enumerate(SEEDS):
        for prefix in (b"\x00\x01", b"\x01\x01"):
            with open(f"{corpus}/seed{i}{prefix[0]}", "wb") as f:
                f.write(prefix + seed)
    atheris.instrument_all()                      # coverage of every module loaded: decoder, schemas, dispatcher
    atheris.Setup([argv[0], *argv[1:], corpus], check)
    atheris.Fuzz()


def run_hypothesis(examples: int) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    seeds = st.sampled_from([p + s for s in SEEDS for p in (b"\x00\x01", b"\x01\x01")])
    mutated = st.tuples(seeds, st.integers(0, 200), st.binary(max_size=40)).map(
        lambda t: t[0][:t[1]] + t[2] + t[0][t[1] + len(t[2]):])
    settings(max_examples=examples, database=None, deadline=None, suppress_health_check=list(HealthCheck))(
        given(st.one_of(st.binary(max_size=300), mutated))(check))()
    print(f"{examples} inputs: no exception, every answer a CALLERROR of the spec's shape")


if __name__ == "__main__":
    __import__("logging").disable(__import__("logging").WARNING)   # "answered unknown call" lines by the thousand
    if "--hypothesis" in sys.argv:
        run_hypothesis(int(sys.argv[sys.argv.index("--hypothesis") + 1]))
    else:
        run_atheris(sys.argv)
