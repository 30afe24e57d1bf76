"""What the local emulators of outside services (csms/wechat/emulator/, csms/notify/emulator/) share."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web


async def json_object(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object (an empty body is ``{}``); 400 otherwise."""
    try:
        data = json.loads(await request.text() or "{}")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="body must be a JSON object")
    return data
