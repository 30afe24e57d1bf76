"""Operators and drivers' accounts: one driver, their wallet ledger, block and unblock. (The list and
balance adjustments are in admin_orders.py; a driver's orders, payments and feedback are the lists
there filtered by ``user_id``.)"""

from __future__ import annotations

from aiohttp import web

from api import schemas as s
from api.common.audit import note
from api.common.orders import LEDGER, ledger_view
from api.common.users import USER, user_view
from api.context import BACKOFFICE, REPOS, body, int_param, paged, paging
from api.errors import refusals
from api.routing import RouteTable
from api.validation import PAGING
from csms.services.user_accounts import AccountError

routes = RouteTable()

BLOCK = s.obj({"reason": {"type": "string", "minLength": 1, "maxLength": 255}}, ("reason",))
DETAIL = s.obj({**USER["properties"], "phone_bound": s.BOOL, "created_at": s.TIME}, extra=True)


async def _user(request: web.Request):
    return await request.app[BACKOFFICE].accounts.get(int_param(request, "id"))


def detail(u) -> dict:
    return {**user_view(u), "phone_bound": u.phone_enc is not None}


@routes.add("GET", "/api/v1/admin/users/{id}", "One driver", "users", response=DETAIL, errors=(404,))
@refusals(AccountError)
async def get_user(request: web.Request) -> web.Response:
    return web.json_response(detail(await _user(request)))


@routes.add("GET", "/api/v1/admin/users/{id}/ledger", "A driver's wallet ledger, newest first", "users",
            response=s.array(LEDGER), query=PAGING, errors=(404,))
@refusals(AccountError)
async def ledger(request: web.Request) -> web.Response:
    user = await _user(request)
    lim, off = paging(request)
    page = await request.app[REPOS].wallet.entries(user.id, limit=lim, offset=off)
    return paged([ledger_view(e) for e in page.items], page.total, lim, off)


@routes.add("POST", "/api/v1/admin/users/{id}/block", "Block a driver (no sessions, no reservations)", "users",
            body=BLOCK, response=DETAIL, errors=(404,))
@refusals(AccountError)
async def block(request: web.Request) -> web.Response:
    before, after = await request.app[BACKOFFICE].accounts.block(int_param(request, "id"), body(request)["reason"])
    note(request, before=detail(before), after=detail(after))
    return web.json_response(detail(after))


@routes.add("POST", "/api/v1/admin/users/{id}/unblock", "Unblock a driver", "users", body=s.obj({}),
            response=DETAIL, errors=(404,))
@refusals(AccountError)
async def unblock(request: web.Request) -> web.Response:
    before, after = await request.app[BACKOFFICE].accounts.unblock(int_param(request, "id"))
    note(request, before=detail(before), after=detail(after))
    return web.json_response(detail(after))
