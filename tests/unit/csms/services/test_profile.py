"""The profile services on in-memory repositories: plates and the default vehicle, favourites,
feedback photos and the operator lifecycle, one rating per finished order of the caller."""

from __future__ import annotations

import pytest

from csms.domain.profile import OrderRef, ProfileError
from csms.services.profile import (
    FavouriteService,
    FeedbackService,
    RatingService,
    UploadStore,
    VehicleService,
    sniff_image,
)
from tests.fakes import FakeClock
from tests.fakes_profile import (
    FakeFavouriteRepository,
    FakeFeedbackRepository,
    FakeRatingRepository,
    FakeVehicleRepository,
)


async def _exists(station_id: int) -> bool:
    return station_id in (1, 2)


def _code(exc: pytest.ExceptionInfo) -> tuple[int, str]:
    return exc.value.status, exc.value.code


async def test_vehicles():
    svc = VehicleService(FakeVehicleRepository())
    v1 = await svc.create(7, plate="粤b12345")
    assert (v1.plate, v1.is_default) == ("粤B12345", True)
    with pytest.raises(ProfileError) as e:
        await svc.create(7, plate="粤B 12345")
    assert _code(e) == (409, "conflict")
    with pytest.raises(ProfileError) as e:
        await svc.create(7, plate="nope")
    assert (_code(e), e.value.field) == ((400, "validation_error"), "plate")
    v2 = await svc.create(7, plate="沪AD12345", is_default=True)
    assert [(v.id, v.is_default) for v in await svc.list(7)] == [(v2.id, True), (v1.id, False)]
    with pytest.raises(ProfileError) as e:
        await svc.update(8, v1.id, model="x")          # another driver's
    assert _code(e) == (404, "not_found")
    await svc.delete(7, v2.id)
    assert [(v.id, v.is_default) for v in await svc.list(7)] == [(v1.id, True)]
    with pytest.raises(ProfileError):
        await svc.delete(7, v2.id)


async def test_favourites():
    repo = FakeFavouriteRepository()
    svc = FavouriteService(repo, _exists)
    await svc.add(7, 1)
    await svc.add(7, 1)
    assert await repo.station_ids(7) == [1]
    with pytest.raises(ProfileError) as e:
        await svc.add(7, 99)
    assert _code(e) == (404, "not_found")
    with pytest.raises(ProfileError):
        await svc.remove(8, 1)
    await svc.remove(7, 1)
    assert await repo.station_ids(7) == []


async def test_feedback_photos_orders_and_lifecycle(tmp_path):
    store = UploadStore(tmp_path, "https://cdn.example.com")
    name = await store.save(b"\x89PNG\r\n\x1a\n....")
    orders = {5: OrderRef(5, 7, "paid", 2), 6: OrderRef(6, 8, "paid", 1)}

    async def order(order_id):
        return orders.get(order_id)
    svc = FeedbackService(FakeFeedbackRepository(), store, order, _exists)
    fb = await svc.create(7, category="fault", content="broken", photos=[f"/api/v1/uploads/{name}"], order_id=5)
    assert (fb.photos, fb.station_id, fb.status) == ((f"https://cdn.example.com/api/v1/uploads/{name}",), 2, "open")
    for kw in ({"order_id": 6}, {"station_id": 3}, {"photos": ["/api/v1/uploads/" + "0" * 32 + ".png"]},
               {"photos": [f"/api/v1/uploads/{name}"] * 10}):
        with pytest.raises(ProfileError) as e:
            await svc.create(7, category="app", content="x", **kw)
        assert _code(e) == (400, "validation_error"), kw
    with pytest.raises(ProfileError):
        await svc.get(8, fb.id)
    assert (await svc.handle(fb.id, reply="seen")).status == "open"
    assert (await svc.handle(fb.id, status="processing")).reply == "seen"
    with pytest.raises(ProfileError) as e:
        await svc.handle(fb.id, status="closed")
    assert _code(e) == (409, "invalid_transition")
    await svc.handle(fb.id, status="resolved")
    assert (await svc.handle(fb.id, status="closed")).status == "closed"
    assert (await svc.handle(fb.id, status="closed")).status == "closed"       # idempotent


async def test_ratings():
    repo = FakeRatingRepository()
    repo.orders = {1: OrderRef(1, 7, "paid", 2), 2: OrderRef(2, 7, "charging", 2), 3: OrderRef(3, 8, "unpaid", 2)}
    svc = RatingService(repo, _exists, FakeClock())
    r = await svc.rate(7, 1, station_stars=5, experience_stars=4, comment=" fine ")
    assert (r.station_id, r.comment) == (2, "fine")
    for user, order in ((7, 2), (7, 3), (7, 99)):
        with pytest.raises(ProfileError) as e:
            await svc.rate(user, order, station_stars=1, experience_stars=1)
        assert _code(e) == (404, "not_found")
    with pytest.raises(ProfileError) as e:
        await svc.rate(7, 1, station_stars=1, experience_stars=1)
    assert _code(e) == (409, "already_rated")
    assert await svc.rated([1, 2, 3]) == {1}
    assert (await svc.reviews(2)).total == 1
    with pytest.raises(ProfileError):
        await svc.reviews(99)


async def test_uploads_are_sniffed_and_named_safely(tmp_path):
    store = UploadStore(tmp_path)
    assert sniff_image(b"\xff\xd8\xff\xdb") == "jpg" and sniff_image(b"GIF89a") is None
    with pytest.raises(ProfileError) as e:
        await store.save(b"GIF89a....")
    assert _code(e) == (415, "unsupported_media_type")
    name = await store.save(b"\xff\xd8\xff\xe0 jpeg")
    assert (tmp_path / name).read_bytes() == b"\xff\xd8\xff\xe0 jpeg" and await store.exists(name)
    assert store.url(name) == f"/api/v1/uploads/{name}"
    assert store.path("../x.png") is None and store.name_of("https://h/api/v1/uploads/../../x") is None
    assert not list(tmp_path.glob(".*.part"))
