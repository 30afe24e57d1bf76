"""Which driver holds a reservation (driver_reservations table; interface in
csms.domain.repositories_drivers)."""

from __future__ import annotations

from sqlalchemy import select

from csms.db import tables_drivers as t
from csms.db.repositories import _Repo


class SqlDriverReservationRepository(_Repo):
    async def add(self, reservation_id: int, user_id: int, fee_fen: int) -> None:
        await self._insert_unique(t.driver_reservations, {"reservation_id": reservation_id, "user_id": user_id,
                                                          "fee_fen": fee_fen, "created_at": self.clock.now()},
                                  f"holder of reservation {reservation_id}", "reservation_id")

    async def holder(self, reservation_id: int) -> int | None:
        row = await self._one(select(t.driver_reservations.c.user_id)
                              .where(t.driver_reservations.c.reservation_id == reservation_id))
        return row.user_id if row else None

    async def of_user(self, user_id: int) -> list[tuple[int, int]]:
        """(reservation id, fee) of a driver's reservations, newest first."""
        c = t.driver_reservations.c
        async with self.engine.connect() as s:
            rows = (await s.execute(select(c.reservation_id, c.fee_fen).where(c.user_id == user_id)
                                    .order_by(c.reservation_id.desc()).limit(100))).all()
        return [(r.reservation_id, r.fee_fen) for r in rows]
