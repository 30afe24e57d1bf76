from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csms.ocpp import frames
from csms.ocpp.frames import CALL, CALLERROR, CALLRESULT, FrameError

V16, V201 = "ocpp1.6", "ocpp2.0.1"


# -- well-formed frames ----------------------------------------------------------------------------
@pytest.mark.parametrize("version", [V16, V201])
def test_a_call_is_decoded(version):
    frame = frames.decode('[2, "42", "Heartbeat", {}]', version)

    assert (frame.type, frame.unique_id, frame.action, frame.payload) == (CALL, "42", "Heartbeat", {})


def test_a_callresult_is_decoded():
    frame = frames.decode('[3, "42", {"currentTime": "2024-05-01T08:00:00Z"}]', V16)

    assert (frame.type, frame.unique_id, frame.payload) == (CALLRESULT, "42", {"currentTime": "2024-05-01T08:00:00Z"})
    assert frame.action is None


def test_a_callerror_is_decoded_with_its_details():
    frame = frames.decode('[4, "42", "NotSupported", "no such thing", {"hint": 1}]', V16)

    assert (frame.type, frame.unique_id, frame.error_code, frame.error_description, frame.error_details) == \
        (CALLERROR, "42", "NotSupported", "no such thing", {"hint": 1})


def test_a_callerror_without_details_has_empty_details():
    frame = frames.decode('[4, "42", "GenericError", "oops"]', V16)

    assert frame.error_details == {}


@given(uid=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=36),
       action=st.text(min_size=1, max_size=20),
       payload=st.dictionaries(st.text(max_size=8), st.one_of(st.integers(-10**6, 10**6), st.text(max_size=8),
                                                             st.booleans(), st.none()), max_size=5))
def test_encoded_frames_decode_to_what_was_encoded(uid, action, payload):
    call = frames.decode(frames.call(uid, action, payload), V16)
    result = frames.decode(frames.result(uid, payload), V16)
    error = frames.decode(frames.error(uid, "GenericError", action, payload), V16)

    assert (call.unique_id, call.action, call.payload) == (uid, action, payload)
    assert (result.unique_id, result.payload) == (uid, payload)
    assert (error.unique_id, error.error_code, error.error_description, error.error_details) == \
        (uid, "GenericError", action, payload)


def test_an_error_frame_keeps_at_most_255_characters_of_description():
    text = frames.error("1", "InternalError", "d" * 1000)

    assert json.loads(text) == [4, "1", "InternalError", "d" * 255, {}]


@pytest.mark.parametrize("digits", [19, 308, 309, 400])
@pytest.mark.parametrize("version", [V16, V201])
def test_an_integer_of_any_size_is_decoded_exactly(version, digits):
    """Past 64 bits orjson reads an integer as a float, past 1e308 not at all; it is still JSON
    (found by the soak: a 2.0.1 ePriceLevel of -10^309 was answered 'not valid JSON')."""
    frame = frames.decode('[2, "7", "DataTransfer", {"n": [-1%s]}]' % ("0" * digits), version)

    assert frame.payload["n"] == [-(10 ** digits)] and isinstance(frame.payload["n"][0], int)


@pytest.mark.parametrize("raw", ['[2, "7", "X", {"s": "\\ud800", "n": 1%s}]', '[2, "7", "X", {"n": 1%s, }]',
                                 '[2, "7", "X", {"n": NaN, "m": 1%s}]'])
def test_a_frame_with_a_huge_integer_is_refused_for_what_else_is_wrong_in_it(raw):
    with pytest.raises(FrameError) as caught:
        frames.decode(raw % ("0" * 400), V201)

    assert (caught.value.code, caught.value.description) == ("FormatViolation", "frame is not valid JSON")


