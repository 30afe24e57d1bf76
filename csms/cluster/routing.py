"""Commands to a charge point whichever node holds its socket: request/reply over Redis pub/sub.

The API node (any node) asks the directory which node holds the charger, publishes the request with a
correlation id on that node's channel (``csms:node:<node>``) and waits for the reply on its own. The
holder runs it through its LocalGateway and answers with the neutral result or the domain error, which
the caller raises again: the API maps them exactly as for a local charger (offline 409, CALLERROR 502,
no answer 504, not sendable 400). A request or reply lost (Redis restarting, the holder killed) ends
as no answer: CallTimeout after the call timeout plus ``MARGIN``."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from redis.exceptions import RedisError

from csms import metrics
from csms.cluster import codec
from csms.domain.errors import (
    CallErrorReceived,
    CallTimeout,
    CommandFailed,
    CommandNotSent,
    NotConnected,
)

log = logging.getLogger(__name__)
MARGIN = 2.0
_ERRORS = {cls.__name__: cls for cls in (NotConnected, CallTimeout, CallErrorReceived, CommandNotSent,
                                         CommandFailed)}


def channel(node: str) -> str:
    return f"csms:node:{node}"


def _error(exc: Exception) -> dict:
    name = type(exc).__name__ if type(exc).__name__ in _ERRORS else "CommandFailed"
    if isinstance(exc, (CallErrorReceived, CommandNotSent)):
        return {"type": name, "args": [exc.code, exc.description, exc.details]}
    return {"type": name, "args": [str(exc)]}


def _raise(error: dict) -> None:
    raise _ERRORS.get(error["type"], CommandFailed)(*error["args"])


class Router:
    """Both ends: ``request`` on the asking node, ``_serve`` on the holding one."""

    def __init__(self, channels, node: str, local, registry):
        self.channels = channels
        self.node = node
        self.local = local              # csms.ocpp.gateway.LocalGateway
        self.registry = registry
        self._waiting: dict[str, asyncio.Future] = {}
        channels.on(channel(node), self._received)

    async def request(self, node: str, op: str, cp_id: str, args: dict, timeout: float) -> Any:
        cid = uuid.uuid4().hex
        future = asyncio.get_running_loop().create_future()
        self._waiting[cid] = future
        message = {"k": "req", "id": cid, "from": self.node, "op": op, "cp": cp_id, "args": args,
                   "timeout": timeout}
        try:
            try:
                listeners = await self.channels.publish(channel(node), codec.dumps(message))
            except (RedisError, OSError) as exc:
                metrics.ROUTED_COMMANDS.labels("redis_down").inc()
                raise CallTimeout(f"charge point {cp_id}: its node {node} cannot be reached ({type(exc).__name__})")
            if not listeners:           # the holder is gone (killed): its directory entry is stale
                metrics.ROUTED_COMMANDS.labels("node_gone").inc()
                raise NotConnected(f"charge point {cp_id} is not connected (its node {node} is gone)")
            try:
                reply = await asyncio.wait_for(future, timeout + MARGIN)
            except TimeoutError:
                metrics.ROUTED_COMMANDS.labels("timeout").inc()
                raise CallTimeout(f"charge point {cp_id}: no answer through node {node} "
                                  f"within {timeout + MARGIN:.0f} s") from None
        finally:
            self._waiting.pop(cid, None)
        if "error" in reply:
            metrics.ROUTED_COMMANDS.labels("error").inc()
            _raise(reply["error"])
        metrics.ROUTED_COMMANDS.labels("ok").inc()
        return reply["result"]

    async def _received(self, data: bytes) -> None:
        message = codec.loads(data)
        if message.get("k") == "rep":
            future = self._waiting.get(message["id"])
            if future is not None and not future.done():
                future.set_result(message)
            return
        reply: dict = {"k": "rep", "id": message["id"]}
        try:
            reply["result"] = await self._serve(message["op"], message["cp"], message["args"], message["timeout"])
        except CommandFailed as exc:
            reply["error"] = _error(exc)
        except Exception as exc:                  # never leave the asker waiting for its timeout
            log.exception("routed %s to %s failed", message["op"], message["cp"])
            reply["error"] = {"type": "CommandFailed", "args": [f"{type(exc).__name__}: {exc}"]}
        try:
            await self.channels.publish(channel(message["from"]), codec.dumps(reply))
        except (RedisError, OSError):
            log.warning("reply to %s lost: Redis unreachable", message["from"])

    async def _serve(self, op: str, cp_id: str, args: dict, timeout: float) -> Any:
        if op == "execute":
            return await self.local.execute(cp_id, args["command"], timeout)
        if op == "call":
            return await self.local.call(cp_id, args["action"], args["payload"], timeout)
        if op == "drop":
            conn = self.registry.get(cp_id)
            if conn is not None:     # forgotten first: its close is not the charge point going offline
                self.registry.remove(conn)
                await conn.close(1001, args.get("reason") or "taken over by another node")
            return None
        raise CommandFailed(f"unknown routed operation {op}")

    async def drop(self, node: str, cp_id: str, reason: str) -> None:
        """Have ``node`` close its socket of ``cp_id`` (taken over here, or closed by an operator)."""
        try:
            await self.request(node, "drop", cp_id, {"reason": reason}, 5.0)
        except CommandFailed as exc:
            log.info("node %s did not drop %s: %s", node, cp_id, exc)


class RoutedGateway:
    """The services' Gateway (csms/services/commands.py) on several nodes: a charger on this node is
    served by the LocalGateway, one on another node through the Router."""

    def __init__(self, local, presence, directory, router: Router):
        self.local = local
        self.presence = presence
        self.directory = directory
        self.router = router
        self.timeout = local.timeout

    def protocol_of(self, cp_id: str) -> str | None:
        return self.presence.protocol_of(cp_id)

    def _here(self, cp_id: str) -> bool:
        return self.local.connections.get(cp_id) is not None

    def _protocol(self, cp_id: str) -> str:
        protocol = self.protocol_of(cp_id)
        if protocol is None:
            raise NotConnected(f"charge point {cp_id} is not connected")
        return protocol

    def validate(self, cp_id: str, action: str, payload: dict) -> None:
        self.local.caller.validate_call(self._protocol(cp_id), action, payload)

    def encoded_size(self, cp_id: str, command: Any) -> int:
        return self.local.encoded_size_in(self._protocol(cp_id), command)

    async def _owner(self, cp_id: str) -> str:
        try:
            held = await self.directory.owner(cp_id)
        except (RedisError, OSError):
            held = None              # Redis away: only this node's chargers can be reached
        if held is None:
            raise NotConnected(f"charge point {cp_id} is not connected")
        return held[0]

    async def call(self, cp_id: str, action: str, payload: dict, timeout: float | None = None) -> dict:
        if self._here(cp_id):
            return await self.local.call(cp_id, action, payload, timeout)
        node = await self._owner(cp_id)
        self.local.caller.validate_call(self._protocol(cp_id), action, payload)    # a bad payload is a 400 here
        return await self.router.request(node, "call", cp_id, {"action": action, "payload": payload},
                                         timeout or self.timeout)

    async def execute(self, cp_id: str, command: Any, timeout: float | None = None) -> dict:
        if self._here(cp_id):
            return await self.local.execute(cp_id, command, timeout)
        node = await self._owner(cp_id)
        return await self.router.request(node, "execute", cp_id, {"command": command}, timeout or self.timeout)

