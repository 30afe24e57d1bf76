"""Feature: reservations and the local authorization list (1.6 Reservation and Local Auth List
Management profiles, 2.0.1 blocks H and D)."""

from __future__ import annotations

from dataclasses import dataclass

from csms.db.catalog import Repositories
from csms.services.clock import Clock
from csms.services.commands import Gateway
from csms.services.id_tags import IdTagService
from csms.services.reservations import ReservationService
from csms.services.reservations_local_list import LocalListService


@dataclass(frozen=True)
class Reservations:
    reservations: ReservationService
    local_lists: LocalListService


def build(repos: Repositories, *, gateway: Gateway, id_tags: IdTagService, clock: Clock) -> Reservations:
    return Reservations(
        reservations=ReservationService(repos.reservations, gateway, clock),
        local_lists=LocalListService(repos.local_lists, gateway, id_tags, repos.id_tags, clock))
