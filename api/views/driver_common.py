"""Helpers shared by the driver views: the caller, rate limits, service errors as API errors."""

from __future__ import annotations

from aiohttp import web

from api import signing
from api.context import CLAIMS, container
from api.errors import ApiError
from csms.services.charging import StartRefused
from csms.settings import parse_rate


def user_id(request: web.Request) -> int:
    return int(request[CLAIMS]["sub"])


async def limit(request: web.Request, key: str, rate: str) -> None:
    """Count this request against ``rate`` ("N/SECONDS"); over it -> 429 with Retry-After."""
    n, window = parse_rate(rate)
    wait = await container(request).rate_limiter.hit(key, n, window)
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
