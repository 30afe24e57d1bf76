"""Drivers reserving a connector: ReserveNow (either version) with a per-reservation id tag for the
configured hold time; the reserved connector then starts only for that driver (the session uses the
reservation's id tag). An optional fee is taken from the wallet once the charge point accepts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from csms.domain.models import IdTag
from csms.domain.orders import InsufficientFunds
from csms.domain.repositories import IdTagRepository
from csms.services.availability import Availability
from csms.services.charging_start import StartRefused, new_session_tag, refuse_blocked
from csms.services.clock import Clock
from csms.services.reservations import ReservationService


@dataclass(frozen=True)
class ReservationTerms:
    hold_minutes: int = 15
    fee_fen: int = 0


class DriverReservationService:
    def __init__(self, reservations: ReservationService, holders, availability: Availability,
                 id_tag_repo: IdTagRepository, user_repo, wallet, clock: Clock, terms: ReservationTerms):
        self.reservations = reservations
        self.holders = holders
        self.availability = availability
        self.id_tag_repo = id_tag_repo
        self.user_repo = user_repo
        self.wallet = wallet
        self.clock = clock
        self.hold = timedelta(minutes=terms.hold_minutes)
        self.fee_fen = terms.fee_fen

    async def reserve(self, user_id: int, cp_id: str, connector_id: int):
        refuse_blocked(await self.user_repo.get(user_id))
        state, mine = await self.availability(cp_id, connector_id, user_id)
        if state == "unknown_connector":
            raise StartRefused(404, "not_found", f"no connector {connector_id} on charge point {cp_id}")
        if mine is not None:
            raise StartRefused(409, "already_reserved", "you already hold this connector")
        if state != "free":
            raise StartRefused(409, state, f"connector {cp_id}/{connector_id} is {state}")
        user = await self.user_repo.get(user_id)
        if self.fee_fen and user.balance_fen < self.fee_fen:
            raise StartRefused(402, "insufficient_funds", f"a reservation costs {self.fee_fen} fen")
        now = self.clock.now()
        tag = new_session_tag()
        await self.id_tag_repo.put(IdTag(tag, "Accepted", now + self.hold + timedelta(hours=1)))
        r = await self.reservations.reserve(cp_id, connector_id=connector_id, id_tag=tag, expiry_date=now + self.hold,
                                            token_type="Central")
        if r.status != "Accepted":
            raise StartRefused(409, "rejected", f"the charge point answered {r.ocpp_status}")
        fee = 0
        if self.fee_fen:
            try:
                await self.wallet.move(user_id, "charge", -self.fee_fen, f"reservation:{r.id}:fee", note="预约费")
                fee = self.fee_fen
            except InsufficientFunds:
                fee = 0
        await self.holders.add(r.id, user_id, fee)
        return r, fee

    async def mine(self, user_id: int) -> list[tuple]:
        out = []
        for rid, fee in await self.holders.of_user(user_id):
            r = await self.reservations.get(rid)
            if r is not None:
                out.append((r, fee))
        return out

    async def get(self, user_id: int, reservation_id: int):
        if await self.holders.holder(reservation_id) != user_id:
            return None
        return await self.reservations.get(reservation_id)

    async def cancel(self, user_id: int, reservation_id: int) -> dict | None:
        r = await self.get(user_id, reservation_id)
        if r is None:
            return None
        if r.status not in ("Requested", "Accepted"):
            return {"status": "Rejected"}
        result = await self.reservations.cancel(r.charge_point_id, r.id)
        tag = await self.id_tag_repo.get(r.id_tag)
        if tag is not None and result["status"] == "Accepted":
            await self.id_tag_repo.put(IdTag(tag.id_tag, "Expired", tag.expiry_date))
        return result
