"""The OCPP actions the CSMS can send, read from its code, and minimal valid requests made from the
actions' JSON schemas: what the "answers everything" tests (unit and e2e) drive the simulator with."""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import json
import pkgutil
from pathlib import Path

import ocpp

import csms.ocpp.v16
import csms.ocpp.v201
from chargepoint_sim.protocol import utc_now
from csms.ocpp import frames

PACKAGES = {"ocpp1.6": csms.ocpp.v16, "ocpp2.0.1": csms.ocpp.v201}
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
    package = PACKAGES[version]
    names = frames.actions(version)
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
    return frames.CSMS_INITIATED[version] | frozenset(encoded_actions(version))


def in_sending_order(version: str) -> list[str]:
    """Every action the CSMS can send, Reset last."""
    return sorted(csms_actions(version), key=lambda a: (a in LAST, a))


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


def minimal_request(version: str, action: str) -> dict:
    schema = request_schema(version, action)
    return minimal(schema, schema)
