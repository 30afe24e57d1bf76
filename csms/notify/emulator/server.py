"""SmsEmulator: the emulator app on a real socket, with Python helpers for tests and the demo."""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from csms.notify.emulator.app import STATE, Fault, SmsEmulatorState, create_sms_emulator


class SmsEmulator:
    """``await SmsEmulator(sign_name, template).start()``; ``.url`` is the endpoint, ``.access_key_id``
    and ``.access_key_secret`` the only credentials it accepts (generated unless given)."""

    def __init__(self, sign_name: str, templates: set[str], access_key_id: str = "", access_key_secret: str = ""):
        self.state = SmsEmulatorState(access_key_id or "LTAI" + secrets.token_hex(10),
                                      access_key_secret or secrets.token_urlsafe(24), sign_name, set(templates))
        self._runner: web.AppRunner | None = None
        self.url = ""

    @property
    def access_key_id(self) -> str:
        return self.state.access_key_id

    @property
    def access_key_secret(self) -> str:
        return self.state.access_key_secret

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = create_sms_emulator(self.state)
        assert app[STATE] is self.state
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        self.url = f"http://{host}:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Messages accepted so far: {phone, sign_name, template_code, params, biz_id, at}."""
        return self.state.messages

    def fail_next(self, code: str = "isv.BUSINESS_LIMIT_CONTROL", message: str = "触发分钟级流控Permits:1",
                  status: int = 200, times: int = 1) -> None:
        self.state.faults.append(Fault(code, message, status, times))

    def slow_down(self, seconds: float) -> None:
        self.state.delay = seconds
