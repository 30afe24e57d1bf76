"""Hypothesis strategies of hostile OCPP-J frames, each with what the CSMS must answer, worked out without
the CSMS's own code.

A probe starts from a payload valid for its official schema (tests.support.schema_frames) and breaks it one
way: a wrong type, a missing or an extra field, a huge number, deep nesting, an unpaired surrogate, a wrong
message type id, a bad or duplicated message id, an answer to a call never made, an action that is
unknown or goes the other way, a truncated, oversized, binary or not-UTF-8 frame. The expected CALLERROR
code comes from the OCPP-J specifications' table (section 4.2.3 of OCPP-J 1.6, 4.3 of OCPP 2.0.1 part
4) applied to what an independent validator (the ``jsonschema`` package, the draft each schema declares)
finds wrong with the payload; a frame RFC 6455 makes the server close (text that is not UTF-8: 1007; a
frame past the socket's limit: 1009) expects that close and nothing else."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache

import jsonschema
from hypothesis import strategies as st

from csms.ocpp import frames
from tests.support.schema_frames import payloads as _payloads

# schema rule -> CALLERROR code, (OCPP 1.6, OCPP 2.0.1), written from the specs on purpose beside
# csms.ocpp.frames._CODES (the oracle must not be the code under test); "Occurence" is the 1.6 spec's spelling
SPEC_CODES = {
    "type": ("TypeConstraintViolation", "TypeConstraintViolation"),
    "maxLength": ("TypeConstraintViolation", "TypeConstraintViolation"),
    "minLength": ("TypeConstraintViolation", "TypeConstraintViolation"),
    "required": ("ProtocolError", "OccurrenceConstraintViolation"),
    "minItems": ("OccurenceConstraintViolation", "OccurrenceConstraintViolation"),
    "maxItems": ("OccurenceConstraintViolation", "OccurrenceConstraintViolation"),
    "additionalProperties": ("FormationViolation", "FormatViolation"),
    "enum": ("PropertyConstraintViolation", "PropertyConstraintViolation"),
    "pattern": ("PropertyConstraintViolation", "PropertyConstraintViolation"),
    "minimum": ("PropertyConstraintViolation", "PropertyConstraintViolation"),
    "maximum": ("PropertyConstraintViolation", "PropertyConstraintViolation"),
}
SILENT = "silent"          # an answer to a call never made: no answer at all


def bad_format(version: str) -> str:
    return "FormationViolation" if version == "ocpp1.6" else "FormatViolation"


def rpc_error(version: str) -> str:
    return "ProtocolError" if version == "ocpp1.6" else "RpcFrameworkError"


def bad_type_id(version: str) -> str:
    return "ProtocolError" if version == "ocpp1.6" else "MessageTypeNotSupported"


@dataclass
class Probe:
    kind: str
    frames: list[str | bytes]           # sent one after the other
    uid: str = "-1"                     # the message id each answer must carry
    codes: frozenset[str] = frozenset()  # the CALLERROR codes the spec allows (one of them); empty: SILENT
    answers: int = 1                    # answers expected (duplicated ids: one per frame)
    close: int | None = None            # the close code RFC 6455 prescribes, if the server must close
    text: bool = True                   # bytes sent as a text frame (not UTF-8) rather than binary
    note: str = field(default="", repr=False)


@cache
def _checker(version: str, action: str):
    schema = frames._strip(frames.schema_of(version, action, False))   # multipleOf dropped, as the CSMS does
    return jsonschema.validators.validator_for(schema)(schema)


def schema_codes(version: str, action: str, payload: dict) -> frozenset[str]:
    """The codes the spec gives the payload's schema errors (empty when it is valid)."""
    col = 0 if version == "ocpp1.6" else 1
    codes = set()
    for err in _checker(version, action).iter_errors(payload):
        for e in _leaves(err):
            if e.validator in SPEC_CODES:
                codes.add(SPEC_CODES[e.validator][col])
    return frozenset(codes)


def _leaves(err):
    yield err
    for sub in err.context or ():
        yield from _leaves(sub)


@cache
def payloads(version: str, action: str) -> st.SearchStrategy[dict]:
    """The schema's strategy, built once per action (building it is most of a draw's cost)."""
    return _payloads(version, action)


@cache
def inbound(version: str) -> list[str]:
    return sorted(frames.charge_point_initiated(version))


def _paths(node, path=()):
    """Every (path, value) inside a payload, the payload itself first."""
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, path + (i,))


