"""A local ISO 15118 contract-certificate pool emulator (the HTTP interface of docs/contract.md,
"ISO 15118 certificates"): ``POST /v1/ev-certificates`` {charging_station_id, iso15118_schema_version,
action: Install|Update, exi_request (base64)} -> 200 {status, exi_response (base64)}. It checks the request
as the CSMS must send it (known schema version, action, base64 that decodes), keeps every request, and
answers a deterministic EXI stand-in: the pool does not decode EXI here, so its answer is
``b"15118-<action>-Res:" + sha256(request EXI)`` (base64), which lets a test check the bytes made the
round trip. ``fail = True`` answers HTTP 500; an invalid request gets 400."""

from __future__ import annotations

import base64
import binascii
import hashlib

from aiohttp import web

from tests.support.local_http import LocalHttpServer

SCHEMAS = ("urn:iso:15118:2:2013:MsgDef", "urn:iso:std:iso:15118:-20:CommonMessages")


def expected_exi(action: str, exi_request_b64: str) -> str:
    digest = hashlib.sha256(base64.b64decode(exi_request_b64)).digest()
    return base64.b64encode(f"15118-{action}-Res:".encode() + digest).decode()


class ContractPoolEmulator(LocalHttpServer):
    def __init__(self):
        self.requests: list[dict] = []
        self.fail = False

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/ev-certificates", self._answer)

    async def _answer(self, request: web.Request) -> web.Response:
        if self.fail:
            return web.json_response({"error": "pool down"}, status=500)
        body = await request.json()
        self.requests.append(body)
        try:
            base64.b64decode(body["exi_request"], validate=True)
            if body["action"] not in ("Install", "Update") or body["iso15118_schema_version"] not in SCHEMAS \
                    or not body["charging_station_id"]:
                raise ValueError
        except (KeyError, ValueError, binascii.Error, TypeError):
            return web.json_response({"error": "bad request"}, status=400)
        return web.json_response({"status": "Accepted",
                                  "exi_response": expected_exi(body["action"], body["exi_request"])})
