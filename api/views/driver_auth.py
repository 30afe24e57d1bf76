"""Driver login (wx.login code), token refresh and logout, profile, phone binding, subscribe-message
consent, and the public configuration the mini-program reads."""

from __future__ import annotations

from aiohttp import web

from api import auth
from api import schemas as s
from api.context import ACCOUNTS, JWT_SECRET, REPOS, SETTINGS, WECHAT, body
from api.context import PROFILE as PROFILE_FEATURE
from api.errors import ApiError
from api.routing import RouteTable
from api.serializers import ts
from api.signing import sign_key_for
from api.common.drivers import client_address, limit, user_id, wechat_error
from api.common.profile import profile_errors
from csms.domain.moderation import CHECK_STATES
from csms.domain.profile import ProfileError
from csms.services.driver_auth import InvalidRefreshToken
from csms.wechat.errors import WechatFailure

routes = RouteTable()

USER = s.obj({"id": s.INT, "nickname": s.STR, "avatar_url": s.STR, "phone": s.NULL_STR, "phone_bound": s.BOOL,
              "balance_fen": s.INT, "created_at": s.TIME, "blocked": s.BOOL, "blocked_reason": s.NULL_STR})
ME = s.obj({**USER["properties"], "avatar_check": {"enum": [*CHECK_STATES, None]}})
TOKENS = s.obj({"access_token": s.STR, "refresh_token": s.STR, "token_type": {"const": "Bearer"},
                "expires_in": s.INT, "sign_key": s.STR, "user": USER})
_CODE = {"type": "string", "minLength": 1, "maxLength": 128}
_NICK = {"type": "string", "maxLength": 64}
_URL = {"type": "string", "maxLength": 512}
LOGIN = s.obj({"code": _CODE, "nickname": _NICK, "avatar_url": _URL}, ("code",))
REFRESH = s.obj({"refresh_token": {"type": "string", "minLength": 1, "maxLength": 128}}, ("refresh_token",))
PROFILE = {**s.obj({"nickname": _NICK, "avatar_url": _URL}), "minProperties": 1}
PHONE = s.obj({"code": _CODE}, ("code",))
SUBSCRIBE = s.obj({"results": {"type": "object", "maxProperties": 10,
                               "additionalProperties": {"enum": ["accept", "reject", "ban", "filter"]}}},
                  ("results",))


def user_view(u) -> dict:
    return {"id": u.id, "nickname": u.nickname, "avatar_url": u.avatar_url, "phone": u.phone_masked,
            "phone_bound": u.phone_enc is not None, "balance_fen": u.balance_fen, "created_at": ts(u.created_at),
            "blocked": u.blocked_at is not None, "blocked_reason": u.blocked_reason}


async def me_view(request: web.Request, u) -> dict:
    """The caller's own profile: with the state of the avatar's content check (null: no avatar)."""
    checks = await request.app[PROFILE_FEATURE].moderation.for_author([u.avatar_url] if u.avatar_url else [])
    return {**user_view(u), "avatar_check": checks.get(u.avatar_url)}


def _tokens(request: web.Request, user, refresh_token: str) -> dict:
    ttl = request.app[SETTINGS].driver.access_ttl
    jti = auth.new_jti()
    access = auth.issue(request.app[JWT_SECRET], str(user.id), "driver", ttl, kind="driver", jti=jti)
    return {"access_token": access, "refresh_token": refresh_token, "token_type": "Bearer", "expires_in": ttl,
            "sign_key": sign_key_for(request.app[JWT_SECRET], jti), "user": user_view(user)}


@routes.add("POST", "/api/v1/driver/auth/wx-login", "Log in with a wx.login code", "driver", auth=None,
            body=LOGIN, response=TOKENS, errors=(401, 429, 503))
async def wx_login(request: web.Request) -> web.Response:
    await limit(request, f"login:{client_address(request)}", request.app[SETTINGS].driver.login_rate)
    data = body(request)
    try:
        login = await request.app[ACCOUNTS].driver_auth.login(data["code"])
    except WechatFailure as exc:
        raise wechat_error(exc) from None
    user = login.user
    profile = {k: data[k] for k in ("nickname", "avatar_url") if data.get(k)}
    if profile:
        try:      # checked as PATCH /driver/me checks it; a refused field is not saved, the login goes on
            fields = await request.app[PROFILE_FEATURE].moderation.profile(user.id, **profile)
        except ProfileError:
            fields = {}
        if fields:
            user = await request.app[REPOS].users.update(user.id, **fields)
    return web.json_response(_tokens(request, user, login.refresh_token))


