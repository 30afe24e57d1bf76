"""OCPP 2.0.1 notifications that answer a tracked request (csms.services.requests): each stored
handler runs as before, then its part is matched by requestId. Pure translation."""

from __future__ import annotations

from csms.ocpp.dispatcher import CallContext, Handler

# action -> (family of csms.domain.requests.ANSWERED_BY, the field holding the part's data)
NOTIFICATIONS = {
    "NotifyReport": ("report", "reportData"),
    "NotifyMonitoringReport": ("monitoring_report", "monitor"),
    "NotifyCustomerInformation": ("customer_information", "data"),
    "NotifyDisplayMessages": ("display_messages", "messageInfo"),     # no seqNo: numbered in arrival order
}


def tracking(routes: dict[str, Handler], requests) -> dict[str, Handler]:
    """The routes' handlers of these notifications, each followed by recording its part."""
    return {action: _tracked(routes[action], requests, family, field)
            for action, (family, field) in NOTIFICATIONS.items() if action in routes}


def _tracked(core: Handler, requests, family: str, field: str) -> Handler:
    async def handler(ctx: CallContext, req: dict) -> dict:
        response = await core(ctx, req)
        await requests.part_received(ctx.cp_id, family, req["requestId"], seq_no=req.get("seqNo"),
                                     tbc=bool(req.get("tbc", False)), data=req.get(field))
        return response
    handler.__name__ = getattr(core, "__name__", "handler")
    return handler
