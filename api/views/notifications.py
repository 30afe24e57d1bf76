"""Alarm notifications (docs/contract.md "Alarm notifications"): channels and routing rules (admin),
the record of every delivery attempt, and an operator binding their WeChat (to receive subscribe
messages) with a wx.login code."""

from __future__ import annotations

from aiohttp import web

from api import schemas as s
from api.common.alarms import CHANNEL, DELIVERY, RULE, caller, channel, delivery, refusals, rule
from api.context import OPERATIONS, body, int_param, paged, paging, params
from api.errors import ApiError
from api.routing import Query, RouteTable
from api.validation import PAGING
from csms.domain.alarms import KINDS, SEVERITIES
from csms.domain.notifications import CHANNEL_TYPES, RULE_EVENTS
from csms.domain.times import iso
from csms.wechat.errors import WechatError, WechatUnavailable

routes = RouteTable()
BASE = "/api/v1/admin/notifications"
_NAME = {"type": "string", "minLength": 1, "maxLength": 64}
_TARGETS = {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 255}, "maxItems": 50}
_IDS = {"type": "array", "items": {"type": "integer", "minimum": 1}, "maxItems": 100}
_CLOCK = {"type": ["string", "null"], "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]$"}
CHANNEL_FIELDS = {"name": _NAME, "type": {"enum": list(CHANNEL_TYPES)}, "targets": _TARGETS, "enabled": s.BOOL}
RULE_FIELDS = {"name": _NAME, "channel_ids": {**_IDS, "minItems": 1}, "min_severity": {"enum": list(SEVERITIES)},
               "station_ids": _IDS, "kinds": {"type": "array", "items": {"enum": list(KINDS)}},
               "events": {"type": "array", "items": {"enum": list(RULE_EVENTS)}, "minItems": 1},
               "quiet_start": _CLOCK, "quiet_end": _CLOCK, "quiet_min_severity": {"enum": list(SEVERITIES)},
               "timezone": {"type": "string", "minLength": 1, "maxLength": 64}, "enabled": s.BOOL}
_ADMIN_ERR = (400, 401, 403, 404, 409)


def _channel_view(request: web.Request, c) -> dict:
    return channel(c, c.type in request.app[OPERATIONS].notifier.senders)


# -- channels ------------------------------------------------------------------------------------------
@routes.add("GET", BASE + "/channels", "Notification channels", "notifications", auth="admin",
            response=s.array(CHANNEL), errors=(401, 403))
async def list_channels(request: web.Request) -> web.Response:
    config = request.app[OPERATIONS].notification_config
    return web.json_response([_channel_view(request, c) for c in await config.channels.list()])


@routes.add("POST", BASE + "/channels", "Create a channel", "notifications", auth="admin",
            body=s.obj(CHANNEL_FIELDS, ("name", "type", "targets")), response=CHANNEL, status=201,
            errors=_ADMIN_ERR)
@refusals
async def create_channel(request: web.Request) -> web.Response:
    created = await request.app[OPERATIONS].notification_config.create_channel(**body(request))
    return web.json_response(_channel_view(request, created), status=201)


@routes.add("GET", BASE + "/channels/{id}", "One channel", "notifications", auth="admin", response=CHANNEL,
            errors=(401, 403, 404))
@refusals
async def get_channel(request: web.Request) -> web.Response:
    found = await request.app[OPERATIONS].notification_config.channel(int_param(request, "id"))
    return web.json_response(_channel_view(request, found))


@routes.add("PATCH", BASE + "/channels/{id}", "Change a channel's name, targets or whether it is on (not its type)",
            "notifications", auth="admin",
            body={**s.obj({k: v for k, v in CHANNEL_FIELDS.items() if k != "type"}), "minProperties": 1},
            response=CHANNEL, errors=_ADMIN_ERR)
@refusals
async def update_channel(request: web.Request) -> web.Response:
    changed = await request.app[OPERATIONS].notification_config.update_channel(int_param(request, "id"),
                                                                               **body(request))
    return web.json_response(_channel_view(request, changed))


@routes.add("DELETE", BASE + "/channels/{id}", "Delete a channel no rule uses", "notifications", auth="admin",
            status=204, errors=(401, 403, 404, 409))
@refusals
async def delete_channel(request: web.Request) -> web.Response:
    await request.app[OPERATIONS].notification_config.delete_channel(int_param(request, "id"))
    return web.Response(status=204)


# -- rules ---------------------------------------------------------------------------------------------
@routes.add("GET", BASE + "/rules", "Routing rules", "notifications", auth="admin", response=s.array(RULE),
            errors=(401, 403))
