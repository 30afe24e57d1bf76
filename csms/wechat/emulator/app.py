"""The emulator's HTTP face: WeChat's mini-program server API, WeChat Pay v3 and a test-control API.

- Mini-program API (api.weixin.qq.com): errors are HTTP 200 ``{errcode, errmsg}``.
- WeChat Pay v3 (api.mch.weixin.qq.com), every ``/v3/...`` path: the merchant's Authorization
  signature is verified (401 SIGN_ERROR otherwise), errors are ``{code, message}`` with WeChat's HTTP
  status, and every answer (errors too; not the bill file, as on WeChat) carries Wechatpay-* headers
  signed with the platform certificate's or the WeChat Pay public key's private key (pay_keys.py).
- Control API (``/emulator/...``, not WeChat's, control.py): play the user and the payer, look at what
  was sent."""

from __future__ import annotations

import asyncio
import secrets

from aiohttp import web

from csms.wechat import signing
from csms.wechat.emulator import control
from csms.wechat.emulator.config import EmulatorConfig
from csms.wechat.emulator.core import CORE, EmulatorCore, core_of, json_body
from csms.wechat.emulator.keys import EmulatorKeys, ensure_keys
from csms.wechat.emulator.state import EmulatorState, MiniError, PayError

__all__ = ["CORE", "EmulatorCore", "create_emulator"]

routes = web.RouteTableDef()


# --- mini-program server API ---------------------------------------------------------------------

def _mini(fn):
    async def handler(request: web.Request) -> web.Response:
        try:
            core_of(request).state.take_fault(request.path)
            return web.json_response(await fn(request, core_of(request).state))
        except MiniError as exc:
            return web.json_response({"errcode": exc.errcode, "errmsg": exc.errmsg})
        except web.HTTPBadRequest:
            return web.json_response({"errcode": 47001, "errmsg": "data format error"})
    return handler


@routes.get("/sns/jscode2session")
@_mini
async def jscode2session(request, state: EmulatorState):
    q = request.query
    return state.code2session(q.get("appid", ""), q.get("secret", ""), q.get("js_code", ""), q.get("grant_type", ""))


@routes.get("/cgi-bin/token")
@_mini
async def token(request, state: EmulatorState):
    q = request.query
    return state.token(q.get("appid", ""), q.get("secret", ""), q.get("grant_type", ""), stable=False)


@routes.post("/cgi-bin/stable_token")
@_mini
async def stable_token(request, state: EmulatorState):
    body = await json_body(request)
    return state.token(str(body.get("appid", "")), str(body.get("secret", "")), str(body.get("grant_type", "")),
                       stable=True, force_refresh=bool(body.get("force_refresh")))


@routes.post("/wxa/business/getuserphonenumber")
@_mini
async def getuserphonenumber(request, state: EmulatorState):
    state.check_token(request.query.get("access_token"))
    return state.phone_number(str((await json_body(request)).get("code", "")))


@routes.post("/cgi-bin/message/subscribe/send")
@_mini
async def subscribe_send(request, state: EmulatorState):
    state.check_token(request.query.get("access_token"))
    return state.send_subscribe(await json_body(request))


@routes.post("/wxa/msg_sec_check")
@_mini
async def msg_sec_check(request, state: EmulatorState):
    state.check_token(request.query.get("access_token"))
    return state.msg_sec_check(await json_body(request))


@routes.post("/wxa/media_check_async")
@_mini
async def media_check_async(request, state: EmulatorState):
    state.check_token(request.query.get("access_token"))
    return core_of(request).media_check(await json_body(request))


# --- WeChat Pay v3 ----------------------------------------------------------------------------

def _pay_error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"code": code, "message": message}, status=status)


def _verify_request(request: web.Request, body: str, state: EmulatorState) -> None:
    auth = signing.parse_authorization(request.headers.get("Authorization", ""))
    if auth is None:
        raise PayError(401, "SIGN_ERROR", "Http头Authorization值格式错误，请参考《微信支付商户REST API签名规则》")
    if auth["mchid"] != state.mchid:
        raise PayError(401, "SIGN_ERROR", "Authorization中的商户号与请求商户号不一致")
    if auth["serial_no"].upper().lstrip("0") != state.keys.merchant_serial:
        raise PayError(401, "SIGN_ERROR", "商户证书序列号有误")
    try:
        timestamp = int(auth["timestamp"])
    except ValueError:
        raise PayError(401, "SIGN_ERROR", "timestamp 格式错误") from None
    if abs(state.clock().timestamp() - timestamp) > state.config.request_window:
        raise PayError(401, "SIGN_ERROR", "请求时间戳已过期")
    message = signing.request_message(request.method, request.raw_path, auth["timestamp"], auth["nonce_str"], body)
    if not signing.rsa_verify(state.merchant_public_key, message, auth["signature"]):
        raise PayError(401, "SIGN_ERROR", "签名错误")


