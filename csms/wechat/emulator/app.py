"""The emulator's HTTP face: WeChat's mini-program server API, WeChat Pay v3 and a test-control API.

- Mini-program API (api.weixin.qq.com): errors are HTTP 200 ``{errcode, errmsg}``.
- WeChat Pay v3 (api.mch.weixin.qq.com), every ``/v3/...`` path: the merchant's Authorization
  signature is verified (401 SIGN_ERROR otherwise), errors are ``{code, message}`` with WeChat's HTTP
  status, and every answer (errors too; not the bill file, as on WeChat) carries Wechatpay-* headers
  signed with the platform key.
- Control API (``/emulator/...``, not WeChat's): play the user and the payer, look at what was sent."""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from csms.emulator_http import json_object
from csms.wechat import signing
from csms.wechat.emulator.config import EmulatorConfig
from csms.wechat.emulator.keys import EmulatorKeys, ensure_keys
from csms.wechat.emulator.notifier import Notifier
from csms.wechat.emulator.state import EmulatorState, MiniError, Notification, PayError


class EmulatorCore:
    """State plus the background work (notification delivery, refund completion) of one emulator."""

    def __init__(self, config: EmulatorConfig, keys: EmulatorKeys):
        self.config = config
        self.keys = keys
        self.state = EmulatorState(config, keys)
        self.notifier = Notifier(self.state)

    def pay(self, prepay_id: str, result: str = "SUCCESS") -> dict[str, Any]:
        tx, note = self.state.pay(prepay_id, result)
        if note is not None:
            self.notifier.deliver(note)
        return {"out_trade_no": tx.out_trade_no, "trade_state": tx.trade_state,
                "transaction_id": tx.transaction_id, "notification_id": note.id if note else None}

    def refund(self, body: dict[str, Any]) -> dict[str, Any]:
        known = body.get("out_refund_no") in self.state.refunds
        answer = self.state.refund(body)
        if not known and self.config.refund_delay is not None:
            self.notifier.after(self.config.refund_delay, lambda: self.complete_refund(answer["out_refund_no"]))
        return answer

    def complete_refund(self, out_refund_no: str, status: str = "SUCCESS") -> dict[str, Any]:
        refund, note = self.state.complete_refund(out_refund_no, status)
        if note is not None:
            self.notifier.deliver(note)
        return refund.as_wechat()

    def redeliver(self, notification_id: str) -> Notification:
        note = self.state.notifications[notification_id]
        self.notifier.deliver(note)
        return note


CORE = web.AppKey("wechat_emulator_core", EmulatorCore)
routes = web.RouteTableDef()


def _core(request: web.Request) -> EmulatorCore:
    return request.app[CORE]


_json_body = json_object


# --- mini-program server API ---------------------------------------------------------------------

def _mini(fn):
    async def handler(request: web.Request) -> web.Response:
        try:
            _core(request).state.take_fault(request.path)
            return web.json_response(await fn(request, _core(request).state))
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
    body = await _json_body(request)
    return state.token(str(body.get("appid", "")), str(body.get("secret", "")), str(body.get("grant_type", "")),
                       stable=True, force_refresh=bool(body.get("force_refresh")))


@routes.post("/wxa/business/getuserphonenumber")
@_mini
async def getuserphonenumber(request, state: EmulatorState):
    state.check_token(request.query.get("access_token"))
    return state.phone_number(str((await _json_body(request)).get("code", "")))


@routes.post("/cgi-bin/message/subscribe/send")
@_mini
async def subscribe_send(request, state: EmulatorState):
    state.check_token(request.query.get("access_token"))
    return state.send_subscribe(await _json_body(request))


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
async def v3_middleware(request: web.Request, handler) -> web.StreamResponse:
    if not request.path.startswith("/v3/"):
        return await handler(request)
    state = _core(request).state
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
        response.headers.update(signing.signed_headers(state.platform_key, state.keys.platform_serial, text))
    return response


@routes.get("/v3/certificates")
async def certificates(request):
    return web.json_response(_core(request).state.certificates())


@routes.post("/v3/pay/transactions/jsapi")
async def jsapi(request):
    return web.json_response(_core(request).state.prepay(await _json_body(request)))


@routes.get("/v3/pay/transactions/out-trade-no/{no}")
async def query(request):
    return web.json_response(_core(request).state.query(request.match_info["no"], request.query.get("mchid")))


@routes.post("/v3/pay/transactions/out-trade-no/{no}/close")
async def close(request):
    _core(request).state.close(request.match_info["no"], await _json_body(request))
    return web.Response(status=204)


@routes.post("/v3/refund/domestic/refunds")
async def refund(request):
    return web.json_response(_core(request).refund(await _json_body(request)))


@routes.get("/v3/refund/domestic/refunds/{no}")
async def query_refund(request):
    return web.json_response(_core(request).state.query_refund(request.match_info["no"]))


@routes.get("/v3/bill/tradebill")
async def tradebill(request):
    q = request.query
    token, digest, _ = _core(request).state.trade_bill(q.get("bill_date"), q.get("bill_type", "ALL"),
                                                       q.get("tar_type"))
    base = f"{request.scheme}://{request.host}"
    return web.json_response({"hash_type": "SHA1", "hash_value": digest,
                              "download_url": f"{base}/v3/billdownload/file?token={token}"})


