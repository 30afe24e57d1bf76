"""The emulator's control API (``/emulator/...``, not WeChat's): play the user and the payer, inject
faults, look at what was sent. Errors are ``{"error": {code, message}}``."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from csms.wechat.emulator.core import EmulatorCore, core_of, json_body

routes = web.RouteTableDef()


def _control_error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


async def _control_body(request: web.Request) -> dict[str, Any]:
    try:
        return await json_body(request)
    except web.HTTPBadRequest:
        raise _ControlError(400, "invalid_body", "body must be a JSON object") from None


class _ControlError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _control(fn):
    async def handler(request: web.Request) -> web.Response:
        try:
            return await fn(request, core_of(request))
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


@routes.post("/emulator/public-key-share")
@_control
async def c_public_key_share(request, core: EmulatorCore):
    """``pay_keys = both``: the share (0..1) of notifications signed with the public key from now on."""
    share = (await _control_body(request)).get("share")
    if not isinstance(share, (int, float)) or isinstance(share, bool) or not 0 <= share <= 1:
        raise _ControlError(400, "invalid_body", "share must be a number from 0 to 1")
    core.state.signer.public_key_share = float(share)
    return web.Response(status=204)


@routes.post("/emulator/delay")
@_control
async def c_delay(request, core: EmulatorCore):
    """``{seconds}``: every WeChat API answer (not this control API's) waits that long from now on."""
    seconds = (await _control_body(request)).get("seconds")
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
        raise _ControlError(400, "invalid_body", "seconds must be a number >= 0")
    core.state.answer_delay = float(seconds)
    return web.Response(status=204)


@routes.get("/emulator/identity")
@_control
async def c_identity(request, core: EmulatorCore):
    """Public identity only: appid, mchid, serials, the public key id (never a private key)."""
    state = core.state
    return web.json_response({"appid": state.appid, "mchid": state.mchid,
                              "merchant_serial": core.keys.merchant_serial,
                              "platform_serial": core.keys.platform_serial, "pay_keys": state.signer.mode,
                              "public_key_id": core.keys.public_key_id, "public_key_pem": core.keys.public_key_pem,
                              "sub_mchid": state.sub_mchid, "sp_appid": state.sp_appid if state.partner else None})


# --- content security ----------------------------------------------------------------------------

@routes.post("/emulator/content/risky")
@_control
async def c_content_risky(request, core: EmulatorCore):
    """``{keyword}`` (text containing it) or ``{image_sha256}`` (an image's bytes) gets ``suggest``
    (risky | review, default risky) with ``label``."""
    body = await _control_body(request)
    suggest = body.get("suggest", "risky")
    if suggest not in ("risky", "review", "pass"):
        raise _ControlError(400, "invalid_body", "suggest must be risky, review or pass")
    label = body.get("label")
    if label is not None and not isinstance(label, int):
        raise _ControlError(400, "invalid_body", "label must be an integer")
    if isinstance(body.get("keyword"), str) and body["keyword"]:
        core.state.mark_risky_text(body["keyword"], suggest, label or 20001)
    elif isinstance(body.get("image_sha256"), str) and len(body["image_sha256"]) == 64:
        core.state.mark_risky_image(body["image_sha256"], suggest, label or 20002)
    else:
        raise _ControlError(400, "invalid_body", "give keyword or image_sha256 (64 hex characters)")
    return web.Response(status=204)


@routes.post("/emulator/push-url")
@_control
async def c_push_url(request, core: EmulatorCore):
    """The console's message push URL (开发 -> 开发管理 -> 消息推送)."""
    core.state.push_url = _text(await _control_body(request), "url")
    return web.Response(status=204)


@routes.post("/emulator/media-checks/delay")
@_control
async def c_media_check_delay(request, core: EmulatorCore):
    """``{seconds}``: verdicts of new image checks come that long after; ``{seconds: null}``: only when
    completed through ``/emulator/media-checks/{trace_id}/complete``."""
    seconds = (await _control_body(request)).get("seconds")
    if seconds is not None and (not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0):
        raise _ControlError(400, "invalid_body", "seconds must be a number >= 0 or null")
    core.state.media_check_delay = seconds
    return web.Response(status=204)


@routes.get("/emulator/media-checks")
@_control
async def c_media_checks(request, core: EmulatorCore):
    return web.json_response([c.as_json() for c in core.state.media_checks.values()])


@routes.post("/emulator/media-checks/{trace_id}/complete")
@_control
async def c_complete_media_check(request, core: EmulatorCore):
    return web.json_response((await core.complete_media_check(request.match_info["trace_id"])).as_json())
