"""One emulator's state and background work (:class:`EmulatorCore`), and what every HTTP handler of
the emulator uses to reach it."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from csms.wechat.emulator import content_push
from csms.wechat.emulator.config import EmulatorConfig
from csms.wechat.emulator.content import MediaCheck
from csms.wechat.emulator.keys import EmulatorKeys
from csms.wechat.emulator.notifier import Notifier
from csms.wechat.emulator.state import EmulatorState, Notification


class EmulatorCore:
    """State plus the background work (notification delivery, refund completion) of one emulator."""

    def __init__(self, config: EmulatorConfig, keys: EmulatorKeys):
        self.config = config
        self.keys = keys
        self.state = EmulatorState(config, keys)
        self.notifier = Notifier(self.state)

    def pay(self, prepay_id: str, result: str = "SUCCESS") -> dict[str, Any]:
        tx, note = self.state.pay(prepay_id, result)
        if note is not None:
            self.notifier.deliver(note)
        return {"out_trade_no": tx.out_trade_no, "trade_state": tx.trade_state,
                "transaction_id": tx.transaction_id, "notification_id": note.id if note else None}

    def refund(self, body: dict[str, Any]) -> dict[str, Any]:
        known = body.get("out_refund_no") in self.state.refunds
        answer = self.state.refund(body)
        if not known and self.config.refund_delay is not None:
            self.notifier.after(self.config.refund_delay, lambda: self.complete_refund(answer["out_refund_no"]))
        return answer

    def complete_refund(self, out_refund_no: str, status: str = "SUCCESS") -> dict[str, Any]:
        refund, note = self.state.complete_refund(out_refund_no, status)
        if note is not None:
            self.notifier.deliver(note)
        return refund.as_wechat()

    def redeliver(self, notification_id: str) -> Notification:
        note = self.state.notifications[notification_id]
        self.notifier.deliver(note)
        return note

    def media_check(self, body: dict[str, Any]) -> dict[str, Any]:
        """mediaCheckAsync: accepted now, fetched, decided and pushed ``media_check_delay`` s later."""
        check = self.state.media_check_async(body)
        if self.state.media_check_delay is not None:
            self.notifier.spawn(content_push.later(self.notifier.session, self.state, check,
                                                   self.state.media_check_delay))
        return {"errcode": 0, "errmsg": "ok", "trace_id": check.trace_id}

    async def complete_media_check(self, trace_id: str) -> MediaCheck:
        """Decide and push now (again, when it was pushed before: as WeChat's retries do)."""
        check = self.state.media_checks[trace_id]
        await content_push.run(self.notifier.session, self.state, check)
        return check


CORE = web.AppKey("wechat_emulator_core", EmulatorCore)
def core_of(request: web.Request) -> EmulatorCore:
    return request.app[CORE]


async def json_body(request: web.Request) -> dict[str, Any]:
    try:
        data = json.loads(await request.text() or "{}")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="body must be a JSON object")
    return data
