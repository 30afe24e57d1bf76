"""The OpenAPI 3.1 document, generated from the route table (never kept by hand)."""

from __future__ import annotations

import re

from api import schemas
from api.auth import GRANTS
from api.routing import Route, RouteTable, audited

_PARAM = re.compile(r"\{(\w+)\}")
_ERROR_TEXT = {400: "Bad request", 401: "Missing, invalid or expired token", 403: "Role too low",
               404: "Not found", 409: "Conflict (exists, or charge point offline)",
               502: "The charge point answered with a CALLERROR", 503: "Not ready",
               504: "The charge point did not answer in time"}


def operation_id(r: Route) -> str:
    """The endpoint's name: the OpenAPI operationId, and the ``action`` of its audit records."""
    return f"{r.method.lower()}_{re.sub(r'[^a-z0-9]+', '_', r.path.lower()).strip('_')}"


def document(table: RouteTable, version: str = "0.1.0") -> dict:
    paths: dict = {}
    for r in table.routes:
        op: dict = {"summary": r.summary, "tags": [r.tag], "operationId": operation_id(r)}
        if r.auth:       # who may call it (docs/contract.md "Roles")
            op["x-permission"] = r.auth
            if r.auth != "driver":
                op["x-roles"] = [role for role, grants in GRANTS.items() if r.auth in grants]
                op["description"] = (f"Permission `{r.auth}` (roles: {', '.join(op['x-roles'])})."
                                     + (" Audited." if audited(r) else ""))
        params = [{"name": n, "in": "path", "required": True,
                   "schema": {"type": "integer"} if n == "id" and "stations" in r.path or "transactions" in r.path
                   else {"type": "string"}} for n in _PARAM.findall(r.path)]
        for q in r.query:
            schema: dict = {"type": "string", "format": "date-time"} if q.type == "date-time" else {"type": q.type}
            if q.minimum is not None:
                schema["minimum"] = q.minimum
            if q.maximum is not None:
                schema["maximum"] = q.maximum
            if q.enum:
                schema["enum"] = list(q.enum)
            params.append({"name": q.name, "in": "query", "required": False, "schema": schema,
                           **({"description": q.description} if q.description else {})})
        if params:
            op["parameters"] = params
        if r.body is not None:
            op["requestBody"] = {"required": True, "content": {"application/json": {"schema": r.body}}}
        ok: dict = {"description": "OK" if r.status != 201 else "Created"}
        if r.raw_response:
            ok["content"] = {r.raw_response.split(";")[0]: {"schema": {"type": "string"}}}
        elif r.response is not None:
            ok["content"] = {"application/json": {"schema": r.response}}
            if r.response.get("type") == "array":
                ok["headers"] = {"X-Total-Count": {"schema": {"type": "integer"},
                                                   "description": "items matching the filters"}}
        responses = {str(r.status): ok}
        errors = set(r.errors) | ({401, 403} if r.auth else set()) | ({400} if r.body or r.query else set())
        error = r.error_schema or {"$ref": "#/components/schemas/Error"}
        for code in sorted(errors):
            responses[str(code)] = {"description": _ERROR_TEXT.get(code, "Error"),
                                    "content": {"application/json": {"schema": error}}}
        op["responses"] = responses
        if r.auth:
            op["security"] = [{"bearer": []}]
        paths.setdefault(r.path, {})[r.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "csms API", "version": version,
                 "description": "Operator and integrator API of the csms charging-station management system. "
                                "Energy in Wh, power in W, money in fen, times UTC (ISO 8601)."},
        "paths": paths,
        "components": {"schemas": {"Error": schemas.ERROR},
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
    }