# -- malformed frames: the code each version prescribes -------------------------------------------------
MALFORMED = [
    # what, raw, 1.6 code, 2.0.1 code, salvaged id, message type
    ("invalid JSON", '[2, "7", "Heartbeat", {', "FormationViolation", "FormatViolation", "7", 0),
    ("invalid JSON, no id to salvage", "{{{", "FormationViolation", "FormatViolation", "-1", 0),
    ("an object, not an array", '{"id": "7"}', "ProtocolError", "RpcFrameworkError", "-1", 0),
    ("a string, not an array", '"hello"', "ProtocolError", "RpcFrameworkError", "-1", 0),
    ("an empty array", "[]", "ProtocolError", "RpcFrameworkError", "-1", 0),
    ("wrong message type id", '[5, "7", "Heartbeat", {}]', "ProtocolError", "MessageTypeNotSupported", "7", 0),
    ("boolean message type id", '[true, "7", "Heartbeat", {}]', "ProtocolError", "MessageTypeNotSupported", "7", 0),
    ("missing id", "[2]", "ProtocolError", "RpcFrameworkError", "-1", CALL),
    ("id not a string", '[2, 7, "Heartbeat", {}]', "ProtocolError", "RpcFrameworkError", "-1", CALL),
    # an unusable id is never echoed back: the answer goes to "-1"
    ("empty id", '[2, "", "Heartbeat", {}]', "ProtocolError", "RpcFrameworkError", "-1", CALL),
    ("id longer than 36", '[2, "' + "x" * 37 + '", "Heartbeat", {}]', "ProtocolError", "RpcFrameworkError",
     "-1", CALL),
    ("float message type id", '[2.0, "7", "Heartbeat", {}]', "ProtocolError", "MessageTypeNotSupported", "7", 0),
    ("CALL with 3 elements", '[2, "7", "Heartbeat"]', "ProtocolError", "RpcFrameworkError", "7", CALL),
    ("CALL with 5 elements", '[2, "7", "Heartbeat", {}, {}]', "ProtocolError", "RpcFrameworkError", "7", CALL),
    ("action not a string", '[2, "7", 12, {}]', "FormationViolation", "FormatViolation", "7", CALL),
    ("CALL payload an array", '[2, "7", "Heartbeat", []]', "FormationViolation", "FormatViolation", "7", CALL),
    ("CALL payload a string", '[2, "7", "Heartbeat", "{}"]', "FormationViolation", "FormatViolation", "7", CALL),
    ("CALLRESULT with 4 elements", '[3, "7", {}, {}]', "ProtocolError", "RpcFrameworkError", "7", CALLRESULT),
    ("CALLRESULT payload not an object", '[3, "7", null]', "ProtocolError", "RpcFrameworkError", "7", CALLRESULT),
    ("CALLERROR with 3 elements", '[4, "7", "GenericError"]', "ProtocolError", "RpcFrameworkError", "7", CALLERROR),
    ("CALLERROR code not a string", '[4, "7", 1, "x", {}]', "ProtocolError", "RpcFrameworkError", "7", CALLERROR),
]


@pytest.mark.parametrize("what,raw,code16,code201,uid,mtype", MALFORMED, ids=[m[0] for m in MALFORMED])
@pytest.mark.parametrize("version", [V16, V201])
def test_a_malformed_frame_is_refused_with_the_versions_code(what, raw, code16, code201, uid, mtype, version):
    with pytest.raises(FrameError) as caught:
        frames.decode(raw, version)

    assert caught.value.code == (code16 if version == V16 else code201)
    assert (caught.value.unique_id, caught.value.message_type) == (uid, mtype)


@pytest.mark.parametrize("version,code", [(V16, "FormationViolation"), (V201, "FormatViolation")])
def test_a_binary_frame_is_refused_with_its_id_salvaged(version, code):
    with pytest.raises(FrameError) as caught:
        frames.decode(b'[2, "bin-1", "Heartbeat", {}]', version)

    assert (caught.value.code, caught.value.unique_id) == (code, "bin-1")
