"""LocalListService: versions, full and differential updates, lists made from our id tags."""

from __future__ import annotations

from datetime import timedelta

import pytest

from csms.domain.models import IdTag
from csms.domain.reservations import LocalAuthEntry, SendLocalList
from csms.services.reservations import InvalidRequest
from tests.unit.csms.services.reservation_fixtures import (  # noqa: F401  (fixtures)
    clock, gateway, id_tag_repo, lists, local_lists, repo, service, transactions)

A = LocalAuthEntry("A", "Accepted")
B = LocalAuthEntry("B", "Blocked", group_id="G")


async def test_versions_count_up_from_the_stored_one_and_are_stored_only_when_accepted(local_lists, gateway, lists):
    assert await local_lists.send("CP1", update_type="Full", entries=[A, B]) == {"status": "Accepted", "version": 1}
    assert gateway.sent[-1] == ("CP1", SendLocalList(1, "Full", (A, B)))
    gateway.replies["SendLocalList"] = {"status": "Failed"}
    assert await local_lists.send("CP1", update_type="Full", entries=[A]) == {"status": "Failed", "version": 2}
    assert (await lists.get("CP1")).version == 1 and len((await lists.get("CP1")).entries) == 2
    gateway.replies["SendLocalList"] = {"status": "Accepted"}
    assert (await local_lists.send("CP1", update_type="Full", entries=[A], version=9))["version"] == 9
    assert (await local_lists.send("CP1", update_type="Differential", entries=[B]))["version"] == 10


async def test_differential_upserts_and_removes(local_lists, lists):
    await local_lists.send("CP1", update_type="Full", entries=[A, B])
    changed = LocalAuthEntry("A", "Expired")
    await local_lists.send("CP1", update_type="Differential", entries=[changed, LocalAuthEntry("B")])
    stored = await lists.get("CP1")
    assert (stored.version, stored.entries) == (2, (changed,))


async def test_full_from_id_tags_uses_their_effective_status(local_lists, gateway, id_tag_repo, clock):
    await id_tag_repo.put(IdTag("OLD", "Accepted", clock.now() - timedelta(days=1)))
    await id_tag_repo.put(IdTag("NEW", "Accepted", None, "FLEET"))
    await local_lists.send("CP1", update_type="Full", from_id_tags=True)
    sent = {e.id_tag: (e.status, e.group_id) for e in gateway.sent[-1][1].entries}
    assert sent == {"OLD": ("Expired", None), "NEW": ("Accepted", "FLEET")}


@pytest.mark.parametrize("kwargs,field", [
    (dict(update_type="Differential", from_id_tags=True), "from_id_tags"),
    (dict(update_type="Full", from_id_tags=True, entries=[A]), "entries"),
    (dict(update_type="Full", entries=[LocalAuthEntry("X")]), "entries"),
    (dict(update_type="Full", entries=[A, A]), "entries"),
    (dict(update_type="Partial"), "update_type"),
])
async def test_impossible_requests_send_nothing(local_lists, gateway, kwargs, field):
    with pytest.raises(InvalidRequest) as err:
        await local_lists.send("CP1", **kwargs)
    assert err.value.field == field and gateway.sent == []


async def test_get_version_is_the_charge_points_answer(local_lists, gateway):
    gateway.replies["GetLocalListVersion"] = {"status": "Accepted", "version": 4}
    assert await local_lists.get_version("CP1") == {"status": "Accepted", "version": 4}
