"""In-memory stand-ins for the driver profile repositories (csms.domain.profile; same rules as the
SQL ones: plates unique per driver, one default vehicle, feedback ``transition`` is a compare-and-set,
one rating per order, lists newest first), and builders that put drivers and orders straight into a
running test server's database (until the login endpoint is what a test is about)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert

from api import auth
from csms.db import tables_drivers as drivers
from csms.domain.models import Page
from csms.domain.profile import (
    Feedback,
    OrderRef,
    Rating,
    RatingSummary,
    Review,
    Vehicle,
)
from csms.domain.repositories import Conflict
from tests.fakes import FakeClock, _page


class FakeVehicleRepository:
    def __init__(self, clock: FakeClock | None = None):
        self.clock = clock or FakeClock()
        self.rows: dict[int, Vehicle] = {}
        self._next = 1

    def _mine(self, user_id: int) -> list[Vehicle]:
        return [v for v in self.rows.values() if v.user_id == user_id]

    async def list(self, user_id: int) -> list[Vehicle]:
        return sorted(self._mine(user_id), key=lambda v: (not v.is_default, v.id))

    async def get(self, user_id: int, vehicle_id: int) -> Vehicle | None:
        v = self.rows.get(vehicle_id)
        return v if v is not None and v.user_id == user_id else None

    def _clear_default(self, user_id: int, keep: int | None = None) -> None:
        for v in self._mine(user_id):
            if v.id != keep and v.is_default:
                self.rows[v.id] = replace(v, is_default=False)

    async def create(self, user_id: int, *, plate: str, model: str, connector_type: str | None,
                     is_default: bool) -> Vehicle:
        if any(v.plate == plate for v in self._mine(user_id)):
            raise Conflict(plate)
        default = is_default or not self._mine(user_id)
        if default:
            self._clear_default(user_id)
        now = self.clock.now()
        v = Vehicle(self._next, user_id, plate, model, connector_type, default, now, now)
        self.rows[v.id] = v
        self._next += 1
        return v

    async def update(self, user_id: int, vehicle_id: int, **f: Any) -> Vehicle | None:
        v = await self.get(user_id, vehicle_id)
        if v is None:
            return None
        if "plate" in f and any(o.plate == f["plate"] and o.id != vehicle_id for o in self._mine(user_id)):
            raise Conflict(f["plate"])
        if f.get("is_default"):
            self._clear_default(user_id, keep=vehicle_id)
        self.rows[vehicle_id] = replace(v, **f, updated_at=self.clock.now())
        return self.rows[vehicle_id]

    async def delete(self, user_id: int, vehicle_id: int) -> bool:
        v = await self.get(user_id, vehicle_id)
        if v is None:
            return False
        del self.rows[vehicle_id]
        rest = self._mine(user_id)
        if v.is_default and rest:
            newest = max(rest, key=lambda o: o.id)
            self.rows[newest.id] = replace(newest, is_default=True)
        return True


class FakeFavouriteRepository:
    def __init__(self):
        self.rows: list[tuple[int, int]] = []       # (user, station), oldest first

    async def add(self, user_id: int, station_id: int) -> None:
        if (user_id, station_id) not in self.rows:
            self.rows.append((user_id, station_id))

    async def remove(self, user_id: int, station_id: int) -> bool:
        if (user_id, station_id) in self.rows:
            self.rows.remove((user_id, station_id))
            return True
        return False

    async def station_ids(self, user_id: int) -> list[int]:
        return [s for u, s in reversed(self.rows) if u == user_id]

    async def is_favourite(self, user_id: int, station_id: int) -> bool:
        return (user_id, station_id) in self.rows


class FakeFeedbackRepository:
    def __init__(self, clock: FakeClock | None = None):
        self.clock = clock or FakeClock()
        self.rows: dict[int, Feedback] = {}
        self._next = 1

    async def create(self, **f: Any) -> Feedback:
        now = self.clock.now()
        fb = Feedback(id=self._next, **{**f, "photos": tuple(f.get("photos", ()))}, status="open",
                      created_at=now, updated_at=now)
        self.rows[fb.id] = fb
        self._next += 1
        return fb

    async def get(self, feedback_id: int, user_id: int | None = None) -> Feedback | None:
        fb = self.rows.get(feedback_id)
        return fb if fb is not None and (user_id is None or fb.user_id == user_id) else None

    async def list(self, *, user_id=None, status=None, limit=50, offset=0) -> Page:
        items = [f for f in sorted(self.rows.values(), key=lambda f: -f.id)
                 if (user_id is None or f.user_id == user_id) and (status is None or f.status == status)]
        return _page(items, limit, offset)

    async def transition(self, feedback_id: int, expected: str, **f: Any) -> Feedback | None:
        fb = self.rows.get(feedback_id)
        if fb is None or fb.status != expected:
            return None
        self.rows[feedback_id] = replace(fb, **f, updated_at=self.clock.now())
        return self.rows[feedback_id]


class FakeRatingRepository:
    def __init__(self):
        self.orders: dict[int, OrderRef] = {}
        self.rows: dict[int, Rating] = {}
        self.nicknames: dict[int, str] = {}

    async def order(self, order_id: int) -> OrderRef | None:
        return self.orders.get(order_id)

    async def create(self, rating: Rating) -> bool:
        if rating.order_id in self.rows:
            return False
        self.rows[rating.order_id] = rating
        return True

    async def reviews(self, station_id: int, limit: int, offset: int) -> Page:
        items = [Review(r.order_id, r.station_stars, r.experience_stars, r.comment,
                        self.nicknames.get(r.user_id, ""), r.created_at)
                 for r in sorted(self.rows.values(), key=lambda r: (r.created_at, r.order_id), reverse=True)
                 if r.station_id == station_id]
        return _page(items, limit, offset)

    async def summaries(self, station_ids) -> dict[int, RatingSummary]:
        out = {}
        for sid in station_ids:
            stars = [r.station_stars for r in self.rows.values() if r.station_id == sid]
            if stars:
                out[sid] = RatingSummary(round(sum(stars) / len(stars), 1), len(stars))
        return out

    async def rated(self, order_ids) -> set[int]:
        return {i for i in order_ids if i in self.rows}


# -- builders for tests on a running server ---------------------------------------------------------------
async def a_driver(csms, nickname: str = "driver", balance_fen: int = 0) -> tuple[int, str]:
    """A users row and a driver access token for it: (user id, token). The driver has just opened the
    mini-program (WeChat's content checks know only such users)."""
    now = datetime.now(UTC)
    openid = f"o-{uuid.uuid4().hex}"
    wechat = csms.container.wechat
    if wechat is not None and wechat.emulator is not None:
        wechat.emulator.visit(openid)
    async with csms.container.engine.begin() as conn:
        res = await conn.execute(insert(drivers.users).values(
            openid=openid, nickname=nickname, avatar_url="", balance_fen=balance_fen, active=1,
            created_at=now, updated_at=now))
        uid = res.inserted_primary_key[0]
    return uid, auth.issue(csms.container.jwt_secret, str(uid), "driver", 3600, kind="driver")


async def an_order(csms, user_id: int, *, state: str = "paid", station_id: int | None = None,
                   charge_point_id: str = "CP-X", connector_id: int = 1) -> int:
    now = datetime.now(UTC)
    async with csms.container.engine.begin() as conn:
        res = await conn.execute(insert(drivers.orders).values(
            user_id=user_id, state=state, step="finished", charge_point_id=charge_point_id,
            connector_id=connector_id, station_id=station_id, id_tag=uuid.uuid4().hex[:20].upper(),
            pay_mode="wallet", prepay_fen=0, energy_wh=0, cost_fen=0, energy_fen=0, service_fen=0,
            idle_fee_fen=0, total_fen=0, paid_fen=0, refunded_fen=0, created_at=now, updated_at=now))
        return res.inserted_primary_key[0]
