"""Liveness, readiness, Prometheus metrics."""

from __future__ import annotations

import hmac

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.context import ENGINE, METRICS_SOURCES, SETTINGS
from api.errors import ApiError, not_found
from api.routing import RouteTable
from api.schemas import obj, STR
from csms.db.session import ping
from csms.metrics_refresh import refresh

routes = RouteTable()


@routes.add("GET", "/healthz", "The process is alive", "health", auth=None, response=obj({"status": STR}))
async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@routes.add("GET", "/readyz", "The database is reachable", "health", auth=None, response=obj({"status": STR}),
            errors=(503,))
async def readyz(request: web.Request) -> web.Response:
    try:
        await ping(request.app[ENGINE])
    except Exception as exc:
        return web.json_response({"status": "unavailable", "error": {"code": "database_unreachable",
                                                                     "message": type(exc).__name__}}, status=503)
    return web.json_response({"status": "ok"})


@routes.add("GET", "/metrics", "Prometheus metrics (Bearer api.metrics_token when set; on api.metrics_port "
            "instead when that is set)", "health", auth=None, raw_response=CONTENT_TYPE_LATEST, errors=(401, 404))
async def metrics(request: web.Request) -> web.Response:
    if request.app[SETTINGS].api.metrics_port:       # served by the separate metrics listener only
        raise not_found("/metrics on the API port (see api.metrics_port)")
    return await exposition(request)


async def exposition(request: web.Request) -> web.Response:
    """The Prometheus text exposition, behind api.metrics_token when one is set."""
    token = request.app[SETTINGS].api.metrics_token
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
            raise ApiError(401, "unauthorized", "/metrics needs Authorization: Bearer <api.metrics_token>")
    await refresh(request.app[METRICS_SOURCES])
    resp = web.Response(body=generate_latest())
    resp.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return resp
