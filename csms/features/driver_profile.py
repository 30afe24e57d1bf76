"""Feature: the driver's map and personal centre: stations for the map (nearby, search, detail,
reviews), what a scanned QR code shows, vehicles, favourites, feedback with photos, ratings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from csms.db.catalog import Repositories
from csms.services.availability import Availability
from csms.services.clock import Clock
from csms.services.profile import (
    FavouriteService,
    FeedbackService,
    RatingService,
    StationInfoService,
    UploadStore,
    VehicleService,
)
from csms.services.station_cards import StationCards
from csms.services.stations_geo import NearbySearch
from csms.services.tariffs import TariffService
from csms.settings import Settings


@dataclass(frozen=True)
class DriverProfile:
    uploads: UploadStore
    station_cards: StationCards
    nearby: NearbySearch
    vehicles: VehicleService
    favourites: FavouriteService
    feedback: FeedbackService
    ratings: RatingService
    station_info: StationInfoService


def build(repos: Repositories, settings: Settings, *, tariffs: TariffService, availability: Availability,
          clock: Clock) -> DriverProfile:
    exists = repos.station_map.station_exists
    uploads = UploadStore(Path(settings.data_dir) / "uploads", settings.api.public_url)
    cards = StationCards(repos.station_map, repos.ratings, repos.favourites, tariffs, availability, clock,
                         qr_base_url=settings.driver.qr_base_url, min_wallet_fen=settings.driver.min_wallet_fen)
    return DriverProfile(
        uploads=uploads, station_cards=cards, nearby=NearbySearch(repos.station_map, cards, clock),
        vehicles=VehicleService(repos.vehicles), favourites=FavouriteService(repos.favourites, exists),
        feedback=FeedbackService(repos.feedback, uploads, repos.ratings.order, exists),
        ratings=RatingService(repos.ratings, exists, clock), station_info=StationInfoService(repos.station_map, exists))