def _replace(node, path, value):
    if not path:
        return value
    copy = dict(node) if isinstance(node, dict) else list(node)
    copy[path[0]] = _replace(node[path[0]], path[1:], value)
    return copy


def _delete(node, path):
    copy = dict(node) if isinstance(node, dict) else list(node)
    if len(path) == 1:
        del copy[path[0]]
    else:
        copy[path[0]] = _delete(node[path[0]], path[1:])
    return copy


def _other_type(value) -> st.SearchStrategy:
    options = [st.just(None), st.booleans(), st.integers(-5, 5), st.just(1.5), st.text(max_size=5),
               st.just([]), st.just({}), st.just([1, "x"]), st.just({"k": "v"})]
    kind = type(value)
    return st.one_of(options).filter(lambda v: type(v) is not kind or kind in (list, dict) and v != value)


HUGE = st.one_of(st.integers(19, 400).map(lambda k: 10 ** k), st.integers(19, 400).map(lambda k: -(10 ** k)),
                 st.sampled_from([2 ** 63, 2 ** 64, -(2 ** 63) - 1, 1e308, -1e308, 1.7976931348623157e308]))


@st.composite
def broken_payload(draw, version: str, action: str) -> tuple[str, dict]:
    """A payload of ``action`` broken one way; if the break happens to stay valid, an undeclared
    property is added too (every top-level schema forbids them), so the CALL is always refused."""
    payload = draw(payloads(version, action))
    spots = list(_paths(payload))
    how = draw(st.sampled_from(["wrong_type", "missing", "extra", "huge", "wrong_type_nested"]))
    if how.startswith("wrong_type"):
        inner = [(p, v) for p, v in spots if p] or [((), payload)]
        path, value = draw(st.sampled_from(inner if how == "wrong_type_nested" else inner[:8]))
        if path:
            payload = _replace(payload, path, draw(_other_type(value)))
    elif how == "missing":
        keys = [p for p, _ in spots if p and isinstance(p[-1], str)]
        if keys:
            payload = _delete(payload, draw(st.sampled_from(keys)))
    elif how == "extra":
        objects = [p for p, v in spots if isinstance(v, dict)]
        path = draw(st.sampled_from(objects))
        node = payload
        for step in path:
            node = node[step]
        name = draw(st.sampled_from(["extra", "fuzz", "__proto__", "constructor", "\u0000", "id\u200b"]))
        payload = _replace(payload, path, {**node, name: draw(st.sampled_from([1, "x", None, [], {}]))})
    else:
        numbers = [p for p, v in spots if p and type(v) in (int, float)]
        target = draw(st.sampled_from(numbers)) if numbers else ("huge",)
        payload = _replace(payload, target, draw(HUGE)) if numbers else {**payload, "huge": draw(HUGE)}
    if not schema_codes(version, action, payload):
        payload = {**payload, "zzUndeclared": True}
    return how, payload


def _uid(i: int) -> str:
    return f"f{i}"


def _frame(uid, action, payload) -> str:
    return json.dumps([2, uid, action, payload], ensure_ascii=False)


