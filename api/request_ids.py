"""Request ids and the access log.

Every API response carries ``X-Request-Id``: the caller's (a proxy's or client's, when it is a sane
token) or a generated one. It is bound to the log context for the whole request, so every log line
the request causes carries it, and the access log line names it with the caller."""

from __future__ import annotations

import logging
import re
import uuid

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from api.context import CLAIMS
from csms import log_context

HEADER = "X-Request-Id"
REQUEST_ID = web.RequestKey("request_id", str)
_SANE = re.compile(r"^[A-Za-z0-9._:/+=-]{1,128}$")


def _incoming(request: web.BaseRequest) -> str:
    given = request.headers.get(HEADER, "")
    return given if _SANE.match(given) else uuid.uuid4().hex


@web.middleware
async def request_id_middleware(request: web.Request, handler):
    rid = request.get(REQUEST_ID) or _incoming(request)
    request[REQUEST_ID] = rid
    tokens = log_context.bind(request_id=rid, actor=None)
    try:
        return await handler(request)
    finally:
        log_context.unbind(tokens)


async def echo_request_id(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: the header goes on every response, errors and WebSocket upgrades too."""
    rid = request.get(REQUEST_ID)
    if rid is None:
        rid = request[REQUEST_ID] = _incoming(request)
    response.headers[HEADER] = rid


class AccessLogger(AbstractAccessLogger):
    """One line per request: method, path (no query: it may hold a token), status, time, caller."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        extra = {"method": request.method, "path": request.path, "status": response.status,
                 "duration_ms": round(time * 1000, 2), "remote": request.remote,
                 "request_id": response.headers.get(HEADER) or request.get(REQUEST_ID),
                 "user_agent": request.headers.get("User-Agent", "")}
        claims = request.get(CLAIMS)
        if claims:       # operator:alice / driver:17, as api/auth.py binds it for the request's log lines
            extra["actor"] = f"{claims.get('kind', 'operator')}:{claims.get('sub')}"
        self.logger.info("%s %s %s %.1fms", request.method, request.path, response.status, time * 1000,
                         extra=extra)


def access_logger() -> logging.Logger:
    return logging.getLogger("csms.access")
