"""The aiohttp application: one route table, every request through the same checks."""

from __future__ import annotations

import time

from aiohttp import web

from api import auth
from api.context import BODY, CLAIMS, CONTAINER, QUERY
from api.errors import error_middleware
from api.openapi import document
from api.routing import Route, RouteTable
from api.validation import json_body, query
from api.views import auth as auth_views
from api.views import (charge_points, commands, health, id_tags, reservations, security, smart_charging, stations,
                       transactions)
from csms import metrics
from csms.container import Container

MAX_BODY = 1024 * 1024


def route_table() -> RouteTable:
    table = RouteTable()
    for module in (health, auth_views, stations, charge_points, id_tags, transactions, commands,
                   reservations, smart_charging, security):
        table.extend(module.routes)
    return table


def _wrap(route: Route):
    async def handler(request: web.Request) -> web.StreamResponse:
        c = request.app[CONTAINER]
        if route.auth:
            request[CLAIMS] = auth.authenticate(request, c.jwt_secret, route.auth)
        request[QUERY] = query(request, route)
        if request.method in ("POST", "PUT", "PATCH"):
            request[BODY] = await json_body(request, route)
        return await route.handler(request)
    handler.__name__ = route.handler.__name__
    return handler


@web.middleware
async def metrics_middleware(request: web.Request, handler):
    started = time.perf_counter()
    status = 500
    try:
        resp = await handler(request)
        status = resp.status
        return resp
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        info = request.match_info.route.resource
        route = info.canonical if info is not None else "unmatched"
        metrics.API_SECONDS.labels(request.method, route, str(status)).observe(time.perf_counter() - started)


def create_app(container: Container) -> web.Application:
    app = web.Application(middlewares=[metrics_middleware, error_middleware], client_max_size=MAX_BODY)
    app[CONTAINER] = container
    table = route_table()
    for route in table.routes:
        app.router.add_route(route.method, route.path, _wrap(route))
    spec = document(table)

    async def openapi(request: web.Request) -> web.Response:
        return web.json_response(spec)

    app.router.add_get("/api/v1/openapi.json", openapi)
    spec["paths"]["/api/v1/openapi.json"] = {"get": {"summary": "This document", "tags": ["meta"],
                                                     "operationId": "get_openapi",
                                                     "responses": {"200": {"description": "OK"}}}}
    return app
