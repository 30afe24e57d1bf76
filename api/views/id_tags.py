"""Id tags (RFID cards, app tokens): who may charge."""

from __future__ import annotations

from aiohttp import web

from api import schemas, serializers
from api.common.audit import note
from api.context import ID_TAGS, REPOS, body, paged, paging, params
from api.errors import bad_request, not_found
from api.routing import Query, RouteTable
from api.validation import PAGING, parse_time
from csms.domain.models import IdTag

routes = RouteTable()


def _tag_param(request: web.Request) -> str:
    tag = request.match_info["id_tag"]
    if not 1 <= len(tag) <= 36:
        raise bad_request("id tag must have 1 to 36 characters", "validation_error", field="id_tag")
    return tag


@routes.add("PUT", "/api/v1/admin/id-tags/{id_tag}", "Create or replace an id tag", "id-tags",
            body=schemas.ID_TAG_PUT, response=schemas.ID_TAG, errors=(400, 401))
async def put(request: web.Request) -> web.Response:
    data = body(request)
    expiry = parse_time(data["expiry_date"], "expiry_date") if data.get("expiry_date") else None
    tag = IdTag(_tag_param(request), data["status"], expiry, data.get("group_id"))
    before = await request.app[REPOS].id_tags.get(tag.id_tag)
    stored, created = await request.app[ID_TAGS].put(tag)
    note(request, before=serializers.id_tag(before) if before else None)
    return web.json_response(serializers.id_tag(stored), status=201 if created else 200)


@routes.add("GET", "/api/v1/admin/id-tags/{id_tag}", "Get an id tag", "id-tags", response=schemas.ID_TAG,
            errors=(401, 404))
async def get(request: web.Request) -> web.Response:
    tag = await request.app[REPOS].id_tags.get(_tag_param(request))
    if tag is None:
        raise not_found("id tag")
    return web.json_response(serializers.id_tag(tag))


@routes.add("GET", "/api/v1/admin/id-tags", "List id tags", "id-tags", response=schemas.array(schemas.ID_TAG),
            query=(Query("status", enum=("Accepted", "Blocked", "Expired", "Invalid")), *PAGING))
async def list_(request: web.Request) -> web.Response:
    limit, offset = paging(request)
    page = await request.app[REPOS].id_tags.list(status=params(request).get("status"), limit=limit, offset=offset)
    return paged([serializers.id_tag(t) for t in page.items], page.total, limit, offset)


@routes.add("DELETE", "/api/v1/admin/id-tags/{id_tag}", "Delete an id tag", "id-tags", status=204, errors=(401, 404))
async def delete(request: web.Request) -> web.Response:
    before = await request.app[REPOS].id_tags.get(_tag_param(request))
    if before is None or not await request.app[REPOS].id_tags.delete(before.id_tag):
        raise not_found("id tag")
    note(request, before=serializers.id_tag(before))
    return web.Response(status=204)
