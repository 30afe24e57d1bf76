"""Commands to charge points from views: the domain's command errors as the API's answers
(docs/contract.md "Commands": offline 409, CALLERROR 502, no answer 504, not sendable 400)."""

from __future__ import annotations

from aiohttp import web

from api.context import REPOS
from api.errors import ApiError, bad_request, not_found
from csms.domain.errors import (
    CallErrorReceived,
    CallTimeout,
    CommandNotSent,
    NotConnected,
)
from csms.services.commands import UnknownTransaction


async def run_command(request: web.Request, coro_fn):
    cp_id = request.match_info["id"]
    if await request.app[REPOS].charge_points.get(cp_id) is None:
        raise not_found(f"charge point {cp_id!r}")
    try:
        return await coro_fn(cp_id)
    except NotConnected as exc:
        raise ApiError(409, "charge_point_offline", str(exc)) from None
    except UnknownTransaction as exc:
        raise ApiError(404, "not_found", str(exc)) from None
    except CommandNotSent as exc:   # our payload breaks the version's schema, or the action is unknown
        code = "unknown_action" if exc.unsupported else "invalid_payload"
        raise bad_request(exc.description, code, ocpp_code=exc.code, details=exc.details) from None
    except CallErrorReceived as exc:
        raise ApiError(502, exc.code, f"the charge point answered CALLERROR {exc.code}: {exc.description}",
                       ocpp_code=exc.code, details=exc.details) from None
    except CallTimeout as exc:
        raise ApiError(504, "timeout", str(exc)) from None