@routes.get("/v3/billdownload/file")
async def billdownload(request):
    data = _core(request).state.bill_files.get(request.query.get("token", ""))
    if data is None:
        raise PayError(404, "RESOURCE_NOT_EXISTS", "账单文件不存在或已过期")
    return web.Response(body=data, content_type="application/octet-stream")


# --- control API (not WeChat's) ------------------------------------------------------------------

def _control_error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


async def _control_body(request: web.Request) -> dict[str, Any]:
    try:
        return await _json_body(request)
    except web.HTTPBadRequest:
        raise _ControlError(400, "invalid_body", "body must be a JSON object") from None


class _ControlError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _control(fn):
    async def handler(request: web.Request) -> web.Response:
        try:
            return await fn(request, _core(request))
        except _ControlError as exc:
            return _control_error(exc.status, exc.code, exc.message)
        except KeyError as exc:
            return _control_error(404, "not_found", f"unknown {exc.args[0]!r}")
        except ValueError as exc:
            return _control_error(409, "conflict", str(exc))
    return handler


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise _ControlError(400, "invalid_body", f"{key} must be a non-empty string")
    return value


@routes.post("/emulator/login-code")
@_control
async def c_login_code(request, core: EmulatorCore):
    user = _text(await _control_body(request), "user")
    return web.json_response({"code": core.state.issue_login_code(user), "openid": core.state.openid_for(user)})


@routes.post("/emulator/phone-code")
@_control
async def c_phone_code(request, core: EmulatorCore):
    body = await _control_body(request)
    return web.json_response({"code": core.state.issue_phone_code(_text(body, "phone"),
                                                                  str(body.get("country_code") or "86"))})


@routes.post("/emulator/subscriptions")
@_control
async def c_subscribe(request, core: EmulatorCore):
    body = await _control_body(request)
    count = body.get("count", 1)
    if not isinstance(count, int) or count < 1:
        raise _ControlError(400, "invalid_body", "count must be a positive integer")
    openid, template_id = _text(body, "openid"), _text(body, "template_id")
    return web.json_response({"openid": openid, "template_id": template_id,
                              "quota": core.state.accept_subscribe(openid, template_id, count)})


@routes.get("/emulator/messages")
@_control
async def c_messages(request, core: EmulatorCore):
    return web.json_response(core.state.messages)


@routes.post("/emulator/pay/{prepay_id}")
@_control
async def c_pay(request, core: EmulatorCore):
    body = await _control_body(request)
    return web.json_response(core.pay(request.match_info["prepay_id"], str(body.get("result", "SUCCESS"))))


@routes.get("/emulator/transactions")
@_control
async def c_transactions(request, core: EmulatorCore):
    return web.json_response([{**t.as_wechat(), "prepay_id": t.prepay_id}
                              for t in core.state.transactions.values()])


@routes.post("/emulator/refunds/{out_refund_no}/complete")
@_control
async def c_complete_refund(request, core: EmulatorCore):
    body = await _control_body(request)
    return web.json_response(core.complete_refund(request.match_info["out_refund_no"],
                                                  str(body.get("status", "SUCCESS"))))


@routes.get("/emulator/notifications")
@_control
async def c_notifications(request, core: EmulatorCore):
    return web.json_response([n.as_json() for n in core.state.notifications.values()])


@routes.post("/emulator/notifications/{id}/redeliver")
@_control
async def c_redeliver(request, core: EmulatorCore):
    return web.json_response(core.redeliver(request.match_info["id"]).as_json(), status=202)


@routes.post("/emulator/tokens/expire")
@_control
async def c_expire_tokens(request, core: EmulatorCore):
    core.state.expire_tokens()
    return web.Response(status=204)


@routes.post("/emulator/faults")
@_control
async def c_faults(request, core: EmulatorCore):
    body = await _control_body(request)
    errcode, status = body.get("errcode"), body.get("status")
    if not isinstance(errcode, int) and not isinstance(status, int):
        raise _ControlError(400, "invalid_body", "give errcode (mini-program API) or status (WeChat Pay)")
    core.state.fail_next(_text(body, "path"), errcode if isinstance(errcode, int) else None,
                         str(body.get("errmsg", "")), status=status if isinstance(status, int) else None,
                         code=str(body.get("code", "")), message=str(body.get("message", "")),
                         times=int(body.get("times", 1)))
    return web.Response(status=204)


@routes.get("/emulator/identity")
@_control
async def c_identity(request, core: EmulatorCore):
    """Public identity only: appid, mchid, serials (never a key)."""
    return web.json_response({"appid": core.state.appid, "mchid": core.state.mchid,
                              "merchant_serial": core.keys.merchant_serial,
                              "platform_serial": core.keys.platform_serial})


def create_emulator(config: EmulatorConfig, keys: EmulatorKeys | None = None) -> web.Application:
    """The emulator app. Without ``keys`` they are loaded/generated from ``config.data_dir`` right here
    (sync file I/O and RSA: pass ``keys`` from a thread when a loop is running, as WechatEmulator does)."""
    core = EmulatorCore(config, keys or ensure_keys(config.data_dir, mchid=config.mchid, secret=config.secret))
    app = web.Application(middlewares=[v3_middleware])
    app[CORE] = core
    app.add_routes(routes)

    async def notifier_ctx(_app: web.Application):
        await core.notifier.start()
        yield
        await core.notifier.close()

    app.cleanup_ctx.append(notifier_ctx)
    return app
