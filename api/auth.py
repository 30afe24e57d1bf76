"""Bearer JWTs (HS256, pyjwt). Two kinds of caller: operators (staff, with a role) and drivers (kind
"driver", subject = the user id). A route's ``auth`` names what it needs: a staff permission
(viewer, operator, finance, admin) or driver; a token of the other kind is refused with 403.

Staff roles and what each may do (docs/contract.md "Roles"): a role grants a set of permissions, and
a route needs one permission. ``operator`` and ``finance`` are side by side, not one above the other:
operators act on chargers, alarms, master data and drivers' accounts; finance moves money."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

import jwt
from aiohttp import web

from api.errors import ApiError
from csms import log_context

GRANTS: dict[str, frozenset[str]] = {
    "viewer": frozenset({"viewer"}),                              # reads everything operational
    "operator": frozenset({"viewer", "operator"}),                # + chargers, alarms, master data, blocks
    "finance": frozenset({"viewer", "finance"}),                  # + refunds, adjustments, reconciliation
    "admin": frozenset({"viewer", "operator", "finance", "admin"}),   # + accounts, the audit log
}
ROLES = tuple(GRANTS)
ISSUER = "csms"


def new_jti() -> str:
    return secrets.token_hex(12)


def issue(secret: str, subject: str, role: str, ttl: int, kind: str = "operator", jti: str | None = None,
          name: str | None = None) -> str:
    """A signed access token; ``jti`` (generated when not given) also keys the caller's request
    signing key (api/signing.py sign_key_for); ``name`` (an operator's user name) goes into the
    audit log."""
    now = datetime.now(timezone.utc)
    claims = {"sub": subject, "role": role, "kind": kind, "iss": ISSUER, "iat": now,
              "exp": now + timedelta(seconds=ttl), "jti": jti or new_jti()}
    if name:
        claims["name"] = name
    return jwt.encode(claims, secret, algorithm="HS256")


def verify(secret: str, token: str) -> dict:
    try:
        return jwt.decode(token, secret, algorithms=["HS256"], issuer=ISSUER,
                          options={"require": ["exp", "sub", "iss"]})
    except jwt.ExpiredSignatureError:
        raise ApiError(401, "token_expired", "the access token has expired; log in again") from None
    except jwt.InvalidTokenError as exc:
        raise ApiError(401, "invalid_token", f"invalid access token: {exc}") from None


def identify(request: web.Request, secret: str) -> dict:
    """The caller's verified claims (401 without a valid bearer token)."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "send Authorization: Bearer <access_token>")
    claims = verify(secret, token.strip())
    log_context.actor.set(f"{claims.get('kind', 'operator')}:{claims.get('sub')}")   # reset by the request's end
    return claims


def allows(claims: dict, need: str) -> bool:
    if need == "driver":
        return claims.get("kind") == "driver"
    return claims.get("kind") == "operator" and need in GRANTS.get(claims.get("role"), ())


def authorize(claims: dict, need: str) -> dict:
    """``claims`` when they grant ``need``, else 403."""
    if allows(claims, need):
        return claims
    if need == "driver":
        raise ApiError(403, "forbidden", "this endpoint is for drivers")
    raise ApiError(403, "forbidden", f"this endpoint needs the {need} permission "
                                     f"(roles: {', '.join(r for r in ROLES if need in GRANTS[r])})")


def authenticate(request: web.Request, secret: str, need: str) -> dict:
    return authorize(identify(request, secret), need)