async def list_rules(request: web.Request) -> web.Response:
    config = request.app[OPERATIONS].notification_config
    return web.json_response([rule(r) for r in await config.rules.list()])


@routes.add("POST", BASE + "/rules", "Create a routing rule", "notifications", auth="admin",
            body=s.obj(RULE_FIELDS, ("name", "channel_ids")), response=RULE, status=201, errors=_ADMIN_ERR)
@refusals
async def create_rule(request: web.Request) -> web.Response:
    created = await request.app[OPERATIONS].notification_config.create_rule(**body(request))
    return web.json_response(rule(created), status=201)


@routes.add("GET", BASE + "/rules/{id}", "One routing rule", "notifications", auth="admin", response=RULE,
            errors=(401, 403, 404))
@refusals
async def get_rule(request: web.Request) -> web.Response:
    return web.json_response(rule(await request.app[OPERATIONS].notification_config.rule(int_param(request, "id"))))


@routes.add("PATCH", BASE + "/rules/{id}", "Change a routing rule", "notifications", auth="admin",
            body={**s.obj(RULE_FIELDS), "minProperties": 1}, response=RULE, errors=_ADMIN_ERR)
@refusals
async def update_rule(request: web.Request) -> web.Response:
    changed = await request.app[OPERATIONS].notification_config.update_rule(int_param(request, "id"), **body(request))
    return web.json_response(rule(changed))


@routes.add("DELETE", BASE + "/rules/{id}", "Delete a routing rule", "notifications", auth="admin", status=204,
            errors=(401, 403, 404))
@refusals
async def delete_rule(request: web.Request) -> web.Response:
    await request.app[OPERATIONS].notification_config.delete_rule(int_param(request, "id"))
    return web.Response(status=204)


# -- delivery attempts ---------------------------------------------------------------------------------
@routes.add("GET", BASE + "/deliveries", "Every delivery attempt, newest first", "notifications",
            response=s.array(DELIVERY),
            query=(Query("alarm_id", "integer", "of one alarm", 1, None),
                   Query("channel_id", "integer", "through one channel", 1, None),
                   Query("status", enum=("sent", "failed", "suppressed", "dropped")), *PAGING))
async def list_deliveries(request: web.Request) -> web.Response:
    q = params(request)
    limit, offset = paging(request)
    page = await request.app[OPERATIONS].notifier.deliveries_of(
        alarm_id=q.get("alarm_id"), channel_id=q.get("channel_id"), status=q.get("status"), limit=limit,
        offset=offset)
    return paged([delivery(d) for d in page.items], page.total, limit, offset)


# -- the caller's WeChat -------------------------------------------------------------------------------
BINDING = s.obj({"bound": s.BOOL, "bound_at": s.NULL_TIME})


@routes.add("GET", "/api/v1/admin/me/wechat", "Whether the caller bound their WeChat (alarm subscribe messages)",
            "notifications", response=BINDING, errors=(401,))
async def my_wechat(request: web.Request) -> web.Response:
    operator_id, _ = await caller(request)
    found = await request.app[OPERATIONS].operator_wechat.binding(operator_id)
    return web.json_response({"bound": found is not None, "bound_at": iso(found[1]) if found else None})


@routes.add("PUT", "/api/v1/admin/me/wechat", "Bind the caller's WeChat with a wx.login code from the mini-program",
            "notifications", body=s.obj({"code": {"type": "string", "minLength": 1, "maxLength": 128}}, ("code",)),
            response=BINDING, errors=(400, 401, 503))
async def bind_wechat(request: web.Request) -> web.Response:
    operator_id, username = await caller(request)
    try:
        _, at = await request.app[OPERATIONS].operator_wechat.bind(operator_id, username, body(request)["code"])
    except WechatUnavailable as exc:
        raise ApiError(503, "wechat_unavailable", f"WeChat could not be reached: {exc}") from None
    except WechatError as exc:        # a bad or used code: the caller's request, not their token
        raise ApiError(400, "wechat_login_failed", f"WeChat refused the code: {exc}", errcode=exc.errcode) from None
    return web.json_response({"bound": True, "bound_at": iso(at)})


@routes.add("DELETE", "/api/v1/admin/me/wechat", "Unbind the caller's WeChat", "notifications", status=204,
            errors=(401,))
async def unbind_wechat(request: web.Request) -> web.Response:
    operator_id, _ = await caller(request)
    await request.app[OPERATIONS].operator_wechat.unbind(operator_id)
    return web.Response(status=204)
