"""Routes with their contract: method, path, auth, body and response schemas, query parameters.
The same table registers the aiohttp handlers and generates the OpenAPI document."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from aiohttp import web


@dataclass(frozen=True)
class Query:
    name: str
    type: str = "string"           # string | integer | boolean | date-time
    description: str = ""
    minimum: int | None = None
    maximum: int | None = None
    enum: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    summary: str
    tag: str
    auth: str | None = "operator"  # None (public) | driver | a staff permission: viewer | operator | finance | admin
    body: dict | None = None        # JSON schema of the request body
    response: dict | None = None    # JSON schema of the success body
    status: int = 200
    query: tuple[Query, ...] = ()
    errors: tuple[int, ...] = ()
    raw_response: str | None = None  # non-JSON content type (e.g. text/plain for /metrics)
    signed: bool = False            # a sensitive operation: request signature (api/signing.py)
    raw_body: bool = False          # the handler reads the body itself (multipart uploads)
    audit: bool | None = None       # written to the audit log; None: every staff route that is not a GET
    error_schema: dict | None = None  # JSON schema of its error answers when not the API's usual Error


STAFF = ("viewer", "operator", "finance", "admin")       # the permissions api/auth.py GRANTS hands out


def audited(r: Route) -> bool:
    """Written to the audit log: every staff route that is not a read, unless it says otherwise."""
    return r.audit if r.audit is not None else (r.auth in STAFF and r.method != "GET")


@dataclass
class RouteTable:
    routes: list[Route] = field(default_factory=list)

    def add(self, method: str, path: str, summary: str, tag: str, **kw: Any):
        def deco(fn):
            self.routes.append(Route(method, path, fn, summary, tag, **kw))
            return fn
        return deco

    def extend(self, other: "RouteTable") -> None:
        self.routes.extend(other.routes)

    def find(self, method: str, resource_path: str) -> Route | None:
        for r in self.routes:
            if r.method == method and r.path == resource_path:
                return r
        return None
