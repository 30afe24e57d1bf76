"""Liveness, readiness, Prometheus metrics."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.context import BATCH, ENGINE
from api.routing import RouteTable
from api.schemas import obj, STR
from csms.db.session import ping

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


@routes.add("GET", "/metrics", "Prometheus metrics", "health", auth=None, raw_response=CONTENT_TYPE_LATEST)
async def metrics(request: web.Request) -> web.Response:
    from csms import metrics as m
    m.BATCH_PENDING.set(request.app[BATCH].pending())
    resp = web.Response(body=generate_latest())
    resp.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return resp
