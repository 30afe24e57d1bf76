"""Route tables: for one OCPP version, which handler answers each action a charge point sends.

Each version has one table, written as one literal in ``csms/ocpp/<version>/routes.py``: the whole
truth about what runs. A table refuses an action listed twice and an action its version does not
let charge points send, so a mistake fails at start-up, not at the first frame."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from csms.ocpp import frames


@dataclass(slots=True)
class CallContext:
    """What a handler knows of the CALL besides its payload."""
    cp_id: str
    protocol: str
    unique_id: str
    received_at: datetime
    after: list[Callable[[], Awaitable[Any]]] = field(default_factory=list)

    def then(self, fn: Callable[[], Awaitable[Any]]) -> None:
        """Run ``fn`` once the answer has been sent (e.g. a CALL back to the same charge point)."""
        self.after.append(fn)


Handler = Callable[[CallContext, dict], Awaitable[dict]]


class RouteError(ValueError):
    """A route table that cannot be: an action twice, or one the version has no such CALL for."""


class RouteTable(dict[str, Handler]):
    """action -> handler of one version. A plain dict once built: a frame's lookup runs no code of ours."""

    def __init__(self, version: str, entries: Iterable[tuple[str, Handler]]):
        super().__init__()
        self.version = version
        inbound = frames.charge_point_initiated(version)
        for action, handler in entries:
            if action in self:
                raise RouteError(f"{version}: {action} is routed twice")
            if action not in inbound:
                raise RouteError(f"{version}: charge points do not send {action}")
            self[action] = handler

    def describe(self) -> list[tuple[str, str]]:
        """(action, the handler's qualified name), for docs and the architecture test."""
        return [(action, f"{getattr(h, '__module__', '?')}.{getattr(h, '__qualname__', repr(h))}")
                for action, h in sorted(self.items())]


def encoder_table(version: str, *parts: Mapping[type, tuple]) -> dict[type, tuple]:
    """One version's neutral command type -> (encode, decode), from the areas' tables; a command
    type encoded twice is a mistake."""
    table: dict[type, tuple] = {}
    for part in parts:
        for command, pair in part.items():
            if command in table:
                raise RouteError(f"{version}: {command.__name__} is encoded twice")
            table[command] = pair
    return table
