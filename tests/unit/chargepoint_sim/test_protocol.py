import orjson
import pytest

from chargepoint_sim.protocol import (
    Call, CallErrorFrame, CallResult, FrameError, MessageIds, decode, encode_call, encode_error, encode_result,
    format_utc, parse_utc, utc_now,
)


def test_encode_frames_are_ocpp_j_arrays():
    assert orjson.loads(encode_call("1", "Heartbeat", {})) == [2, "1", "Heartbeat", {}]
    assert orjson.loads(encode_result("1", {"currentTime": "x"})) == [3, "1", {"currentTime": "x"}]
    assert orjson.loads(encode_error("1", "NotImplemented", "nope")) == [4, "1", "NotImplemented", "nope", {}]
    assert isinstance(encode_call("1", "Heartbeat", {}), str)  # text frames, never bytes


def test_decode_round_trip():
    frame = decode(encode_call("a-1", "Authorize", {"idTag": "T"}))
    assert frame == Call("a-1", "Authorize", {"idTag": "T"})
    assert decode(encode_result("a-1", {"x": 1})) == CallResult("a-1", {"x": 1})
    assert decode('[4,"a-1","GenericError","bad",{"k":1}]') == CallErrorFrame("a-1", "GenericError", "bad", {"k": 1})


@pytest.mark.parametrize(
    "text, code, has_id",
    [
        ("not json", "ProtocolError", False),
        ('{"a": 1}', "ProtocolError", False),
        ('[2, 5, "Heartbeat", {}]', "ProtocolError", False),
        ('[2, "", "Heartbeat", {}]', "ProtocolError", False),
        ('[2, "' + "x" * 37 + '", "Heartbeat", {}]', "ProtocolError", False),
        ('[2, "1", "Heartbeat"]', "ProtocolError", True),
        ('[2, "1", "Heartbeat", []]', "FormationViolation", True),
        ('[3, "1", "x"]', "ProtocolError", True),
        ('[9, "1", "x", {}]', "ProtocolError", True),
    ],
)
def test_decode_rejects_malformed(text, code, has_id):
    with pytest.raises(FrameError) as info:
        decode(text)
    assert info.value.code == code
    assert (info.value.message_id is not None) == has_id


def test_message_ids_unique_and_short():
    ids = MessageIds()
    values = [ids.next() for _ in range(1000)]
    assert len(set(values)) == 1000
    assert all(0 < len(v) <= 36 for v in values)
    assert MessageIds().next() != MessageIds().next()  # distinct prefixes per charge point


def test_timestamps_are_utc_with_z():
    stamp = utc_now()
    assert stamp.endswith("Z") and "T" in stamp and len(stamp) == 24
    assert format_utc(parse_utc("2024-05-01T10:00:00+02:00")) == "2024-05-01T08:00:00.000Z"
