"""REST views of the reservations feature."""

from __future__ import annotations

from api.routing import RouteTable

routes = RouteTable()