@routes.add("POST", "/api/v1/driver/auth/refresh", "New tokens for a refresh token (rotated)", "driver", auth=None,
            body=REFRESH, response=TOKENS, errors=(401, 429))
async def refresh(request: web.Request) -> web.Response:
    await limit(request, f"login:{client_address(request)}", request.app[SETTINGS].driver.login_rate)
    try:
        user, token = await request.app[ACCOUNTS].driver_auth.refresh(body(request)["refresh_token"])
    except InvalidRefreshToken as exc:
        raise ApiError(401, "invalid_refresh_token", str(exc)) from None
    return web.json_response(_tokens(request, user, token))


@routes.add("POST", "/api/v1/driver/auth/logout", "Revoke a refresh token", "driver", auth="driver", body=REFRESH,
            status=204)
async def logout(request: web.Request) -> web.Response:
    await request.app[ACCOUNTS].driver_auth.logout(body(request)["refresh_token"])
    return web.Response(status=204)


@routes.add("GET", "/api/v1/driver/me", "The caller's profile", "driver", auth="driver", response=ME)
async def me(request: web.Request) -> web.Response:
    return web.json_response(await me_view(request, await request.app[REPOS].users.get(user_id(request))))


@routes.add("PATCH", "/api/v1/driver/me", "Change nickname or avatar (an upload); both content-checked", "driver",
            auth="driver", body=PROFILE, response=ME, errors=(400, 422, 503))
@profile_errors
async def patch_me(request: web.Request) -> web.Response:
    d = body(request)
    fields = await request.app[PROFILE_FEATURE].moderation.profile(user_id(request), nickname=d.get("nickname"),
                                                                  avatar_url=d.get("avatar_url"))
    return web.json_response(await me_view(request, await request.app[REPOS].users.update(user_id(request), **fields)))


@routes.add("POST", "/api/v1/driver/me/phone", "Bind the phone number (getPhoneNumber code)", "driver",
            auth="driver", body=PHONE, response=USER, errors=(401, 503))
async def bind_phone(request: web.Request) -> web.Response:
    try:
        user = await request.app[ACCOUNTS].driver_auth.bind_phone(user_id(request), body(request)["code"])
    except WechatFailure as exc:
        raise wechat_error(exc) from None
    return web.json_response(user_view(user))


@routes.add("POST", "/api/v1/driver/me/subscriptions", "Record wx.requestSubscribeMessage results", "driver",
            auth="driver", body=SUBSCRIBE, response=s.obj({"quota": {"type": "object"}}))
async def subscriptions(request: web.Request) -> web.Response:
    quota = await request.app[ACCOUNTS].driver_auth.subscribe(user_id(request), body(request)["results"])
    return web.json_response({"quota": quota})


@routes.add("GET", "/api/v1/driver/config", "What the mini-program needs to know", "driver", auth=None,
            response=s.ANY_OBJ)
async def config(request: web.Request) -> web.Response:
    st = request.app[SETTINGS]
    d, w = st.driver, st.wechat
    return web.json_response({"qr_base_url": d.qr_base_url, "min_wallet_fen": d.min_wallet_fen,
                              "min_prepay_fen": d.min_prepay_fen, "max_prepay_fen": d.max_prepay_fen,
                              "bill_template_id": w.bill_template_id, "complete_template_id": w.complete_template_id,
                              "signature_window": d.signature_window,
                              "reservation_hold_minutes": d.reservation_hold_minutes,
                              "reservation_fee_fen": d.reservation_fee_fen,
                              "wechat_emulator_url": _emulator_url(request)})


def _emulator_url(request: web.Request) -> str | None:
    """Emulator mode only: where the local WeChat emulator (and its /emulator/... controls) listens."""
    emulator = request.app[WECHAT].emulator
    if request.app[SETTINGS].wechat.mode != "emulator" or emulator is None:
        return None
    return emulator.url
