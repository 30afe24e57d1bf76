"""WeChat Pay v3 notifications (public endpoints WeChat Pay calls): verified, decrypted, applied
exactly once. Answers in WeChat's format: 204 on success (and for a replay), 4xx {code, message}."""

from __future__ import annotations

from aiohttp import web

from api.context import PAYMENTS
from api.routing import RouteTable
from api.schemas import WECHAT_PAY_ERROR
from csms import metrics
from csms.wechat.errors import BadNotification, NotificationError

routes = RouteTable()


def _fail(status: int, code: str, message: str) -> web.Response:
    """WeChat reads ``code``/``message``; ``error`` is this API's usual error shape."""
    return web.json_response({"code": "FAIL", "message": message, "error": {"code": code, "message": message}},
                             status=status)


async def _handle(request: web.Request, apply) -> web.Response:
    raw = await request.read()
    try:
        await apply(request.headers, raw)
    except BadNotification as exc:
        metrics.PAYMENT_FAILURES.labels("notification").inc()
        return _fail(400, "bad_notification", str(exc))
    except NotificationError as exc:      # bad signature, stale timestamp
        metrics.PAYMENT_FAILURES.labels("notification").inc()
        return _fail(401, "bad_signature", str(exc))
    return web.Response(status=204)


@routes.add("POST", "/api/v1/pay/wechat/notify", "WeChat Pay payment notification", "payments", auth=None,
            status=204, errors=(400, 401), error_schema=WECHAT_PAY_ERROR)
async def notify(request: web.Request) -> web.Response:
    return await _handle(request, request.app[PAYMENTS].payments.on_notification)


@routes.add("POST", "/api/v1/pay/wechat/refund-notify", "WeChat Pay refund notification", "payments", auth=None,
            status=204, errors=(400, 401), error_schema=WECHAT_PAY_ERROR)
async def refund_notify(request: web.Request) -> web.Response:
    return await _handle(request, request.app[PAYMENTS].payments.on_refund_notification)
