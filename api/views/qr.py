"""Scan to charge: what a scanned connector code shows the driver, and the printable codes operators
stick on the connectors (PNG / SVG with the charge point id and connector under the code)."""

from __future__ import annotations

import asyncio

from aiohttp import web

from api import schemas as s
from api.common.drivers import user_id
from api.common.profile import (
    CONNECTOR,
    NULL_PRICE,
    connector,
    price,
    profile_errors,
)
from api.context import PROFILE, REPOS, SETTINGS, int_param, params
from api.errors import bad_request, not_found
from api.routing import Query, RouteTable
from csms.services import qr

routes = RouteTable()

SCAN = s.obj({"charge_point_id": s.STR, "connector_id": s.INT,
              "station": {"oneOf": [s.obj({"id": s.INT, "name": s.STR, "address": s.STR}), {"type": "null"}]},
              "connector": {"oneOf": [CONNECTOR, {"type": "null"}]}, "price_now": NULL_PRICE,
              "balance_fen": s.INT, "min_wallet_fen": s.INT, "can_start": s.BOOL, "reason": s.NULL_STR})
QR_CODE = s.obj({"charge_point_id": s.STR, "connector_id": s.INT, "content": s.STR})
_SIZE = (Query("size", "integer", f"width in pixels ({qr.MIN_SIZE}-{qr.MAX_SIZE}, default {qr.DEFAULT_SIZE})",
               qr.MIN_SIZE, qr.MAX_SIZE),)


@routes.add("GET", "/api/v1/driver/scan", "What a scanned connector QR code shows before a start", "driver-map",
            auth="driver", response=SCAN, query=(Query("qr", description="the scanned content"),), errors=(404,))
@profile_errors
async def scan(request: web.Request) -> web.Response:
    content = params(request).get("qr")
    if not content:
        raise bad_request("query parameter qr is required", "validation_error", field="qr")
    if len(content) > 512:
        raise qr.InvalidQr("this QR code is not a charging code of this system")
    r = await request.app[PROFILE].station_cards.scan(user_id(request), content)
    station = None if r.station is None else {"id": r.station.id, "name": r.station.name,
                                              "address": r.station.address}
    return web.json_response({
        "charge_point_id": r.charge_point_id, "connector_id": r.connector_id, "station": station,
        "connector": connector(r.connector) if r.connector else None, "price_now": price(r.price_now),
        "balance_fen": r.balance_fen, "min_wallet_fen": r.min_wallet_fen, "can_start": r.can_start,
        "reason": r.reason})


async def _target(request: web.Request) -> tuple[str, int, str]:
    cp_id = request.match_info["id"]
    connector_id = int_param(request, "connector_id")
    if not 1 <= connector_id < 2**31 or await request.app[REPOS].station_map.charge_point(cp_id) is None:
        raise not_found("charge point connector")
    return cp_id, connector_id, qr.build_content(request.app[SETTINGS].driver.qr_base_url, cp_id, connector_id)


async def _render(fn, *args):
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


@routes.add("GET", "/api/v1/admin/charge-points/{id}/connectors/{connector_id}/qr.png",
            "Printable QR code of a connector (PNG, id printed under it)", "charge-points", query=_SIZE,
            raw_response="image/png", errors=(404,))
async def qr_png(request: web.Request) -> web.Response:
    cp_id, connector_id, content = await _target(request)
    png = await _render(qr.render_png, content, qr.label(cp_id, connector_id), params(request).get("size", 512))
    return web.Response(body=png, content_type="image/png",
                        headers={"Content-Disposition": f'inline; filename="qr-{connector_id}.png"'})


@routes.add("GET", "/api/v1/admin/charge-points/{id}/connectors/{connector_id}/qr.svg",
            "Printable QR code of a connector (SVG, id as title and under it)", "charge-points", query=_SIZE,
            raw_response="image/svg+xml", errors=(404,))
async def qr_svg(request: web.Request) -> web.Response:
    cp_id, connector_id, content = await _target(request)
    svg = await _render(qr.render_svg, content, qr.label(cp_id, connector_id), params(request).get("size", 512))
    return web.Response(text=svg, content_type="image/svg+xml")


@routes.add("GET", "/api/v1/admin/stations/{id}/qr-codes", "QR contents of every connector of a station",
            "stations", response=s.array(QR_CODE), errors=(404,))
async def qr_codes(request: web.Request) -> web.Response:
    sid = int_param(request, "id")
    if not await request.app[REPOS].station_map.station_exists(sid):
        raise not_found("station")
    return web.json_response([{"charge_point_id": cp, "connector_id": n, "content": content}
                              for cp, n, content in await request.app[PROFILE].station_cards.qr_codes(sid)])
