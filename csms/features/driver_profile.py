"""Feature module: the driver's map and personal centre (see csms/features/__init__.py).

Stations for the map (nearby, search, detail, reviews), scan-to-charge QR codes, vehicles,
favourites, feedback, ratings and uploads, and the content security of what drivers write and
upload (``container.moderation``; its WeChat client is set when the drivers feature starts WeChat).
Prices come from the tariffs feature when installed (``container.tariffs``), looked up at call time
so the order of FEATURES does not matter."""

from __future__ import annotations

from pathlib import Path

from csms.db.repositories_drivers import SqlUserRepository
from csms.db.repositories_moderation import SqlMediaCheckRepository
from csms.db.repositories_profile import (
    SqlFavouriteRepository,
    SqlFeedbackRepository,
    SqlRatingRepository,
    SqlVehicleRepository,
)
from csms.db.repositories_station_map import SqlStationMapRepository
from csms.features.drivers import _NotStarted
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


def install(container) -> None:
    c = container
    sf, d = c.sessions_factory, c.settings.driver
    c.station_map_repo = SqlStationMapRepository(sf)
    c.vehicle_repo = SqlVehicleRepository(sf)
    c.favourite_repo = SqlFavouriteRepository(sf)
    c.feedback_repo = SqlFeedbackRepository(sf)
    c.rating_repo = SqlRatingRepository(sf)
    exists = c.station_map_repo.station_exists

    c.uploads = UploadStore(Path(c.settings.var_dir) / "uploads", c.settings.api.public_url)
    c.media_check_repo = SqlMediaCheckRepository(sf)
    c.moderation = ModerationService(c.media_check_repo, SqlUserRepository(sf), c.uploads, _NotStarted(), c.bus,
                                     c.clock, media_base=c.settings.api.public_url)
    c.station_cards = StationCards(c.station_map_repo, c.rating_repo, c.favourite_repo,
                                   lambda: getattr(c, "tariffs", None), c.clock,
                                   qr_base_url=d.qr_base_url, min_wallet_fen=d.min_wallet_fen)
    c.nearby = NearbySearch(c.station_map_repo, c.station_cards, c.clock)
    c.vehicles = VehicleService(c.vehicle_repo)
    c.favourites = FavouriteService(c.favourite_repo, exists)
    c.feedback = FeedbackService(c.feedback_repo, c.uploads, c.rating_repo.order, exists, c.moderation)
    c.ratings = RatingService(c.rating_repo, exists, c.clock, c.moderation)
    c.station_info = StationInfoService(c.station_map_repo, exists)

    async def resubmit_checks() -> None:
        await c.moderation.resubmit_due()

    c.jobs.append(("content-check-resubmit", {"minutes": 5}, resubmit_checks))
