"""The operator live feed: ``GET /api/v1/admin/ws`` (docs/contract.md, "Operator live feed").

What the console's network board, charge point and alarm pages show without polling: charge points
connecting, disconnecting and booting, connector status changes, transactions starting, updating
and stopping, charge point notices (firmware, diagnostics, security events), alarms raised, counted,
acknowledged, assigned and resolved, work orders changing, and, for the charge points a socket
subscribed to, their OCPP frames as the message log records them. Every operator socket gets every
network event its role may see (MIN_ROLE); acting on them is the REST API's, by role.

The machinery is the driver push's (api/push.py): a bounded queue and a sender task per socket, a
slow socket dropped with 1013, 4401 for a bad or expired token, ping/pong. Frames come from this
node's message log taps: with several nodes, a charge point's frames are seen on the node that holds
its socket."""

from __future__ import annotations

import logging
from typing import Any, Callable

import orjson
from aiohttp import web
from prometheus_client import Gauge

from api import auth, push, serializers
from api.common import alarms as common_alarms
from api.context import MESSAGE_LOG
from csms.domain import events
from csms.domain.alarms import as_json
from csms.services.message_log import MessageLog

log = logging.getLogger(__name__)

PATH = "/api/v1/admin/ws"
QUEUE_SIZE = 256          # a board of many charge points: bursts of status changes after a restart
MAX_WATCHED = 20          # charge points one socket may tail at once

CONNECTIONS = Gauge("csms_operator_push_connections", "Open operator live-feed WebSockets")


def charge_point(online: bool, event: str, protocol: str | None = None, **extra) -> Callable[[Any], dict]:
    def build(e) -> dict:
        data = {"id": e.charge_point_id, "online": online, "protocol": getattr(e, "protocol", protocol),
                "event": event, "at": serializers.ts(e.at)}
        return {"type": "charge_point", "data": {**data, **{k: getattr(e, v) for k, v in extra.items()}}}
    return build


def connector(e: events.ConnectorStatusChanged) -> dict:
    return {"type": "connector", "data": {"charge_point_id": e.charge_point_id, "evse_id": e.evse_id,
                                          "connector_id": e.connector_id, "status": e.status, "previous": e.previous,
                                          "error_code": e.error_code, "at": serializers.ts(e.at)}}


def transaction(event: str) -> Callable[[Any], dict]:
    def build(e) -> dict:
        return {"type": "transaction", "data": {
            "id": e.transaction_id, "charge_point_id": e.charge_point_id, "connector_id": e.connector_id,
            "event": event, "energy_wh": getattr(e, "energy_wh", 0), "power_w": getattr(e, "power_w", None),
            "soc": getattr(e, "soc", None), "id_tag": getattr(e, "id_tag", None),
            "reason": getattr(e, "reason", None), "at": serializers.ts(e.at)}}
    return build


def alarm(e: events.AlarmChanged) -> dict:
    return {"type": "alarm", "event": e.change, "data": as_json(e.alarm)}


def work_order_message(e: events.WorkOrderChanged) -> dict:
    return {"type": "work_order", "event": e.change, "data": common_alarms.work_order(e.work_order)}


def notice(e: events.ChargePointNotice) -> dict:
    return {"type": "notice", "data": {"charge_point_id": e.charge_point_id, "kind": e.kind, "data": e.data,
                                       "at": serializers.ts(e.at)}}


# domain event -> feed message (the console's feed client, console/src/api/feed.ts, routes them by type)
FEED: dict[type, Callable[[Any], dict]] = {
    events.ChargePointConnected: charge_point(True, "connected"),
    events.ChargePointDisconnected: charge_point(False, "disconnected"),
    events.ChargePointBooted: charge_point(True, "booted", status="status", vendor="vendor", model="model",
                                           firmware_version="firmware_version"),
    events.ConnectorStatusChanged: connector,
    events.TransactionStarted: transaction("started"),
    events.TransactionUpdated: transaction("updated"),
    events.TransactionStopped: transaction("stopped"),
    events.ChargePointNotice: notice,
    events.AlarmChanged: alarm,
    events.WorkOrderChanged: work_order_message,
}

# the permission each kind of message needs (every staff role gets it, unless named here): a charge
# point's OCPP frames may carry credentials (a new AuthorizationKey), so tailing them needs "operator"
# even when lower, read-only roles (a viewer) see the network, the alarms and the work orders
MIN_ROLE: dict[str, str] = {"message": "operator"}


