"""The simulator answers every action the CSMS can send, in both versions.

What the CSMS can send is read from its code, not listed here: the generic ``calls/{Action}`` set
(csms.ocpp.schemas.CSMS_INITIATED) and the action names its typed-command encoders put in the frames
(the ``ENCODERS`` tables of csms/ocpp/v16 and csms/ocpp/v201, read from their source). Each must have a
real ``on_<Action>`` handler on the simulator (not a NotSupported stub), and answer a schema-valid request
made from the action's JSON schema with a schema-valid CALLRESULT (the fake CSMS validates it).
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import json
import pkgutil
import textwrap
from pathlib import Path

import ocpp
import pytest

import csms.ocpp.v16
import csms.ocpp.v201
from chargepoint_sim import ChargePoint16, ChargePoint201
from chargepoint_sim.protocol import utc_now
from csms.ocpp import schemas

from .fake_csms import CsmsCallError

VERSIONS = {"ocpp1.6": (csms.ocpp.v16, ChargePoint16), "ocpp2.0.1": (csms.ocpp.v201, ChargePoint201)}
SCHEMA_DIRS = {"ocpp1.6": ("v16", ""), "ocpp2.0.1": ("v201", "Request")}
LAST = ("Reset",)  # reboots the station: sent after every other action


# ---------------------------------------------------------------------- what the CSMS sends
@functools.cache
def _source(module) -> tuple[ast.Module, dict[str, ast.AST]]:
    tree = ast.parse(inspect.getsource(module))
    return tree, {n.name: n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}


def encoded_actions(version: str) -> dict[str, set[str]]:
    """Action -> the encoders that send it: the first element of the (action, payload) tuples an encoder
    (and the module functions it calls) returns."""
    package, _ = VERSIONS[version]
    names = schemas.actions(version)
    found: dict[str, set[str]] = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for encode, _decode in (getattr(module, "ENCODERS", None) or {}).values():
            tree, functions = _source(inspect.getmodule(encode))
            if encode.__name__ == "<lambda>":
                todo = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda)
                        and n.lineno == encode.__code__.co_firstlineno]
            else:
                todo = [functions[encode.__name__]]
            followed: set[str] = set()
            while todo:
                for node in ast.walk(todo.pop()):
                    if (isinstance(node, ast.Tuple) and node.elts and isinstance(node.elts[0], ast.Constant)
                            and node.elts[0].value in names):
                        found.setdefault(node.elts[0].value, set()).add(f"{info.name}.{encode.__name__}")
                    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                            and node.func.id in functions and node.func.id not in followed):
                        followed.add(node.func.id)
                        todo.append(functions[node.func.id])
    return found


def csms_actions(version: str) -> frozenset[str]:
    return schemas.CSMS_INITIATED[version] | frozenset(encoded_actions(version))


# ---------------------------------------------------------------------- what the simulator handles
def _is_stub(handler) -> bool:
    """A handler whose body raises CallError NotSupported / NotImplemented."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(handler)))
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
            first = node.exc.args[0]
            if isinstance(first, ast.Constant) and first.value in ("NotSupported", "NotImplemented"):
                return True
    return False


def handled_actions(cls) -> dict[str, object]:
    return {name[3:]: getattr(cls, name) for name in dir(cls)
            if name.startswith("on_") and inspect.iscoroutinefunction(getattr(cls, name))}


@pytest.mark.parametrize("version", list(VERSIONS))
def test_the_csms_side_is_read_from_its_code(version):
    encoded = encoded_actions(version)
    # the typed commands send only actions of the generic list, and cover most of it
    assert set(encoded) <= schemas.CSMS_INITIATED[version], sorted(set(encoded) - schemas.CSMS_INITIATED[version])
    assert len(encoded) >= 20
    assert {"Reset", "TriggerMessage", "GetLog"} <= set(encoded)


@pytest.mark.parametrize("version", list(VERSIONS))
def test_every_csms_initiated_action_has_a_real_handler(version):
    _, cls = VERSIONS[version]
    handlers = handled_actions(cls)
    wanted = csms_actions(version)
    missing = sorted(wanted - set(handlers))
    assert missing == [], f"{version}: the simulator answers NotSupported to {missing}"
    stubs = sorted(a for a in wanted if _is_stub(handlers[a]))
    assert stubs == [], f"{version}: stub handlers for {stubs}"
    assert wanted <= cls.known_actions  # and its own list of the version's CSMS actions agrees


# ---------------------------------------------------------------------- each answered for real
def request_schema(version: str, action: str) -> dict:
    folder, suffix = SCHEMA_DIRS[version]
    path = Path(ocpp.__file__).parent / folder / "schemas" / f"{action}{suffix}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def minimal(schema: dict, node: dict):
    """The smallest valid instance of ``node``: required properties only, the first enum value, one
    item per array (or minItems), 1 for numbers, now for date-times."""
    if "$ref" in node:
        node = schema["definitions"][node["$ref"].rsplit("/", 1)[-1]]
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object":
        return {key: minimal(schema, node["properties"][key]) for key in node.get("required", [])}
    if kind == "array":
        count = max(1, node.get("minItems", 0))
        return [minimal(schema, node["items"]) for _ in range(min(count, node.get("maxItems", count)))]
    if kind == "string":
        if node.get("format") == "date-time":
            return utc_now()
        return "ftp://x/" if node.get("format") == "uri" else "x" * max(1, node.get("minLength", 1))
    if kind in ("integer", "number"):
        value = max(1, node.get("minimum", 1))
        return min(value, node.get("maximum", value))
    if kind == "boolean":
        return True
    raise AssertionError(f"no minimal value for {node}")


@pytest.fixture(params=list(VERSIONS))
async def station(request, csms, csms201, make_cp, make_cp201):
    fake, make = (csms, make_cp) if request.param == "ocpp1.6" else (csms201, make_cp201)
    cp = make("ALL", connectors=2)
    cp.feature_step_delay = 60.0  # the follow-up flows of transfers stay put while the test runs
    await cp.connect()
    return request.param, fake, cp


async def test_every_csms_action_gets_a_valid_answer(station):
    version, fake, cp = station
    actions = sorted(csms_actions(version), key=lambda a: (a in LAST, a))
    answered = {}
    for action in actions:
        payload = minimal(schema := request_schema(version, action), schema)
        try:
            answered[action] = await fake.call("ALL", action, payload)   # the fake CSMS validates the answer
        except CsmsCallError as exc:
            pytest.fail(f"{version} {action} {payload} answered CALLERROR {exc}")
    assert set(answered) == set(actions)
    assert fake.errors == []
    assert [a for a, _ in cp.received] == actions


async def test_a_known_action_without_handler_is_not_supported(csms, make_cp):
    class Partial(ChargePoint16):
        known_actions = ChargePoint16.known_actions | {"FutureAction"}

    cp = Partial(url=csms.url, cp_id="PART")
    try:
        await cp.connect()
        with pytest.raises(CsmsCallError) as info:
            await csms.call("PART", "FutureAction", {})
        assert info.value.code == "NotSupported"
    finally:
        await cp.close()
