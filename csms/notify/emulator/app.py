"""A local Aliyun SMS (dysmsapi) for tests and the demo: ``POST /`` SendSms, V3-signed exactly as
Aliyun checks it (csms.notify.aliyun_signing), answers in Aliyun's shapes, records what was sent.

Aliyun's answers it reproduces: a bad or missing Authorization -> 400 ``IncompleteSignature``; an
unknown AccessKeyId -> 404 ``InvalidAccessKeyId.NotFound``; a wrong signature -> 400
``SignatureDoesNotMatch``; x-acs-date more than 15 minutes off -> 400 ``InvalidTimeStamp.Expired``; a
nonce used twice -> 400 ``SignatureNonceUsed``; an action other than SendSms -> 400
``InvalidAction.NotFound``; business refusals with HTTP 200 and an ``isv.*`` code (unknown sign name or
template, bad phone number, TemplateParam not JSON).

Control API (not Aliyun's): ``GET /emulator/messages``; ``POST /emulator/faults`` ``{code, message?,
status?, times?}`` makes the next SendSms calls fail; ``POST /emulator/delay`` ``{seconds}`` answers
late (a slow provider)."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import parse_qsl

from aiohttp import web

from csms.emulator_http import json_object
from csms.notify import aliyun_signing as signing
from csms.notify.sms import ACTION, VERSION

DATE_WINDOW = 15 * 60             # seconds x-acs-date may be off
_PHONE = re.compile(r"^(\+?86|0086)?1[3-9][0-9]{9}$|^[0-9]{6,20}$")


@dataclass
class Fault:
    code: str
    message: str
    status: int = 200
    times: int = 1


@dataclass
class SmsEmulatorState:
    access_key_id: str
    access_key_secret: str
    sign_name: str
    templates: set[str]
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    messages: list[dict[str, Any]] = field(default_factory=list)
    nonces: set[str] = field(default_factory=set)
    faults: list[Fault] = field(default_factory=list)
    delay: float = 0.0
    refused: int = 0                                # requests refused for their signature

    def take_fault(self) -> Fault | None:
        if not self.faults:
            return None
        fault = self.faults[0]
        fault.times -= 1
        if fault.times <= 0:
            self.faults.pop(0)
        return fault


STATE = web.AppKey("sms_emulator_state", SmsEmulatorState)


def _answer(status: int, code: str, message: str, **extra: Any) -> web.Response:
    return web.json_response({"RequestId": secrets.token_hex(16).upper(), "Code": code, "Message": message, **extra},
                             status=status)


def _check_signature(request: web.Request, state: SmsEmulatorState, params: dict, body: bytes) -> web.Response | None:
    headers = {k.lower(): v for k, v in request.headers.items()}
    auth = signing.parse_authorization(headers.get("authorization", ""))
    if auth is None or any(h not in headers for h in ("x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256")):
        return _answer(400, "IncompleteSignature", "The request signature does not conform to Aliyun standards.")
    if auth.access_key_id != state.access_key_id:
        return _answer(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
    try:
        sent = datetime.strptime(headers["x-acs-date"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return _answer(400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.")
    if abs((state.clock() - sent).total_seconds()) > DATE_WINDOW:
        return _answer(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
    why = signing.verify(state.access_key_secret, auth, request.method, params, headers, body)
    if why is not None:
        return _answer(400, "SignatureDoesNotMatch", f"Specified signature is not matched with our calculation: {why}")
    if headers["x-acs-signature-nonce"] in state.nonces:
        return _answer(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
    state.nonces.add(headers["x-acs-signature-nonce"])
    return None


async def send_sms(request: web.Request) -> web.Response:
    state = request.app[STATE]
    body = await request.read()
    params = dict(parse_qsl(request.query_string, keep_blank_values=True))
    form = body and request.content_type == "application/x-www-form-urlencoded"
    signed_params = dict(params)     # the canonical query string is the query string only; a form body is hashed
    if form:
        params.update(parse_qsl(body.decode(), keep_blank_values=True))
    refused = _check_signature(request, state, signed_params, body)
    if refused is not None:
        state.refused += 1
        return refused
    if request.headers.get("x-acs-action") != ACTION or request.headers.get("x-acs-version") != VERSION:
        return _answer(400, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.")
    if state.delay:
        await asyncio.sleep(state.delay)
    fault = state.take_fault()
    if fault is not None:
        return _answer(fault.status, fault.code, fault.message)
    return _business(state, params)


def _business(state: SmsEmulatorState, params: dict) -> web.Response:
    if params.get("SignName") != state.sign_name:
        return _answer(200, "isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
    if params.get("TemplateCode") not in state.templates:
        return _answer(200, "isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
    phones = [p for p in params.get("PhoneNumbers", "").split(",") if p]
    if not phones or not all(_PHONE.match(p) for p in phones):
        return _answer(200, "isv.MOBILE_NUMBER_ILLEGAL", "手机号码格式错误")
    try:
        template_params = json.loads(params.get("TemplateParam") or "{}")
    except ValueError:
        return _answer(200, "isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
    if not isinstance(template_params, dict) or not all(isinstance(v, str) for v in template_params.values()):
        return _answer(200, "isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
    biz_id = f"{secrets.randbelow(10**15):015d}^0"
    for phone in phones:
        state.messages.append({"phone": phone, "sign_name": params["SignName"], "template_code": params["TemplateCode"],
                               "params": template_params, "biz_id": biz_id, "at": state.clock().isoformat()})
    return _answer(200, "OK", "OK", BizId=biz_id)


async def c_messages(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE].messages)


async def c_faults(request: web.Request) -> web.Response:
    body = await json_object(request)
    if not isinstance(body.get("code"), str):
        raise web.HTTPBadRequest(text="code (an Aliyun error code) is required")
    request.app[STATE].faults.append(Fault(body["code"], str(body.get("message", "emulated failure")),
                                           int(body.get("status", 200)), int(body.get("times", 1))))
    return web.Response(status=204)


async def c_delay(request: web.Request) -> web.Response:
    body = await json_object(request)
    request.app[STATE].delay = max(0.0, float(body.get("seconds", 0)))
    return web.Response(status=204)


def create_sms_emulator(state: SmsEmulatorState) -> web.Application:
    app = web.Application()
    app[STATE] = state
    app.router.add_post("/", send_sms)
    app.router.add_get("/emulator/messages", c_messages)
    app.router.add_post("/emulator/faults", c_faults)
    app.router.add_post("/emulator/delay", c_delay)
    return app