@st.composite
def probes(draw, version: str, i: int, max_frame_bytes: int) -> Probe:
    """One hostile probe; ``i`` makes its message ids unique within a batch."""
    uid = _uid(i)
    action = draw(st.sampled_from(inbound(version)))
    kind = draw(st.sampled_from([
        "payload", "payload", "payload", "payload", "payload", "payload",
        "duplicate_id", "deep_nesting", "deep_frame", "surrogate", "bad_type_id", "bad_arity", "bad_id",
        "unknown_action", "other_direction", "unknown_answer", "truncated", "not_json", "binary",
        "oversized", "socket_limit", "not_utf8"]))
    if kind in ("payload", "duplicate_id"):
        how, payload = draw(broken_payload(version, action))
        codes = schema_codes(version, action, payload)
        text = _frame(uid, action, payload)
        if len(text.encode()) > max_frame_bytes:
            codes = frozenset({bad_format(version)})
            if len(text.encode()) > 4 * max_frame_bytes:
                return Probe("socket_limit", [text], close=1009)
        if kind == "duplicate_id":
            return Probe(kind, [text, text], uid, codes, answers=2, note=how)
        return Probe(how, [text], uid, codes)
    if kind == "deep_nesting":
        depth = draw(st.one_of(st.integers(2, 200), st.integers(900, 1100), st.integers(3000, 20000)))
        big = draw(st.booleans())     # a run of 19+ digits takes the frame through the exact-integer decoder
        inner = "[" * depth + ("12345678901234567890" if big else "") + "]" * depth
        valid = draw(payloads(version, action))        # valid but for the undeclared property holding the nesting
        text = _frame(uid, action, {**valid, "zzDeep": "@DEEP@"}).replace('"@DEEP@"', inner)
        if len(text.encode()) > 4 * max_frame_bytes:
            return Probe("socket_limit", [text], close=1009)
        return Probe(kind, [text], uid, frozenset({bad_format(version)}))
    if kind == "deep_frame":
        depth = draw(st.integers(2, 3000))
        return Probe(kind, ["[" * depth + "]" * depth], "-1", frozenset({bad_type_id(version), bad_format(version)}))
    if kind == "surrogate":
        text = f'[2,"{uid}","{action}",{{"zz":"\\ud800"}}]'
        return Probe(kind, [text], uid, frozenset({bad_format(version)}))
    if kind == "bad_type_id":
        mtype = draw(st.sampled_from([0, 1, 5, 7, 99, -2, 2.0, 2.5, "2", None, True, [2], {"t": 2}, 10 ** 30]))
        return Probe(kind, [json.dumps([mtype, uid, action, {}])], uid, frozenset({bad_type_id(version)}))
    if kind == "bad_arity":
        frame = draw(st.sampled_from([[2, uid, action], [2, uid, action, {}, {}], [2, uid]]))
        return Probe(kind, [json.dumps(frame)], uid, frozenset({rpc_error(version)}))
    if kind == "bad_id":
        bad = draw(st.sampled_from([17, "", "i" * 37, None, [], {}, 1.5, True]))
        return Probe(kind, [json.dumps([2, bad, action, {}])], "-1", frozenset({rpc_error(version)}))
    if kind == "unknown_action":
        name = draw(st.sampled_from(["FlyToTheMoon", action.lower(), action + " ", "", "\u4e2d", "x" * 200]))
        return Probe(kind, [json.dumps([2, uid, name, {}])], uid, frozenset({"NotImplemented"}))
    if kind == "other_direction":
        theirs = sorted(frames.CSMS_INITIATED[version] - {"DataTransfer"})
        name = draw(st.sampled_from(theirs))
        return Probe(kind, [json.dumps([2, uid, name, {}])], uid, frozenset({"NotSupported"}))
    if kind == "unknown_answer":
        frame = draw(st.sampled_from([[3, uid, {}], [4, uid, "InternalError", "x", {}], [3, uid],
                                      [4, uid, 5], [3, uid, "text"]]))
        return Probe(kind, [json.dumps(frame)], uid)
    if kind == "truncated":
        text = _frame(uid, action, draw(payloads(version, action)))
        cut = draw(st.integers(text.index(f'"{uid}"') + len(uid) + 2, len(text) - 1))   # the id stays whole
        if len(text[:cut].encode()) > 4 * max_frame_bytes:       # a large payload cut late: past the socket's limit
            return Probe("socket_limit", [text[:cut]], close=1009)
        return Probe(kind, [text[:cut]], uid, frozenset({bad_format(version)}))
    if kind == "not_json":
        text, salvaged = draw(st.sampled_from([("nope", "-1"), ("", "-1"), (" ", "-1"), ("[2,", "-1"), ("{", "-1"),
                                               ("NaN", "-1"), ("\x00", "-1"), ("]", "-1"),
                                               (f'[2, "{uid}", Infinity]', uid), (f'[2,"{uid}",NaN,{{}}]', uid)]))
        return Probe(kind, [text], salvaged, frozenset({bad_format(version)}))
    if kind == "binary":
        return Probe(kind, [json.dumps([2, uid, action, {}]).encode()], uid, frozenset({bad_format(version)}),
                     text=False)
    if kind == "oversized":
        size = draw(st.integers(max_frame_bytes + 1, 4 * max_frame_bytes - 200))
        text = _frame(uid, "DataTransfer", {"vendorId": "x", "data": "d" * size})
        return Probe(kind, [text], uid, frozenset({bad_format(version)}))
    if kind == "socket_limit":
        return Probe(kind, ["[" + "0," * (2 * max_frame_bytes + 1) + "0]"], close=1009)
    # not_utf8: a text frame whose bytes are no UTF-8
    junk = draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"]))
    return Probe(kind, [b'[2,"' + uid.encode() + b'","Heartbeat",{"x":"' + junk + b'"}]'], close=1007)
