"""The aiohttp application: one route table, every request through the same checks."""

from __future__ import annotations

import time
from dataclasses import replace

from aiohttp import web

from api import auth, console, context, push, push_operator, signing
from api.common import audit
from api.context import ACCOUNTS, BODY, CLAIMS, JWT_SECRET, QUERY, SETTINGS
from api.errors import ApiError, error_middleware
from api.openapi import document
from api.request_ids import echo_request_id, request_id_middleware
from api.routing import Route, RouteTable, audited
from api.validation import json_body, query
from api.views import admin_orders, alarms, driver_auth, driver_money, driver_sessions, notifications, pay_notify
from api.views import costs, driver_profile, driver_stations, feedback_admin, invoices, qr, uploads, wechat_push
from api.views import work_orders
from api.views import order_reviews, staff, stats, users_admin
from api.views import auth as auth_views
from api.views import (charge_points, commands, health, id_tags, reservations, security, smart_charging, stations,
                       requests, tariffs, transactions)
from csms import metrics
from csms.container import Container

MAX_BODY = 1024 * 1024


def route_table() -> RouteTable:
    table = RouteTable()
    for module in (health, auth_views, stations, charge_points, id_tags, transactions, commands,
                   reservations, smart_charging, security, driver_auth, driver_sessions, driver_money, pay_notify,
                   admin_orders, tariffs, costs, console,
                   driver_stations, driver_profile, qr, feedback_admin, uploads, requests, invoices, wechat_push,
                   alarms, work_orders, notifications, staff, users_admin, order_reviews, stats):
        table.extend(module.routes)
    # operator remote control is signed (checked when sent; required with driver.operator_signatures)
    table.routes = [replace(r, signed=True) if r.method == "POST" and ("/commands/" in r.path or "/calls/" in r.path)
                    else r for r in table.routes]
    # roles (docs/contract.md "Roles"): what an operator may do, a viewer may read
    table.routes = [replace(r, auth="viewer") if r.auth == "operator" and r.method == "GET" else r
                    for r in table.routes]
    return table


def _wrap(route: Route):
    async def handler(request: web.Request) -> web.StreamResponse:
        if not route.auth:
            return await _run(route, request)
        claims = request[CLAIMS] = auth.identify(request, request.app[JWT_SECRET])
        if not audited(route) or claims.get("kind") != "operator":
            auth.authorize(claims, route.auth)
            return await _run(route, request)
        # an operator's action: recorded once answered, whatever the answer (a refusal too)
        request[audit.AUDIT] = audit.AuditNote()
        status, resp = 500, None
        try:
            auth.authorize(claims, route.auth)
            resp = await _run(route, request)
            status = resp.status
            return resp
        except (ApiError, web.HTTPException) as exc:
            status = exc.status
            raise
        finally:
            await audit.record(request, route, claims, status, resp)
    handler.__name__ = route.handler.__name__
    return handler


async def _run(route: Route, request: web.Request) -> web.StreamResponse:
    """Signature, query and body checks, then the view."""
    app = request.app
    if route.signed:
        driver = app[SETTINGS].driver
        required = route.auth == "driver" or driver.operator_signatures == "required"
        await signing.verify_request(request, await request.read(), request[CLAIMS], secret=app[JWT_SECRET],
                                     window=driver.signature_window, nonces=app[ACCOUNTS].nonces,
                                     now=time.time(), required=required)
    request[QUERY] = query(request, route)
    if request.method in ("POST", "PUT", "PATCH") and not route.raw_body:
        request[BODY] = await json_body(request, route)
    return await route.handler(request)


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
        if route not in (push.PATH, push_operator.PATH):   # a socket's lifetime is not a request duration
            metrics.API_SECONDS.labels(request.method, route, str(status)).observe(time.perf_counter() - started)


def create_app(container: Container) -> web.Application:
    app = web.Application(middlewares=[request_id_middleware, metrics_middleware, error_middleware],
                          client_max_size=MAX_BODY)
    app.on_response_prepare.append(echo_request_id)
    context.install(app, container)
    table = route_table()
    for route in table.routes:
        app.router.add_route(route.method, route.path, _wrap(route))
    spec = document(table)
    push.setup(app)
    push_operator.setup(app)
    console.setup(app)

    async def openapi(request: web.Request) -> web.Response:
        return web.json_response(spec)

    app.router.add_get("/api/v1/openapi.json", openapi)
    spec["paths"]["/api/v1/openapi.json"] = {"get": {"summary": "This document", "tags": ["meta"],
                                                     "operationId": "get_openapi",
                                                     "responses": {"200": {"description": "OK"}}}}
    return app
