"""Shared by the driver views: the caller, their own records, rate limits, service errors as API errors."""

from __future__ import annotations

import ipaddress

from aiohttp import web

from api import signing
from api.context import ACCOUNTS, CLAIMS, REPOS, int_param
from api.errors import ApiError, not_found
from csms.services.charging_start import StartRefused
from csms.settings import parse_rate


def client_address(request: web.Request) -> str:
    """The caller's address: the peer, or behind a trusted reverse proxy (api.trusted_proxies) the
    right-most X-Forwarded-For address that is not itself a trusted proxy."""
    peer = request.remote or ""
    trusted = request.app[ACCOUNTS].trusted_proxies
    if not trusted or not _within(peer, trusted):
        return peer
    hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _within(hop, trusted):
            return hop
    return hops[0] if hops else peer


def _within(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def user_id(request: web.Request) -> int:
    """The calling driver."""
    return int(request[CLAIMS]["sub"])


async def own_order(request: web.Request, name: str = "id"):
    """The caller's order named in the path (404 for anyone else's)."""
    order = await request.app[REPOS].orders.get(int_param(request, name))
    if order is None or order.user_id != user_id(request):
        raise not_found("order")
    return order


async def limit(request: web.Request, key: str, rate: str) -> None:
    """Count this request against ``rate`` ("N/SECONDS"); over it -> 429 with Retry-After."""
    n, window = parse_rate(rate)
    wait = await request.app[ACCOUNTS].rate_limiter.hit(key, n, window)
    if wait is not None:
        raise signing.rate_limited(wait)


def refused(exc: StartRefused) -> ApiError:
    return ApiError(exc.status, exc.code, str(exc))


def wechat_error(exc: Exception) -> ApiError:
    from csms.wechat.errors import WechatError, WechatUnavailable
    if isinstance(exc, WechatUnavailable):
        return ApiError(503, "wechat_unavailable", f"WeChat could not be reached: {exc}")
    if isinstance(exc, WechatError):
        return ApiError(401, "wechat_login_failed", f"WeChat refused the code: {exc}", errcode=exc.errcode)
    return ApiError(502, "wechat_error", str(exc))
