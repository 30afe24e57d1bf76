"""REST view of the cost-updates feature: CostUpdated to an OCPP 2.0.1 station (block I)."""

from __future__ import annotations

from aiohttp import web

from api import schemas as s
from api.context import TARIFFS, body
from api.errors import ApiError
from api.routing import RouteTable
from api.common.commands import run_command
from csms.services.cost_updates import TransactionNotActive

routes = RouteTable()

COST_UPDATED = s.obj({"transaction_id": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
                      "total_cost": {"type": "integer", "minimum": 0, "maximum": 10**12}},
                     ("transaction_id", "total_cost"))
COST_RESULT = s.obj({"status": s.STR, "transaction_id": s.INT, "total_cost": s.INT}, ("status",), extra=True)


@routes.add("POST", "/api/v1/admin/charge-points/{id}/commands/cost-updated",
            "Tell a 2.0.1 station the running total cost (fen) of an active transaction (CostUpdated)", "commands",
            body=COST_UPDATED, response=COST_RESULT, errors=(400, 401, 404, 409, 502, 504))
async def cost_updated(request: web.Request) -> web.Response:
    data = body(request)
    updates = request.app[TARIFFS].cost_updates
    try:
        result = await run_command(request, lambda cp_id: updates.send(cp_id, data["transaction_id"], data["total_cost"]))
    except TransactionNotActive as exc:
        raise ApiError(409, "transaction_not_active", str(exc)) from None
    return web.json_response(result)
