"""JSON-schema validation of OCPP payloads, using the schemas shipped with the ``ocpp`` package.

The simulator validates what the central system sends it (a malformed request is answered with a
CALLERROR, which is how a CSMS bug shows up in end-to-end tests). Validators are compiled lazily with
fastjsonschema and cached (``multipleOf`` dropped: binary floats would fail it on valid values). File
names: 1.6 ``<Action>.json``, 2.0.1 ``<Action>Request.json``; both ``<Action>Response.json``. If the
schemas are not installed, validation is skipped.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Callable

try:
    import fastjsonschema
    import ocpp as _ocpp

    _ROOT: Path | None = Path(_ocpp.__file__).parent
except ImportError:  # pragma: no cover - optional dependency
    fastjsonschema = None
    _ROOT = None

from .protocol import error_code

_VERSION_DIRS = {"1.6": "v16", "2.0.1": "v201"}


class SchemaViolation(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@functools.lru_cache(maxsize=256)
def validator(version: str, action: str, response: bool = False) -> Callable[[dict], object] | None:
    """The compiled validator for ``action`` (request, or its response), or None if unavailable."""
    if _ROOT is None or fastjsonschema is None:
        return None
    suffix = "Response" if response else ("Request" if version == "2.0.1" else "")
    path = _ROOT / _VERSION_DIRS[version] / "schemas" / f"{action}{suffix}.json"
    if not path.is_file():
        return None
    with path.open(encoding="utf-8") as fh:
        schema = _strip(json.load(fh))
    schema.pop("$id", None)  # fastjsonschema picks the draft from "$schema"; "$id" would be resolved
    return fastjsonschema.compile(schema, use_default=False)  # never write defaults into the payload


def _strip(node):
    if isinstance(node, dict):
        return {k: _strip(v) for k, v in node.items() if k != "multipleOf"}
    if isinstance(node, list):
        return [_strip(v) for v in node]
    return node


def validate(version: str, action: str, payload: dict, response: bool = False) -> None:
    """Raise SchemaViolation (with the OCPP-J error code to answer) if ``payload`` is invalid."""
    check = validator(version, action, response)
    if check is None:
        return
    try:
        check(payload)
    except fastjsonschema.JsonSchemaException as exc:
        rule = getattr(exc, "rule", None)
        if rule in ("required", "minItems", "maxItems"):
            code = "OccurenceConstraintViolation"
        elif rule in ("type",):
            code = "TypeConstraintViolation"
        elif rule in ("additionalProperties",):
            code = "FormationViolation"
        else:
            code = "PropertyConstraintViolation"
        raise SchemaViolation(error_code(version, code), str(exc)) from None