def may_see(role: str, kind: str) -> bool:
    """Whether a token of ``role`` gets this kind of message: it needs the permission MIN_ROLE names
    (api/auth.py GRANTS), if any."""
    need = MIN_ROLE.get(kind)
    return need is None or need in auth.GRANTS.get(role, ())


class OperatorClient(push.Client):
    """An operator's socket (with the token's role), with the charge points whose frames it tails."""

    __slots__ = ("watching", "role")

    def __init__(self, *args, role: str):
        super().__init__(*args)
        self.role = role
        self.watching: dict[str, Callable[[], None]] = {}


class OperatorHub(push.PushHub):
    """Every operator socket gets every network event; frames only where it subscribed."""

    kind = "operator"
    client_type = OperatorClient
    connections = CONNECTIONS

    def __init__(self, message_log: MessageLog, queue_size: int = QUEUE_SIZE):
        super().__init__(queue_size)
        self.message_log = message_log

    def new_client(self, ws, request, claims: dict) -> OperatorClient:
        return OperatorClient(ws, request, int(claims["sub"]), self.queue_size, role=claims["role"])

    def broadcast(self, message: dict) -> None:
        clients = [c for group in self._clients.values() for c in group if may_see(c.role, message["type"])]
        if not clients:
            return
        text = push.dumps(message)
        for client in clients:
            self.send(client, text)

    def send(self, client: OperatorClient, text: str) -> None:
        if not client.offer(text):
            log.info("operator feed: dropping a too slow socket of operator %s", client.user_id)
            self.drop(client, push.TOO_SLOW, "too slow; reconnect")

    def on_event(self, event: Any) -> None:
        if self._clients:               # nobody watching (most of the time): nothing to serialize
            self.broadcast(FEED[type(event)](event))

    def remove(self, client: OperatorClient) -> None:
        super().remove(client)
        for stop in client.watching.values():
            stop()
        client.watching.clear()

    def watch(self, client: OperatorClient, cp_id: str) -> dict:
        if not may_see(client.role, "message"):
            return error("forbidden", "tailing a charge point's OCPP frames needs the operator role")
        if cp_id not in client.watching:
            if len(client.watching) >= MAX_WATCHED:
                return error("too_many_subscriptions", f"tail at most {MAX_WATCHED} charge points per socket")

            def tap(entry) -> None:
                self.send(client, push.dumps({"type": "message", "data": serializers.message(entry)}))
            client.watching[cp_id] = self.message_log.watch(cp_id, tap)
        return {"type": "subscribed", "messages": cp_id}

    def unwatch(self, client: OperatorClient, cp_id: str) -> dict:
        stop = client.watching.pop(cp_id, None)
        if stop is not None:
            stop()
        return {"type": "unsubscribed", "messages": cp_id}

    def reply(self, client: OperatorClient, data: str) -> str:
        """The answer to one text frame: ping, subscribe or unsubscribe."""
        try:
            message = orjson.loads(data)
        except orjson.JSONDecodeError:
            return push.BAD_MESSAGE
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "ping":
            return push.PONG
        target = message.get("messages") if isinstance(message, dict) else None
        if kind in ("subscribe", "unsubscribe") and isinstance(target, str) and 0 < len(target) <= 64:
            answer = self.watch(client, target) if kind == "subscribe" else self.unwatch(client, target)
            return push.dumps(answer)
        return push.BAD_MESSAGE


def error(code: str, message: str) -> dict:
    return {"type": "error", "error": {"code": code, "message": message}}


HUB = web.AppKey("operator_push_hub", OperatorHub)


async def websocket(request: web.Request) -> web.WebSocketResponse:
    hub = request.app[HUB]
    return await push.serve(request, hub, hub.reply)


def setup(app: web.Application, queue_size: int = QUEUE_SIZE) -> None:
    """Add ``GET /api/v1/admin/ws``, feed it from the bus while the app runs, and close every socket
    on shutdown. Call after the app's keys are installed (api/context.py install)."""
    hub = OperatorHub(app[MESSAGE_LOG], queue_size)
    push.mount(app, HUB, hub, PATH, websocket, [(event_type, hub.on_event) for event_type in FEED])
