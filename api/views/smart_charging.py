"""REST views of the smart_charging feature."""

from __future__ import annotations

from api.routing import RouteTable

routes = RouteTable()
