"""WeChat's message push (消息推送) to this server: the URL check (GET) and pushed messages (POST), of
which the verdicts of image checks (``wxa_media_check``) decide the driver's photos. The Token and
EncodingAESKey are ``wechat.push_token`` / ``wechat.push_aes_key`` (csms/wechat/push.py)."""

from __future__ import annotations

from aiohttp import web

from api.context import PROFILE, WECHAT
from api.errors import ApiError
from api.routing import Query, RouteTable
from csms.wechat.errors import BadNotification, NotificationError

routes = RouteTable()

SIGNED = (Query("signature", description="SHA1 of the sorted Token, timestamp and nonce"),
          Query("timestamp"), Query("nonce"))
PUSH = SIGNED + (Query("openid"), Query("encrypt_type", enum=("raw", "aes")),
                 Query("msg_signature", description="safe mode: SHA1 of the sorted Token, timestamp, nonce and Encrypt"))


def _receiver(request: web.Request):
    return request.app[WECHAT].push


@routes.add("GET", "/api/v1/wechat/push", "WeChat's check of the message push URL (answers echostr)", "wechat",
            auth=None, raw_response="text/plain", query=SIGNED + (Query("echostr"),), errors=(401,))
async def check_url(request: web.Request) -> web.Response:
    try:
        return web.Response(text=_receiver(request).echo(request.query))
    except NotificationError as exc:
        raise ApiError(401, "bad_signature", str(exc)) from None


@routes.add("POST", "/api/v1/wechat/push", "A message WeChat pushes (JSON; plain or safe mode)", "wechat",
            auth=None, raw_response="text/plain", query=PUSH, errors=(400, 401), raw_body=True)
async def receive(request: web.Request) -> web.Response:
    try:
        message = _receiver(request).open(request.query, await request.read())
    except BadNotification as exc:
        raise ApiError(400, "bad_notification", str(exc)) from None
    except NotificationError as exc:
        raise ApiError(401, "bad_signature", str(exc)) from None
    await request.app[PROFILE].moderation.on_push(message)
    return web.Response(text="success")        # what WeChat expects; anything else makes it retry
