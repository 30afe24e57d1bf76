"""REST views of the security feature."""

from __future__ import annotations

from api.routing import RouteTable

routes = RouteTable()
