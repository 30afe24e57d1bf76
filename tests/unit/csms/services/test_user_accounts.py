"""Drivers' accounts: a whole mobile number is found through its lookup hash (numbers are stored
encrypted), lists show it masked; blocking tells the driver; an answer to feedback reaches them."""

from __future__ import annotations

import pytest

from csms.domain.driver_events import DriverNotice
from csms.services.pii import PiiCipher, mask_phone
from csms.services.user_accounts import AccountError, UserAccounts, phone_query
from tests.fakes import FakeClock, RecordingBus
from tests.fakes_drivers import FakeUserRepository

CIPHER = PiiCipher(bytes(range(32)))


class Updates:
    """DriverUpdates' notice, recorded on a bus."""

    def __init__(self):
        self.bus = RecordingBus()

    async def notice(self, user_id: int, kind: str, data: dict) -> None:
        self.bus.publish(DriverNotice(user_id, kind, {"kind": kind, **data}))


@pytest.fixture
async def accounts():
    clock = FakeClock()
    users = FakeUserRepository(clock)
    for n, phone in enumerate(("13800138000", "13912345678", None)):
        user, _ = await users.upsert_by_openid(f"o-{n}", nickname=f"driver {n}")
        if phone:
            await users.update(user.id, phone_enc=CIPHER.encrypt(phone), phone_hash=CIPHER.lookup_hash(phone),
                               phone_masked=mask_phone(phone))
    return UserAccounts(users, CIPHER.lookup_hash, None, Updates(), clock)


@pytest.mark.parametrize("q, phone", [("13800138000", "13800138000"), ("+86 138-0013-8000", "13800138000"),
                                      ("008613912345678", "13912345678"), ("1380013800", None), ("driver", None),
                                      ("23800138000", None), (None, None)])
def test_a_search_names_a_mainland_mobile_number_in_any_common_spelling(q, phone):
    assert phone_query(q) == phone


async def test_a_whole_number_finds_its_driver_through_the_hash_and_parts_of_the_mask_still_match(accounts):
    page = await accounts.search("+86 139 1234 5678")
    assert [(u.openid, u.phone_masked) for u in page.items] == [("o-1", "139****5678")]
    assert [u.openid for u in (await accounts.search("5678")).items] == ["o-1"]          # masked digits
    assert [u.openid for u in (await accounts.search("driver")).items] == ["o-2", "o-1", "o-0"]
    assert (await accounts.search("13700000000")).total == 0


async def test_blocking_and_unblocking_tell_the_driver_and_filter_lists(accounts):
    before, after = await accounts.block(1, "unpaid debts")
    assert (before.blocked_at, after.blocked_reason) == (None, "unpaid debts") and after.blocked_at is not None
    assert [u.id for u in (await accounts.search(blocked=True)).items] == [1]
    assert 1 not in [u.id for u in (await accounts.search(blocked=False)).items]
    _, again = await accounts.block(1, "still unpaid")
    assert again.blocked_at == after.blocked_at and again.blocked_reason == "still unpaid"
    _, free = await accounts.unblock(1)
    assert (free.blocked_at, free.blocked_reason) == (None, None)
    assert [(e.user_id, e.kind, e.data.get("reason")) for e in accounts.updates.bus.events] == [
        (1, "account_blocked", "unpaid debts"), (1, "account_blocked", "still unpaid"), (1, "account_unblocked", None)]
    with pytest.raises(AccountError) as missing:
        await accounts.block(99, "x")
    assert (missing.value.status, missing.value.code) == (404, "not_found")
