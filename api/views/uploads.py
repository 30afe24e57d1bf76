"""Photo uploads (feedback, avatars, station photos): multipart ``file``, JPEG or PNG (checked by its
first bytes, not its name), at most 5 MB, stored under var/uploads with a random name and served back
publicly by that unguessable name (``<image>`` tags send no token; WeChat fetches it from there for
its content check), except a driver's photo WeChat found risky, which is served to nobody."""

from __future__ import annotations

from aiohttp import web

from api import schemas as s
from api.context import PROFILE
from api.errors import ApiError, bad_request
from api.routing import Route, RouteTable
from api.common.profile import profile_errors
from csms.services.profile import CONTENT_TYPES, MAX_UPLOAD_BYTES, UploadStore

routes = RouteTable()

UPLOADED = s.obj({"url": s.STR, "name": s.STR})
# the route reads its own (multipart) body: needs api.routing.Route.raw_body (see api/app.py _wrap)
RAW_BODY = {"raw_body": True} if "raw_body" in Route.__dataclass_fields__ else {}
_CHUNK = 64 * 1024


async def _read_file(request: web.Request) -> bytes:
    """The bytes of the multipart field ``file``, refusing more than MAX_UPLOAD_BYTES as it streams."""
    if request.content_length is not None and request.content_length > MAX_UPLOAD_BYTES + _CHUNK:
        raise ApiError(413, "file_too_large", f"the file is over {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    if not request.content_type.startswith("multipart/"):
        raise bad_request("send multipart/form-data with the image in the field 'file'", "validation_error",
                          field="file")
    try:
        reader = await request.multipart()
        while True:
            part = await reader.next()
            if part is None:
                break
            if getattr(part, "name", None) != "file":
                await part.release()
                continue
            data = bytearray()
            while chunk := await part.read_chunk(_CHUNK):
                data += chunk
                if len(data) > MAX_UPLOAD_BYTES:
                    raise ApiError(413, "file_too_large",
                                   f"the file is over {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
            return bytes(data)
    except (ValueError, AssertionError, RuntimeError) as exc:      # a malformed multipart body
        raise bad_request(f"malformed multipart body: {exc}", "validation_error", field="file") from None
    raise bad_request("no field 'file' in the multipart body", "validation_error", field="file")


async def _upload(request: web.Request) -> web.Response:
    store: UploadStore = request.app[PROFILE].uploads
    data = await _read_file(request)
    if not data:
        raise bad_request("the file is empty", "validation_error", field="file")
    name = await store.save(data)
    return web.json_response({"url": store.url(name), "name": name}, status=201)


@routes.add("POST", "/api/v1/driver/uploads", "Upload a photo (multipart 'file', JPEG/PNG, <= 5 MB)", "uploads",
            auth="driver", response=UPLOADED, status=201, errors=(400, 413, 415), **RAW_BODY)
@profile_errors
async def driver_upload(request: web.Request) -> web.Response:
    return await _upload(request)


@routes.add("POST", "/api/v1/admin/uploads", "Upload a photo (station photos; same rules as drivers')", "uploads",
            response=UPLOADED, status=201, errors=(400, 413, 415), **RAW_BODY)
@profile_errors
async def admin_upload(request: web.Request) -> web.Response:
    return await _upload(request)


@routes.add("GET", "/api/v1/uploads/{name}", "An uploaded photo", "uploads", auth=None, raw_response="image/jpeg",
            errors=(404,))
async def get_upload(request: web.Request) -> web.StreamResponse:
    profile = request.app[PROFILE]
    store: UploadStore = profile.uploads
    name = request.match_info["name"]
    path = store.path(name)
    if path is None or not await store.exists(name) or await profile.moderation.hidden(name):   # risky: served to nobody
        raise ApiError(404, "not_found", "upload not found")
    return web.FileResponse(path, headers={"Content-Type": CONTENT_TYPES[name.rsplit(".", 1)[1]],
                                           "Cache-Control": "public, max-age=31536000, immutable",
                                           "X-Content-Type-Options": "nosniff"})
