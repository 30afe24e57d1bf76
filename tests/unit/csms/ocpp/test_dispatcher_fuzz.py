"""The atheris harness's property (tests/fuzz/atheris_frames.py) on a few thousand hypothesis inputs in
the normal suite: random bytes and mutated valid frames, both versions, text and binary; the dispatcher
never raises and answers at most once, with a CALLERROR of the spec's shape and never InternalError."""

from __future__ import annotations

from tests.fuzz import atheris_frames


def test_the_dispatcher_survives_mutated_and_random_frames():
    atheris_frames.run_hypothesis(1500)


def test_the_harness_sees_a_broken_answer():
    conn = atheris_frames.Conn("ocpp1.6")
    atheris_frames.LOOP.run_until_complete(atheris_frames.DISPATCHER.on_frame(conn, '[2,"a","Nope",{}]', atheris_frames.NOW))
    assert conn.sent and '"NotImplemented"' in conn.sent[0]
