"""The driver's personal centre and what operators keep for the map: vehicles, favourite stations,
feedback (with its lifecycle), order ratings and station reviews, uploaded photos, station details
and connector metadata. Every driver operation takes the caller's user id: another driver's record is
not found, exactly as if it did not exist."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
from pathlib import Path

from csms.domain.profile import (
    FEEDBACK,
    MAX_FAVOURITES,
    MAX_PHOTOS,
    MAX_VEHICLES,
    RATEABLE_ORDER_STATES,
    Feedback,
    ProfileError,
    Rating,
    StationDetails,
    Vehicle,
    invalid,
    normalise_plate,
    not_found,
    valid_plate,
)
from csms.domain.repositories import Conflict

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
_UPLOAD_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png)$")
_UPLOAD_URL = re.compile(r"(?:^|/)api/v1/uploads/([0-9a-f]{32}\.(?:jpg|png))$")
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png"}


def sniff_image(head: bytes) -> str | None:
    """"jpg" or "png" from the file's first bytes (magic numbers), else None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    return None


class UploadStore:
    """Uploaded images under ``root`` with random names; files are written off the event loop."""

    def __init__(self, root: Path, public_url: str = ""):
        self.root, self.public_url = Path(root), public_url.rstrip("/")

    def url(self, name: str) -> str:
        return f"{self.public_url}/api/v1/uploads/{name}"

    def path(self, name: str) -> Path | None:
        """The file of a well-formed name (None for anything else: no path tricks)."""
        return self.root / name if _UPLOAD_NAME.match(name or "") else None

    @staticmethod
    def name_of(url: str) -> str | None:
        m = _UPLOAD_URL.search(url or "")
        return m.group(1) if m else None

    async def save(self, data: bytes) -> str:
        ext = sniff_image(data[:16])
        if ext is None:
            raise ProfileError(415, "unsupported_media_type", "only JPEG and PNG images are accepted")
        if len(data) > MAX_UPLOAD_BYTES:
            raise ProfileError(413, "file_too_large", f"the file is over {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
        name = f"{secrets.token_hex(16)}.{ext}"
        await asyncio.get_running_loop().run_in_executor(None, self._write, name, data)
        return name

    def _write(self, name: str, data: bytes) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{name}.part"
        tmp.write_bytes(data)
        os.replace(tmp, self.root / name)

    async def exists(self, name: str) -> bool:
        p = self.path(name)
        return p is not None and await asyncio.get_running_loop().run_in_executor(None, p.is_file)


# -- vehicles --------------------------------------------------------------------------------------------
def _plate(text: str) -> str:
    plate = normalise_plate(text)
    if not valid_plate(plate):
        raise invalid("plate", f"{text!r} is not a Chinese licence plate (e.g. 粤B12345, new energy 粤BD12345)")
    return plate


class VehicleService:
    def __init__(self, repo):
        self.repo = repo

    async def list(self, user_id: int) -> list[Vehicle]:
        return await self.repo.list(user_id)

    async def get(self, user_id: int, vehicle_id: int) -> Vehicle:
        v = await self.repo.get(user_id, vehicle_id)
        if v is None:
            raise not_found("vehicle")
        return v

    async def create(self, user_id: int, *, plate: str, model: str = "", connector_type: str | None = None,
                     is_default: bool = False) -> Vehicle:
        plate = _plate(plate)
        if len(await self.repo.list(user_id)) >= MAX_VEHICLES:
            raise ProfileError(409, "too_many_vehicles", f"at most {MAX_VEHICLES} vehicles per driver")
        try:
            return await self.repo.create(user_id, plate=plate, model=model, connector_type=connector_type,
                                          is_default=is_default)
        except Conflict:
            raise ProfileError(409, "conflict", f"plate {plate} is registered already", "plate") from None

    async def update(self, user_id: int, vehicle_id: int, **f) -> Vehicle:
        if "plate" in f:
            f["plate"] = _plate(f["plate"])
        try:
            v = await self.repo.update(user_id, vehicle_id, **f)
        except Conflict:
            raise ProfileError(409, "conflict", f"plate {f['plate']} is registered already", "plate") from None
        if v is None:
            raise not_found("vehicle")
        return v

    async def delete(self, user_id: int, vehicle_id: int) -> None:
        if not await self.repo.delete(user_id, vehicle_id):
            raise not_found("vehicle")


# -- favourites ------------------------------------------------------------------------------------------
class FavouriteService:
    """``station_exists``: async (station id) -> bool."""

    def __init__(self, repo, station_exists):
        self.repo, self.station_exists = repo, station_exists

    async def add(self, user_id: int, station_id: int) -> None:
        if not await self.station_exists(station_id):
            raise not_found("station")
        if await self.repo.is_favourite(user_id, station_id):
            return
        if len(await self.repo.station_ids(user_id)) >= MAX_FAVOURITES:
            raise ProfileError(409, "too_many_favourites", f"at most {MAX_FAVOURITES} favourite stations")
        await self.repo.add(user_id, station_id)

    async def remove(self, user_id: int, station_id: int) -> None:
        if not await self.repo.remove(user_id, station_id):
            raise not_found("favourite")


# -- feedback --------------------------------------------------------------------------------------------
class FeedbackService:
    """``orders``: async (order id) -> OrderRef | None; ``station_exists``: async (id) -> bool;
    ``moderation``: csms.services.moderation.ModerationService (None: nothing is checked)."""

    def __init__(self, repo, uploads: UploadStore, orders, station_exists, moderation=None):
        self.repo, self.uploads, self.orders, self.station_exists = repo, uploads, orders, station_exists
        self.moderation = moderation

    async def photos(self, urls: list[str]) -> tuple[str, ...]:
        """Canonical URLs of uploaded photos; anything not uploaded here is refused."""
        if len(urls) > MAX_PHOTOS:
            raise invalid("photos", f"at most {MAX_PHOTOS} photos")
        out = []
        for url in urls:
            name = self.uploads.name_of(url)
            if name is None or not await self.uploads.exists(name):
                raise invalid("photos", f"{url!r} is not an uploaded photo (POST /api/v1/driver/uploads first)")
            out.append(self.uploads.url(name))
        return tuple(dict.fromkeys(out))

    async def create(self, user_id: int, *, category: str, content: str, photos: list[str] = (),
                     order_id: int | None = None, station_id: int | None = None) -> Feedback:
        urls = await self.photos(list(photos))
        if order_id is not None:
            order = await self.orders(order_id)
            if order is None or order.user_id != user_id:
                raise invalid("order_id", f"no order {order_id} of yours")
            if station_id is None:
                station_id = order.station_id
        if station_id is not None and not await self.station_exists(station_id):
            raise invalid("station_id", f"no station {station_id}")
        if self.moderation is not None:      # operators read it: checked like anything others see
            await self.moderation.check_text(user_id, content, "content")
            await self.moderation.attach(user_id, urls, "photo", "photos")
        return await self.repo.create(user_id=user_id, category=category, content=content, photos=urls,
                                      order_id=order_id, station_id=station_id)

    async def get(self, user_id: int, feedback_id: int) -> Feedback:
        fb = await self.repo.get(feedback_id, user_id)
        if fb is None:
            raise not_found("feedback")
        return fb

    async def list(self, user_id: int | None = None, status: str | None = None, limit: int = 50, offset: int = 0):
        return await self.repo.list(user_id=user_id, status=status, limit=limit, offset=offset)

    async def handle(self, feedback_id: int, *, status: str | None = None, reply: str | None = None) -> Feedback:
        """Operator: move along open -> processing -> resolved -> closed (or open -> closed) and/or reply.
        Setting the status it has already changes nothing (idempotent)."""
        for _ in range(3):       # compare-and-set: another operator may move it meanwhile
            fb = await self.repo.get(feedback_id)
            if fb is None:
                raise not_found("feedback")
            target = status or fb.status
            if not FEEDBACK.can(fb.status, target):
                raise ProfileError(409, "invalid_transition", f"feedback {fb.status} cannot become {target}")
            changes: dict = {}
            if target != fb.status:
                changes["status"] = target
            if reply is not None and reply != fb.reply:
                changes["reply"] = reply
            if not changes:
                return fb
            done = await self.repo.transition(feedback_id, fb.status, **changes)
            if done is not None:
                return done
        raise ProfileError(409, "conflict", "the feedback changed meanwhile; try again")


# -- ratings ---------------------------------------------------------------------------------------------
class RatingService:
    """``station_exists``: async (station id) -> bool; ``clock``: now(); ``moderation``:
    csms.services.moderation.ModerationService (None: comments are not checked)."""

    def __init__(self, repo, station_exists, clock, moderation=None):
        self.repo, self.station_exists, self.clock = repo, station_exists, clock
        self.moderation = moderation

    async def rate(self, user_id: int, order_id: int, *, station_stars: int, experience_stars: int,
                   comment: str = "") -> Rating:
        """One rating per finished order of the caller: otherwise 404; a second one 409 already_rated."""
        order = await self.repo.order(order_id)
        if order is None or order.user_id != user_id or order.state not in RATEABLE_ORDER_STATES:
            raise not_found("finished order")
        if self.moderation is not None and comment.strip():   # other drivers read reviews
            await self.moderation.check_text(user_id, comment.strip(), "comment")
        rating = Rating(order_id, user_id, order.station_id, station_stars, experience_stars, comment.strip(),
                        self.clock.now())
        if not await self.repo.create(rating):
            raise ProfileError(409, "already_rated", "this order has been rated already")
        return rating

    async def reviews(self, station_id: int, limit: int = 50, offset: int = 0):
        if not await self.station_exists(station_id):
            raise not_found("station")
        return await self.repo.reviews(station_id, limit, offset)

    async def rated(self, order_ids: list[int]) -> set[int]:
        """Which of these orders have a rating (for ``<order>.rated``)."""
        return await self.repo.rated(order_ids)


# -- what operators keep for the map ---------------------------------------------------------------------
_URL = re.compile(r"^(https?://\S+|/api/v1/uploads/[0-9a-f]{32}\.(jpg|png))$")


class StationInfoService:
    """Opening hours, photos and connector metadata (type, max power) shown on the map."""

    def __init__(self, map_repo, station_exists):
        self.repo, self.station_exists = map_repo, station_exists

    async def put_details(self, station_id: int, **f) -> StationDetails:
        if not await self.station_exists(station_id):
            raise not_found("station")
        if "photos" in f:
            bad = [u for u in f["photos"] if not _URL.match(u)]
            if bad:
                raise invalid("photos", f"not an http(s) or uploaded photo URL: {bad[0]!r}")
            f["photos"] = tuple(dict.fromkeys(f["photos"]))
        details = await self.repo.put_details(station_id, **f)
        return details or StationDetails(station_id)

    async def patch_connector(self, cp_id: str, connector_id: int, **f) -> None:
        cp = await self.repo.charge_point(cp_id)
        if cp is None:
            raise not_found(f"charge point {cp_id!r}")
        await self.repo.patch_connector(cp_id, connector_id, cp[1], **f)

