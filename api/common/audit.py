"""The audit log from the API's side: which routes are recorded (api/routing.py ``audited``), the
request-scoped note a view fills with what it knows (target, before/after), and the record the
request pipeline (api/app.py) writes for every audited request once it is answered, refusals
included."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from api.context import BACKOFFICE, BODY
from api.openapi import operation_id
from api.request_ids import REQUEST_ID
from api.routing import Route
from csms.services.audit import Action

log = logging.getLogger(__name__)
_PARAM = re.compile(r"\{(\w+)\}")


@dataclass
class AuditNote:
    """What a view adds to its request's audit record."""
    target_type: str | None = None
    target_id: str | None = None
    before: Any = None
    after: Any = None


AUDIT = web.RequestKey("audit", AuditNote)


def note(request: web.Request, *, before: Any = None, after: Any = None, target_type: str | None = None,
         target_id: Any = None) -> None:
    """Fill the request's audit record (a no-op on a route that is not audited)."""
    n = request.get(AUDIT)
    if n is None:
        return
    if before is not None:
        n.before = before
    if after is not None:
        n.after = after
    if target_type is not None:
        n.target_type = target_type
    if target_id is not None:
        n.target_id = str(target_id)


def _singular(segment: str) -> str:
    return segment[:-1] if segment.endswith("s") and not segment.endswith("ss") else segment


def target(route: Route, request: web.Request) -> tuple[str | None, str | None]:
    """The resource a route acts on: its first path parameter and the segment naming it
    (``/charge-points/{id}/commands/reset`` -> charge-point, the id); a route without one names the
    collection (``POST /stations`` -> station)."""
    parts = route.path.strip("/").split("/")
    for i, part in enumerate(parts):
        m = _PARAM.fullmatch(part)
        if m and i > 0:
            return _singular(parts[i - 1]), request.match_info.get(m.group(1))
    return _singular(parts[-1]), None


def _response_json(resp: web.StreamResponse | None) -> Any:
    if not isinstance(resp, web.Response) or resp.content_type != "application/json" or resp.body is None:
        return None
    try:
        return json.loads(resp.body)
    except (TypeError, ValueError):
        return None


async def record(request: web.Request, route: Route, claims: dict, status: int,
                 resp: web.StreamResponse | None) -> None:
    """Write the audit record of an answered request; a failure to write is logged, never answered."""
    n = request.get(AUDIT) or AuditNote()
    kind, ident = target(route, request)
    after = n.after
    if after is None and 200 <= status < 300 and (status == 201 or route.method in ("PUT", "PATCH")):
        after = _response_json(resp)          # what was created or replaced, as answered
    if n.target_id is None and ident is None and isinstance(after, dict) and "id" in after:
        ident = after["id"]
    action = Action(actor_id=str(claims.get("sub", "")), actor=str(claims.get("name") or claims.get("sub", "")),
                    role=str(claims.get("role", "")), action=operation_id(route), method=route.method,
                    path=request.path, status=status, request_id=request.get(REQUEST_ID, ""),
                    target_type=n.target_type or kind, target_id=n.target_id or (None if ident is None else str(ident)),
                    params=request.get(BODY), before=n.before, after=after, remote=request.remote)
    try:
        await request.app[BACKOFFICE].audit.record(action)
    except Exception:
        log.exception("audit record of %s %s not written", route.method, request.path)
