"""Request parsing: JSON bodies checked against the route's schema (fastjsonschema, compiled once),
query parameters cast and bounded. Every failure is a 400 with a clear message."""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache

import fastjsonschema
import orjson
from aiohttp import web

from api.errors import bad_request
from api.routing import Query, Route


@lru_cache(maxsize=None)
def _compiled(route_key: tuple[str, str], schema_json: str):
    return fastjsonschema.compile(orjson.loads(schema_json))


async def json_body(request: web.Request, route: Route) -> dict:
    raw = await request.read()
    if not raw:
        data = {}
    else:
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise bad_request(f"body is not valid JSON: {exc}", "invalid_json") from None
    if route.body is not None:
        check = _compiled((route.method, route.path), orjson.dumps(route.body).decode())
        try:
            data = check(data)
        except fastjsonschema.JsonSchemaValueException as exc:
            field = (exc.name or "data").replace("data.", "", 1).replace("data", "body", 1)
            message = exc.message.replace("data.", "").replace("data ", "body ")
            raise bad_request(message, "validation_error", field=field) from None
    return data


def parse_time(text: str, name: str) -> datetime:
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)
    except (ValueError, OverflowError):   # OverflowError: e.g. 9999-12-31T23:59:59-14:00 is past year 9999 in UTC
        raise bad_request(f"query parameter {name}: not an ISO 8601 time: {text!r}") from None


def query(request: web.Request, route: Route) -> dict:
    out: dict = {}
    for q in route.query:
        raw = request.query.get(q.name)
        if raw is None or raw == "":
            continue
        if q.type == "integer":
            try:
                value = int(raw)
            except ValueError:
                raise bad_request(f"query parameter {q.name}: expected an integer, got {raw!r}") from None
            low = q.minimum if q.minimum is not None else -2**63       # the database's BIGINT range
            high = q.maximum if q.maximum is not None else 2**63 - 1
            if not low <= value <= high:
                raise bad_request(f"query parameter {q.name}: must be between {low} and {high}")
        elif q.type == "boolean":
            if raw.lower() not in ("true", "false", "1", "0"):
                raise bad_request(f"query parameter {q.name}: expected true or false, got {raw!r}")
            value = raw.lower() in ("true", "1")
        elif q.type == "date-time":
            value = parse_time(raw, q.name)
        else:
            value = raw
            if q.enum and value not in q.enum:
                raise bad_request(f"query parameter {q.name}: must be one of {', '.join(q.enum)}")
        out[q.name] = value
    return out


PAGING = (Query("limit", "integer", "page size", 1, 500), Query("offset", "integer", "items to skip", 0, None))
