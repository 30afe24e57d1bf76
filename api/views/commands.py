"""Commands to a connected charge point: the raw CALL in its own version, and typed commands that
take the same body whatever the version."""

from __future__ import annotations

import re

from aiohttp import web

from api import schemas
from api.common.commands import run_command
from api.context import COMMANDS, body
from api.errors import bad_request
from api.routing import RouteTable
from csms.domain import commands as neutral

routes = RouteTable()
_ACTION = re.compile(r"^[A-Z][A-Za-z0-9]{1,63}$")


@routes.add("POST", "/api/v1/admin/charge-points/{id}/calls/{action}",
            "Send any OCPP CALL; the body is the payload in the charge point's own version", "commands",
            body=schemas.ANY_OBJ, response=schemas.CALL_RESULT, errors=(400, 401, 404, 409, 502, 504))
async def call(request: web.Request) -> web.Response:
    action = request.match_info["action"]
    if not _ACTION.match(action):
        raise bad_request(f"{action!r} is not an OCPP action name", "unknown_action")
    payload = body(request)
    response = await run_command(request, lambda cp_id: request.app[COMMANDS].call(cp_id, action, payload))
    return web.json_response({"response": response})


def _availability(d: dict) -> neutral.ChangeAvailability:
    if "operative" in d:
        operative = d["operative"]
    elif "type" in d:
        operative = d["type"] == "Operative"
    else:
        raise bad_request("give operative (true/false) or type (Operative/Inoperative)", "validation_error")
    return neutral.ChangeAvailability(operative=operative, connector_id=d.get("connector_id", 0))


BUILDERS = {
    "remote-start": lambda d: neutral.RemoteStart(d["id_tag"], d.get("connector_id"), d.get("charging_profile")),
    "remote-stop": lambda d: neutral.RemoteStop(d["transaction_id"]),
    "reset": lambda d: neutral.Reset(d.get("type", "Soft")),
    "unlock": lambda d: neutral.UnlockConnector(d["connector_id"]),
    "change-availability": _availability,
    "get-configuration": lambda d: neutral.GetConfiguration(tuple(d.get("keys", ()))),
    "change-configuration": lambda d: neutral.ChangeConfiguration(d["key"], d["value"]),
    "trigger-message": lambda d: neutral.TriggerMessage(d["message"], d.get("connector_id")),
    "clear-cache": lambda d: neutral.ClearCache(),
    "data-transfer": lambda d: neutral.DataTransfer(d["vendor_id"], d.get("message_id"), d.get("data")),
    "get-transaction-status": lambda d: neutral.GetTransactionStatus(d.get("transaction_id")),
}
SUMMARIES = {
    "remote-start": "Start a transaction remotely", "remote-stop": "Stop a transaction remotely",
    "reset": "Reboot the charge point (Soft or Hard)", "unlock": "Unlock a connector",
    "change-availability": "Make the charge point or a connector (in)operative",
    "get-configuration": "Read configuration keys", "change-configuration": "Set a configuration key",
    "trigger-message": "Ask the charge point to send a message now",
    "clear-cache": "Clear the authorization cache", "data-transfer": "Vendor-specific data transfer",
    "get-transaction-status": "Ask whether a transaction runs and messages are queued (OCPP 2.0.1)",
}


def _typed(name: str):
    async def handler(request: web.Request) -> web.Response:
        command = BUILDERS[name](body(request))
        result = await run_command(request, lambda cp_id: request.app[COMMANDS].send(cp_id, command))
        return web.json_response(result)
    handler.__name__ = name.replace("-", "_")
    return handler


for _name in BUILDERS:
    routes.add("POST", f"/api/v1/admin/charge-points/{{id}}/commands/{_name}", SUMMARIES[_name], "commands",
               body=schemas.COMMANDS[_name], response=schemas.COMMAND_RESULT,
               errors=(400, 401, 404, 409, 502, 504))(_typed(_name))
