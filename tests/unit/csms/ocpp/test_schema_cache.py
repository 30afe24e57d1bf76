from __future__ import annotations

import marshal

import fastjsonschema
import pytest

from csms.ocpp import frames, schema_cache
from csms.ocpp.errors import OcppError

V16, V201 = "ocpp1.6", "ocpp2.0.1"
NOW = "2024-05-01T08:00:00Z"
CASES = [
    (V16, "BootNotification", [{"chargePointVendor": "ACME", "chargePointModel": "M"},
                               {"chargePointVendor": "A" * 21, "chargePointModel": "M"}, {"x": 1}, {}]),
    (V16, "MeterValues", [{"connectorId": 1, "meterValue": [{"timestamp": NOW, "sampledValue": [{"value": "1"}]}]},
                          {"connectorId": 1.0, "meterValue": []},
                          {"connectorId": 1, "meterValue": [{"timestamp": "noon", "sampledValue": []}]}]),
    (V201, "TransactionEvent", [{"eventType": "Started", "timestamp": NOW, "triggerReason": "Authorized",
                                 "seqNo": 0, "transactionInfo": {"transactionId": "t1"}},
                                {"eventType": "Begun", "timestamp": NOW, "triggerReason": "Authorized",
                                 "seqNo": 0, "transactionInfo": {"transactionId": "t1"}}, {}]),
]


def outcome(check, payload):
    try:
        return ("ok", check(payload))
    except fastjsonschema.JsonSchemaValueException as exc:
        return ("refused", exc.message, exc.name, exc.rule, exc.value)


@pytest.mark.parametrize("version,action,payloads", CASES)
def test_a_validator_from_the_cache_judges_as_the_one_fastjsonschema_compiles(tmp_path, version, action, payloads):
    schema = frames._schema(version, action, False, draft=True)
    direct = fastjsonschema.compile(schema)

    written = schema_cache.compiled(schema, tmp_path)
    loaded = schema_cache.compiled(schema, tmp_path)

    assert [p.name for p in tmp_path.iterdir()] == [f"{schema_cache.key(schema)}.bin"]
    for payload in payloads:
        assert outcome(written, payload) == outcome(direct, payload)
        assert outcome(loaded, payload) == outcome(direct, payload)


def test_the_validator_is_read_from_the_cache_file_not_generated_again(tmp_path):
    schema = frames._schema(V16, "Heartbeat", False, draft=True)
    (tmp_path / f"{schema_cache.key(schema)}.bin").write_bytes(
        marshal.dumps(compile("def validate(data):\n    return 'from the cache'\n", "t", "exec")))

    assert schema_cache.compiled(schema, tmp_path)({}) == "from the cache"


def test_a_changed_schema_gets_a_file_of_its_own():
    schema = frames._schema(V16, "BootNotification", False, draft=True)
    other = {**schema, "required": ["chargePointVendor"]}

    assert schema_cache.key(schema) != schema_cache.key(other)


def test_a_damaged_cache_file_is_generated_and_written_again(tmp_path):
    schema = frames._schema(V16, "Heartbeat", False, draft=True)
    path = tmp_path / f"{schema_cache.key(schema)}.bin"
    path.write_bytes(b"\x00half a file")

    assert schema_cache.compiled(schema, tmp_path)({}) == {}
    assert schema_cache.compiled(schema, tmp_path)({}) == {}
    assert path.read_bytes() != b"\x00half a file"


def test_a_directory_that_cannot_be_written_only_costs_the_generation(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    schema = frames._schema(V16, "BootNotification", False, draft=True)

    check = schema_cache.compiled(schema, blocked / "validators")

    assert outcome(check, {"x": 1})[0] == "refused"


def test_warm_with_a_cache_fills_it_and_validates_as_before(tmp_path):
    assert frames.warm(V16, tmp_path) == frames.warm(V16)
    files = sorted(tmp_path.iterdir())
    assert files            # schemas that are the same (several empty responses) share a file

    assert frames.warm(V16, tmp_path) == frames.warm(V16)
    assert sorted(tmp_path.iterdir()) == files
    with pytest.raises(OcppError) as caught:
        frames.validate(V16, "BootNotification", {"chargePointModel": "M"})
    assert caught.value.code == "ProtocolError"
