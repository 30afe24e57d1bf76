"""Login and operator accounts."""

from __future__ import annotations

from aiohttp import web

from api import auth, schemas
from api.common.drivers import client_address, limit
from api.context import CLAIMS, JWT_SECRET, OPERATORS, SETTINGS, body
from api.errors import ApiError
from api.routing import RouteTable
from api.signing import sign_key_for
from csms.domain.repositories import Conflict

routes = RouteTable()


@routes.add("POST", "/api/v1/auth/login", "Log in as an operator; returns a Bearer token", "auth",
            auth=None, body=schemas.LOGIN, response=schemas.TOKEN, errors=(400, 401, 429))
async def login(request: web.Request) -> web.Response:
    data = body(request)
    rate = request.app[SETTINGS].api.login_rate        # password guessing: per address, and per account
    await limit(request, f"staff-login:{client_address(request)}", rate)
    await limit(request, f"staff-login-user:{data['username'][:64]}", rate)
    op = await request.app[OPERATORS].login(data["username"], data["password"])
    if op is None:
        raise ApiError(401, "invalid_credentials", "wrong user name or password")
    ttl = request.app[SETTINGS].api.jwt_ttl
    jti = auth.new_jti()
    token = auth.issue(request.app[JWT_SECRET], str(op.id), op.role, ttl, jti=jti, name=op.username)
    # the role and what it grants (api/auth.py GRANTS): the console shows only what the caller may do
    return web.json_response({"access_token": token, "token_type": "Bearer", "expires_in": ttl, "role": op.role,
                              "permissions": sorted(auth.GRANTS.get(op.role, ()))})


@routes.add("GET", "/api/v1/auth/sign-key", "The request-signing key of the caller's access token", "auth",
            auth="operator", response=schemas.obj({"sign_key": schemas.STR}))
async def sign_key(request: web.Request) -> web.Response:
    claims = request[CLAIMS]
    if not claims.get("jti"):
        raise ApiError(409, "no_sign_key", "this token cannot sign requests; log in again")
    return web.json_response({"sign_key": sign_key_for(request.app[JWT_SECRET], claims["jti"])})


@routes.add("POST", "/api/v1/admin/operators", "Create an operator account", "auth", auth="admin",
            body=schemas.OPERATOR_CREATE, response=schemas.OPERATOR, status=201, errors=(400, 401, 403, 409))
async def create_operator(request: web.Request) -> web.Response:
    data = body(request)
    try:
        op = await request.app[OPERATORS].create(data["username"], data["password"], data.get("role", "operator"))
    except Conflict:
        raise ApiError(409, "conflict", f"operator {data['username']!r} exists") from None
    return web.json_response({"id": op.id, "username": op.username, "role": op.role, "active": op.active}, status=201)
