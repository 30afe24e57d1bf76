"""In-memory stand-ins for the reservations feature: the two repositories of
csms.domain.reservations (same rules as the SQL ones: ``transition`` is a compare-and-set, lists
newest first) and a gateway that records commands and answers them with scripted replies."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any, Callable

from csms.domain.models import Page
from csms.domain.reservations import LocalAuthEntry, LocalList, Reservation
from csms.domain.errors import NotConnected
from tests.fakes import FakeClock, _known, _page


class FakeReservationRepository:
    def __init__(self, clock: FakeClock | None = None):
        self.clock = clock or FakeClock()
        self.rows: dict[int, Reservation] = {}
        self._next = 1

    async def create(self, **f: Any) -> Reservation:
        now = self.clock.now()
        r = Reservation(id=self._next, **_known(Reservation, {"created_at": now, "updated_at": now, **f}))
        self.rows[r.id] = r
        self._next += 1
        return r

    async def get(self, reservation_id: int) -> Reservation | None:
        return self.rows.get(reservation_id)

    async def transition(self, reservation_id: int, expected: str, **f: Any) -> Reservation | None:
        r = self.rows.get(reservation_id)
        if r is None or r.status != expected:
            return None
        self.rows[reservation_id] = replace(r, **_known(Reservation, {"updated_at": self.clock.now(), **f}))
        return self.rows[reservation_id]

    async def list(self, *, charge_point_id: str | None = None, status: str | None = None,
                   limit: int = 50, offset: int = 0) -> Page:
        items = sorted(self.rows.values(), key=lambda r: -r.id)
        if charge_point_id is not None:
            items = [r for r in items if r.charge_point_id == charge_point_id]
        if status is not None:
            items = [r for r in items if r.status == status]
        return _page(items, limit, offset)

    async def accepted(self, *, charge_point_id: str | None = None,
                       expiring_by: datetime | None = None) -> list[Reservation]:
        return [r for r in sorted(self.rows.values(), key=lambda r: r.id)
                if r.status == "Accepted" and (charge_point_id is None or r.charge_point_id == charge_point_id)
                and (expiring_by is None or r.expiry_date <= expiring_by)]


class FakeLocalListRepository:
    def __init__(self):
        self.lists: dict[str, LocalList] = {}

    async def get(self, cp_id: str) -> LocalList:
        return self.lists.get(cp_id, LocalList(cp_id))

    async def replace(self, cp_id: str, version: int, entries: list[LocalAuthEntry], at: datetime) -> None:
        self.lists[cp_id] = LocalList(cp_id, version, tuple(sorted(entries, key=lambda e: e.id_tag)), at)

    async def apply(self, cp_id: str, version: int, upserts: list[LocalAuthEntry], removals: list[str],
                    at: datetime) -> None:
        current = {e.id_tag: e for e in (await self.get(cp_id)).entries}
        for tag in removals:
            current.pop(tag, None)
        current.update({e.id_tag: e for e in upserts})
        await self.replace(cp_id, version, list(current.values()), at)


class ScriptedGateway:
    """Records every command; answers with ``replies[type name]`` (a dict, or a callable of the
    command, or an exception to raise). ``online`` says which charge points are connected."""

    def __init__(self, online: tuple[str, ...] = ("CP1",), protocol: str = "ocpp1.6"):
        self.online = set(online)
        self.protocol = protocol
        self.sent: list[tuple[str, Any]] = []
        self.replies: dict[str, dict | Callable | Exception] = {}

    def protocol_of(self, cp_id: str) -> str | None:
        return self.protocol if cp_id in self.online else None

    async def execute(self, cp_id: str, command: Any, timeout: float | None = None) -> dict:
        if cp_id not in self.online:
            raise NotConnected(cp_id)
        self.sent.append((cp_id, command))
        reply = self.replies.get(type(command).__name__, {"status": "Accepted"})
        if isinstance(reply, Exception):
            raise reply
        return reply(command) if callable(reply) else dict(reply)
