"""OCPP 2.0.1 display messages (block O): neutral commands -> CALLs, NotifyDisplayMessages -> the
neutral service."""

from __future__ import annotations

from csms.domain import smart_charging as sc
from csms.domain.requests import PartIn
from csms.ocpp.routing import CallContext
from csms.ocpp.frames import ocpp_time, parse_time
from csms.services.smart_charging_display import DisplayMessageService


def _drop_none(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


def message_info(m: sc.DisplayMessage) -> dict:
    return _drop_none({
        "id": m.id, "priority": m.priority, "state": m.state,
        "startDateTime": ocpp_time(m.start_at) if m.start_at else None,
        "endDateTime": ocpp_time(m.end_at) if m.end_at else None, "transactionId": m.transaction_id,
        "message": _drop_none({"format": m.format, "language": m.language, "content": m.content}),
        "display": {"name": "DisplayMessageCtrlr", "evse": {"id": m.evse_id}} if m.evse_id else None})


def message_in(d: dict) -> sc.DisplayMessage:
    evse = (d.get("display") or {}).get("evse") or {}
    return sc.DisplayMessage(
        id=d["id"], priority=d["priority"], format=d["message"]["format"], content=d["message"]["content"],
        language=d["message"].get("language"), state=d.get("state"),
        start_at=parse_time(d["startDateTime"]) if d.get("startDateTime") else None,
        end_at=parse_time(d["endDateTime"]) if d.get("endDateTime") else None,
        transaction_id=d.get("transactionId"), evse_id=evse.get("id"), source="reported")


def _get(cmd: sc.GetDisplayMessages) -> tuple[str, dict]:
    return "GetDisplayMessages", _drop_none({"requestId": cmd.request_id, "id": list(cmd.ids) or None,
                                             "priority": cmd.priority, "state": cmd.state})


def _status(_cmd, resp: dict) -> dict:
    return {"status": resp["status"]}


ENCODERS = {
    sc.SetDisplayMessage: (lambda cmd: ("SetDisplayMessage", {"message": message_info(cmd.message)}), _status),
    sc.GetDisplayMessages: (_get, _status),
    sc.ClearDisplayMessage: (lambda cmd: ("ClearDisplayMessage", {"id": cmd.id}), _status),
}


class V201DisplayHandlers:
    def __init__(self, display: DisplayMessageService):
        self.display = display

    async def notify_display_messages(self, ctx: CallContext, req: dict) -> dict:
        # no seqNo in this message: the parts are numbered in arrival order
        part = PartIn(req["requestId"], None, bool(req.get("tbc", False)), req.get("messageInfo"))
        await self.display.reported(ctx.cp_id, [message_in(m) for m in req.get("messageInfo") or ()], part)
        return {}
