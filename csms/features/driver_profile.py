"""Feature: the driver's map and personal centre: stations for the map (nearby, search, detail,
reviews), what a scanned QR code shows, vehicles, favourites, feedback with photos, ratings, and
the content security of what drivers write and upload (checked with WeChat before others see it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from csms.db.catalog import Repositories
from csms.services.availability import Availability
from csms.services.clock import Clock
from csms.services.moderation import ModerationService
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
    moderation: ModerationService


def build(repos: Repositories, settings: Settings, *, tariffs: TariffService, availability: Availability,
          mini, media_base: str, bus, clock: Clock) -> DriverProfile:
    """``mini``: the mini-program client (content checks); ``media_base``: the public origin WeChat
    fetches uploaded photos from."""
    exists = repos.station_map.station_exists
    uploads = UploadStore(Path(settings.data_dir) / "uploads", settings.api.public_url)
    moderation = ModerationService(repos.media_checks, repos.users, uploads, mini, bus, clock, media_base=media_base)
    cards = StationCards(repos.station_map, repos.ratings, repos.favourites, tariffs, availability, clock,
                         qr_base_url=settings.driver.qr_base_url, min_wallet_fen=settings.driver.min_wallet_fen)
    return DriverProfile(
        uploads=uploads, station_cards=cards, nearby=NearbySearch(repos.station_map, cards, clock),
        vehicles=VehicleService(repos.vehicles), favourites=FavouriteService(repos.favourites, exists),
        feedback=FeedbackService(repos.feedback, uploads, repos.ratings.order, exists, moderation),
        ratings=RatingService(repos.ratings, exists, clock, moderation),
        station_info=StationInfoService(repos.station_map, exists), moderation=moderation)
