"""WechatEmulator: the emulator app on a real socket, with Python helpers for tests and the demo."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from csms.wechat.emulator.app import CORE, EmulatorCore, create_emulator
from csms.wechat.emulator.config import EmulatorConfig
from csms.wechat.emulator.content import MediaCheck
from csms.wechat.emulator.keys import EmulatorKeys, ensure_keys
from csms.wechat.emulator.state import EmulatorState, Notification


class WechatEmulator:
    """``await WechatEmulator(config).start()``; ``.url`` is both ``api_base`` and ``pay_base``."""

    def __init__(self, config: EmulatorConfig):
        self.config = config
        self.keys: EmulatorKeys | None = None
        self.app: web.Application | None = None
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        cfg = self.config
        self.keys = await asyncio.to_thread(ensure_keys, cfg.data_dir, cfg.mchid, cfg.secret)
        self.app = create_emulator(cfg, self.keys)
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound = self._runner.addresses[0][1]
        self.url = f"http://{host}:{bound}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def core(self) -> EmulatorCore:
        assert self.app is not None, "WechatEmulator.start() first"
        return self.app[CORE]

    @property
    def state(self) -> EmulatorState:
        return self.core.state

    # --- playing the user ------------------------------------------------------------------------

    def login_code(self, user: str) -> str:
        """What ``wx.login`` gives ``user`` (usable once, 5 minutes)."""
        return self.state.issue_login_code(user)

    def openid(self, user: str) -> str:
        return self.state.openid_for(user)

    def visit(self, openid: str) -> None:
        """The user opened the mini-program now (as wx.login's code2session records): content checks
        accept only users seen in the last 2 hours."""
        self.state.last_visit[openid] = self.state.clock()

    def phone_code(self, phone: str, country_code: str = "86") -> str:
        """What the getPhoneNumber button gives for ``phone``."""
        return self.state.issue_phone_code(phone, country_code)

    def accept_subscribe(self, openid: str, template_id: str, count: int = 1) -> int:
        """``wx.requestSubscribeMessage`` answered "accept": one more message of that template allowed."""
        return self.state.accept_subscribe(openid, template_id, count)

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Subscribe messages sent so far (``data`` flattened to ``{key: value}``)."""
        return self.state.messages

    def pay(self, prepay_id: str, result: str = "SUCCESS") -> dict[str, Any]:
        """The payer answers ``wx.requestPayment``: SUCCESS | CANCEL | FAIL | PAYING. On SUCCESS the
        TRANSACTION.SUCCESS notification starts going to the order's notify_url."""
        return self.core.pay(prepay_id, result)

    def complete_refund(self, out_refund_no: str, status: str = "SUCCESS") -> dict[str, Any]:
        return self.core.complete_refund(out_refund_no, status)

    # --- notifications ---------------------------------------------------------------------------

    @property
    def notifications(self) -> list[Notification]:
        return list(self.state.notifications.values())

    def redeliver(self, notification_id: str) -> Notification:
        """Send a notification again (as WeChat may): tests the receiver's replay handling."""
        return self.core.redeliver(notification_id)

    async def wait_delivered(self, notification_id: str, timeout: float = 5.0) -> Notification:
        """Until the merchant acknowledged ``notification_id`` (2xx)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        note = self.state.notifications[notification_id]
        while not note.delivered:
            if loop.time() > deadline:
                raise TimeoutError(f"notification {notification_id} not acknowledged in {timeout} s")
            await asyncio.sleep(0.01)
        return note

    # --- faults ----------------------------------------------------------------------------------

    def expire_tokens(self) -> None:
        """Every access token issued so far expires now (next use: 42001)."""
        self.state.expire_tokens()

    def fail_next(self, path: str, errcode: int | None = None, errmsg: str = "", **pay_error: Any) -> None:
        """The next call to ``path`` fails: ``errcode=45011`` (mini-program API) or
        ``status=500, code="SYSTEM_ERROR"`` (WeChat Pay); ``times=n`` for more than one."""
        self.state.fail_next(path, errcode, errmsg, **pay_error)

    # --- content security ------------------------------------------------------------------------

    def mark_risky_text(self, keyword: str, suggest: str = "risky", label: int = 20001) -> None:
        """msgSecCheck answers ``suggest`` for any text containing ``keyword``."""
        self.state.mark_risky_text(keyword, suggest, label)

    def mark_risky_image(self, image: bytes | str, suggest: str = "risky", label: int = 20002) -> str:
        """mediaCheckAsync's verdict for an image with these bytes (or this SHA-256 hex)."""
        return self.state.mark_risky_image(image, suggest, label)

    def set_push_url(self, url: str) -> None:
        """The console's message push URL: where verdicts of image checks go."""
        self.state.push_url = url

    def hold_media_checks(self, hold: bool = True) -> None:
        """While held, a new image check gets its verdict only from :meth:`complete_media_check`."""
        self.state.media_check_delay = None if hold else self.config.media_check_delay

    @property
    def media_checks(self) -> list[MediaCheck]:
        return list(self.state.media_checks.values())

    async def complete_media_check(self, trace_id: str) -> MediaCheck:
        """Fetch, decide and push now (with ``media_check_delay=None`` nothing happens until this)."""
        return await self.core.complete_media_check(trace_id)
