"""Typed application keys and request helpers shared by the views."""

from __future__ import annotations

from aiohttp import web

from csms.container import Container

CONTAINER = web.AppKey("container", Container)
BODY = web.RequestKey("body", dict)
QUERY = web.RequestKey("query", dict)
CLAIMS = web.RequestKey("claims", dict)


def container(request: web.Request) -> Container:
    return request.app[CONTAINER]


def body(request: web.Request) -> dict:
    return request[BODY]


def params(request: web.Request) -> dict:
    return request[QUERY]


def paged(items: list, total: int, limit: int, offset: int, status: int = 200) -> web.Response:
    """A page of a list: the JSON body is the array; the total and paging go in headers."""
    resp = web.json_response(items, status=status)
    resp.headers["X-Total-Count"] = str(total)
    resp.headers["X-Limit"] = str(limit)
    resp.headers["X-Offset"] = str(offset)
    return resp


def paging(request: web.Request) -> tuple[int, int]:
    q = request[QUERY]
    return q.get("limit", 50), q.get("offset", 0)


def int_param(request: web.Request, name: str) -> int:
    raw = request.match_info[name]
    try:
        value = int(raw)
    except ValueError:
        raise web.HTTPNotFound() from None
    if not 0 <= value < 2**63:       # beyond the database's BIGINT: no such record
        raise web.HTTPNotFound()
    return value
