"""The operator web console (docs/console.md): the built single-page app served at ``/console/``,
and the small endpoints it needs of its own.

Files come from ``api.console_dir`` (empty: ``console/dist`` of the source checkout, what
``make console`` builds). Vite names every bundled file in ``assets/`` by its content hash, so those
are cached for a year (``immutable``); ``index.html``, which names the current hashes, is
revalidated on every load (``no-cache``) so a new build is picked up at once. Any other path under
``/console/`` that is not a file is a client route (``/console/charge-points/CP-1``): it gets
``index.html`` and the router in the page takes over. A build not there yet is a 503 that says how
to make it, never an empty page."""

from __future__ import annotations

import asyncio
from importlib import metadata
from pathlib import Path

from aiohttp import web

from api import schemas as s
from api.context import SETTINGS
from api.errors import ApiError, not_found
from api.routing import RouteTable
from csms.ocpp import frames
from csms.settings import ROOT

routes = RouteTable()

PREFIX = "/console/"
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}
NO_CACHE = {"Cache-Control": "no-cache"}
DIR = web.AppKey("console_dir", Path)

CONFIG = s.obj({"tencent_map_key": s.NULL_STR, "version": s.STR})
SCHEMA_LIST = s.obj({"protocol": s.STR, "actions": s.array(s.STR)})


def version() -> str:
    try:
        return metadata.version("csms")
    except metadata.PackageNotFoundError:      # running from a checkout that was never installed
        return "dev"


@routes.add("GET", "/api/v1/console/config", "What the console needs before login: map key and version",
            "console", auth=None, response=CONFIG)
async def config(request: web.Request) -> web.Response:
    key = request.app[SETTINGS].api.tencent_map_key
    return web.json_response({"tencent_map_key": key or None, "version": version()})


# The console validates a hand-written OCPP call against the schema before sending it. The schemas
# are served from here rather than bundled into the build: the console then checks with exactly the
# schemas the server will apply (the installed `ocpp` package, with the server's adjustments such as
# no multipleOf), `npm run build` needs no Python, and a page loads only the one schema it uses.
def _protocol(request: web.Request) -> str:
    protocol = request.match_info["protocol"]
    if protocol not in frames.CSMS_INITIATED:
        raise not_found(f"OCPP version {protocol!r} (known: {', '.join(sorted(frames.CSMS_INITIATED))})")
    return protocol


@routes.add("GET", "/api/v1/admin/ocpp-schemas/{protocol}", "The OCPP actions a CSMS may send in a version",
            "console", response=SCHEMA_LIST, errors=(401, 404))
async def schema_list(request: web.Request) -> web.Response:
    protocol = _protocol(request)
    return web.json_response({"protocol": protocol, "actions": sorted(frames.CSMS_INITIATED[protocol])})


@routes.add("GET", "/api/v1/admin/ocpp-schemas/{protocol}/{action}",
            "The JSON schema of an OCPP request payload, as the server validates it", "console",
            response=s.ANY_OBJ, errors=(401, 404))
async def schema(request: web.Request) -> web.Response:
    protocol = _protocol(request)
    action = request.match_info["action"]
    if action not in frames.CSMS_INITIATED[protocol]:
        raise not_found(f"{action!r}: not an action the CSMS sends in {protocol}")
    return web.json_response(await asyncio.to_thread(frames.request_schema, protocol, action))


def console_dir(configured: str) -> Path:
    return Path(configured).expanduser().resolve() if configured else ROOT / "console" / "dist"


def locate(root: Path, rel: str) -> tuple[Path | None, dict]:
    """(file to send, its headers) for ``/console/<rel>``; (None, {}) for a missing bundled file."""
    if rel and rel != "index.html":
        target = (root / rel).resolve()
        if target.is_relative_to(root) and target.is_file():
            return target, IMMUTABLE if rel.startswith("assets/") else NO_CACHE
        if rel.startswith("assets/") or "." in rel.rsplit("/", 1)[-1]:
            return None, {}          # a file the build does not have: 404, not the page in its place
    index = root / "index.html"
    if not index.is_file():
        raise ApiError(503, "console_not_built",
                       f"the operator console is not built ({index} is missing): run `make console` "
                       "(or `make run`), or set api.console_dir to a built console")
    return index, NO_CACHE


async def serve(request: web.Request) -> web.StreamResponse:
    path, headers = await asyncio.to_thread(locate, request.app[DIR], request.match_info["path"])
    if path is None:
        raise not_found(f"console file {request.match_info['path']!r}")
    return web.FileResponse(path, headers=headers)


async def redirect(request: web.Request) -> web.Response:
    raise web.HTTPPermanentRedirect(PREFIX)


def setup(app: web.Application) -> None:
    """Serve the built console at ``/console/``. Call after the app's keys are installed."""
    app[DIR] = console_dir(app[SETTINGS].api.console_dir)
    app.router.add_get(PREFIX.rstrip("/"), redirect)
    app.router.add_get(PREFIX + "{path:.*}", serve)
