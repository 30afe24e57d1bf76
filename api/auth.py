"""Bearer JWTs (HS256, pyjwt). Two kinds of caller: operators (roles operator < admin) and drivers
(kind "driver", subject = the user id). A route's ``auth`` names what it needs: operator, admin or
driver; a token of the other kind is refused with 403."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

import jwt
from aiohttp import web

from api.errors import ApiError
from csms import log_context

ROLES = {"operator": 1, "admin": 2}
ISSUER = "csms"


def new_jti() -> str:
    return secrets.token_hex(12)


def issue(secret: str, subject: str, role: str, ttl: int, kind: str = "operator", jti: str | None = None) -> str:
    """A signed access token; ``jti`` (generated when not given) also keys the caller's request
    signing key (api/signing.py sign_key_for)."""
    now = datetime.now(timezone.utc)
    claims = {"sub": subject, "role": role, "kind": kind, "iss": ISSUER, "iat": now,
              "exp": now + timedelta(seconds=ttl), "jti": jti or new_jti()}
    return jwt.encode(claims, secret, algorithm="HS256")


def verify(secret: str, token: str) -> dict:
    try:
        return jwt.decode(token, secret, algorithms=["HS256"], issuer=ISSUER,
                          options={"require": ["exp", "sub", "iss"]})
    except jwt.ExpiredSignatureError:
        raise ApiError(401, "token_expired", "the access token has expired; log in again") from None
    except jwt.InvalidTokenError as exc:
        raise ApiError(401, "invalid_token", f"invalid access token: {exc}") from None


def authenticate(request: web.Request, secret: str, need: str) -> dict:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "send Authorization: Bearer <access_token>")
    claims = verify(secret, token.strip())
    log_context.actor.set(f"{claims.get('kind', 'operator')}:{claims.get('sub')}")   # reset by the request's end
    if need == "driver":
        if claims.get("kind") != "driver":
            raise ApiError(403, "forbidden", "this endpoint is for drivers")
        return claims
    if claims.get("kind") != "operator" or ROLES.get(claims.get("role"), 0) < ROLES[need]:
        raise ApiError(403, "forbidden", f"this endpoint needs the {need} role")
    return claims