@web.middleware
async def slow_middleware(request: web.Request, handler) -> web.StreamResponse:
    """A slow WeChat (``/emulator/delay``): every WeChat API answer waits that long first."""
    delay = core_of(request).state.answer_delay
    if delay and not request.path.startswith("/emulator/"):
        await asyncio.sleep(delay)
    return await handler(request)


@web.middleware
async def v3_middleware(request: web.Request, handler) -> web.StreamResponse:
    if not request.path.startswith("/v3/"):
        return await handler(request)
    state = core_of(request).state
    body = await request.text()
    try:
        _verify_request(request, body, state)
        state.take_fault(request.path)
        response = await handler(request)
    except PayError as exc:
        response = _pay_error(exc.status, exc.code, exc.message)
    except web.HTTPNotFound:
        response = _pay_error(404, "NOT_FOUND", "请求的资源不存在")
    except web.HTTPMethodNotAllowed:
        response = _pay_error(405, "METHOD_NOT_ALLOWED", "请求方法不被允许")
    except web.HTTPBadRequest:
        response = _pay_error(400, "PARAM_ERROR", "请求体不是合法的 JSON 对象")
    response.headers["Request-ID"] = secrets.token_hex(16)
    if not request.path.startswith("/v3/billdownload/"):
        payload = response.body if isinstance(response, web.Response) and response.body else b""
        text = payload.decode() if isinstance(payload, (bytes, bytearray)) else ""
        signer = state.signer
        response.headers.update(signer.headers(signer.for_answer(request.headers.get("Wechatpay-Serial", "")), text))
    return response


@routes.get("/v3/certificates")
async def certificates(request):
    return web.json_response(core_of(request).state.certificates())


@routes.post("/v3/pay/transactions/jsapi")
async def jsapi(request):
    return web.json_response(core_of(request).state.prepay(await json_body(request)))


@routes.get("/v3/pay/transactions/out-trade-no/{no}")
async def query(request):
    return web.json_response(core_of(request).state.query(request.match_info["no"], request.query.get("mchid")))


@routes.post("/v3/pay/transactions/out-trade-no/{no}/close")
async def close(request):
    core_of(request).state.close(request.match_info["no"], await json_body(request))
    return web.Response(status=204)


@routes.post("/v3/pay/partner/transactions/jsapi")
async def partner_jsapi(request):
    return web.json_response(core_of(request).state.partner_prepay(await json_body(request)))


@routes.get("/v3/pay/partner/transactions/out-trade-no/{no}")
async def partner_query(request):
    q = request.query
    return web.json_response(core_of(request).state.partner_query(request.match_info["no"], q.get("sp_mchid"),
                                                                q.get("sub_mchid")))


@routes.post("/v3/pay/partner/transactions/out-trade-no/{no}/close")
async def partner_close(request):
    core_of(request).state.partner_close(request.match_info["no"], await json_body(request))
    return web.Response(status=204)


@routes.post("/v3/refund/domestic/refunds")
async def refund(request):
    return web.json_response(core_of(request).refund(await json_body(request)))


@routes.get("/v3/refund/domestic/refunds/{no}")
async def query_refund(request):
    return web.json_response(core_of(request).state.query_refund(request.match_info["no"],
                                                               request.query.get("sub_mchid")))


@routes.get("/v3/bill/tradebill")
async def tradebill(request):
    q = request.query
    token, digest, _ = core_of(request).state.trade_bill(q.get("bill_date"), q.get("bill_type", "ALL"),
                                                       q.get("tar_type"), q.get("sub_mchid"))
    base = f"{request.scheme}://{request.host}"
    return web.json_response({"hash_type": "SHA1", "hash_value": digest,
                              "download_url": f"{base}/v3/billdownload/file?token={token}"})


@routes.get("/v3/billdownload/file")
async def billdownload(request):
    data = core_of(request).state.bill_files.get(request.query.get("token", ""))
    if data is None:
        raise PayError(404, "RESOURCE_NOT_EXISTS", "账单文件不存在或已过期")
    return web.Response(body=data, content_type="application/octet-stream")


def create_emulator(config: EmulatorConfig, keys: EmulatorKeys | None = None) -> web.Application:
    """The emulator app. Without ``keys`` they are loaded/generated from ``config.data_dir`` right here
    (sync file I/O and RSA: pass ``keys`` from a thread when a loop is running, as WechatEmulator does)."""
    core = EmulatorCore(config, keys or ensure_keys(config.data_dir, mchid=config.mchid, secret=config.secret))
    app = web.Application(middlewares=[slow_middleware, v3_middleware])
    app[CORE] = core
    app.add_routes(routes)
    app.add_routes(control.routes)

    async def notifier_ctx(_app: web.Application):
        await core.notifier.start()
        yield
        await core.notifier.close()

    app.cleanup_ctx.append(notifier_ctx)
    return app
