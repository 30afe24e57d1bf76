"""Operators answer driver feedback: the inbox by status (with counts), move it along open ->
processing -> resolved -> closed (or close it at once) and reply; the driver hears of a reply or a
new status (subscribe message and live push)."""

from __future__ import annotations

from aiohttp import web

from api import schemas as s
from api.common.audit import note
from api.context import BACKOFFICE, PROFILE, REPOS, body, int_param, paged, paging, params
from api.routing import Query, RouteTable
from api.validation import PAGING
from api.common.profile import FEEDBACK_FIELDS, feedback
from api.common.profile import profile_errors
from csms.domain.profile import FEEDBACK_STATES, Feedback, not_found

routes = RouteTable()

ADMIN_FEEDBACK = s.obj({**FEEDBACK_FIELDS, "user_id": s.INT, "photos_withheld": s.INT})
FEEDBACK_PATCH = {**s.obj({"status": {"enum": list(FEEDBACK_STATES)},
                           "reply": {"type": "string", "maxLength": 2000}}), "minProperties": 1}


async def admin_feedback(request: web.Request, items: list[Feedback]) -> list[dict]:
    """Operators are others: only photos whose content check passed; ``photos_withheld`` counts the rest."""
    shown = set(await request.app[PROFILE].moderation.for_others([u for f in items for u in f.photos]))
    return [{**feedback(f), "photos": [u for u in f.photos if u in shown],
             "photos_withheld": sum(u not in shown for u in f.photos), "user_id": f.user_id} for f in items]


@routes.add("GET", "/api/v1/admin/feedback", "Driver feedback, newest first", "feedback",
            response=s.array(ADMIN_FEEDBACK),
            query=(Query("status", enum=FEEDBACK_STATES), Query("user_id", "integer", "one driver", 1, None), *PAGING))
async def list_feedback(request: web.Request) -> web.Response:
    q = params(request)
    limit, offset = paging(request)
    page = await request.app[PROFILE].feedback.list(q.get("user_id"), q.get("status"), limit, offset)
    return paged(await admin_feedback(request, page.items), page.total, limit, offset)


@routes.add("GET", "/api/v1/admin/feedback/counts", "How many feedback items are in each status", "feedback",
            response=s.obj({status: s.INT for status in FEEDBACK_STATES}))
async def feedback_counts(request: web.Request) -> web.Response:
    repo = request.app[REPOS].feedback
    return web.json_response({status: (await repo.list(status=status, limit=1)).total for status in FEEDBACK_STATES})


@routes.add("GET", "/api/v1/admin/feedback/{id}", "One feedback item", "feedback", response=ADMIN_FEEDBACK,
            errors=(404,))
@profile_errors
async def get_feedback(request: web.Request) -> web.Response:
    f = await request.app[REPOS].feedback.get(int_param(request, "id"))
    if f is None:
        raise not_found("feedback")
    return web.json_response((await admin_feedback(request, [f]))[0])


@routes.add("PATCH", "/api/v1/admin/feedback/{id}", "Change the status and/or reply", "feedback",
            body=FEEDBACK_PATCH, response=ADMIN_FEEDBACK, errors=(404, 409))
@profile_errors
async def patch_feedback(request: web.Request) -> web.Response:
    d = body(request)
    before, f = await request.app[BACKOFFICE].accounts.answer(int_param(request, "id"), status=d.get("status"),
                                                            reply=d.get("reply"))
    views = await admin_feedback(request, [f] if before is None else [before, f])
    note(request, before=views[0] if before else None, after=views[-1])
    return web.json_response(views[-1])
