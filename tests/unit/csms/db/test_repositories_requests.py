"""The SQL report request repository, on SQLite and MariaDB: the same behaviour as the fake the
service tests use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from csms.db.repositories_requests import SqlReportRequestRepository
from csms.domain.requests import Part
from csms.services.clock import SystemClock

AT = datetime(2026, 1, 1, tzinfo=UTC)


async def test_report_request_repository(sf):
    repo = SqlReportRequestRepository(sf, SystemClock())
    req = await repo.create(charge_point_id="CP1", kind="GetBaseReport", request_id=2**31 - 1, status="requested",
                            params={"report_base": "FullInventory"}, at=AT)
    assert (req.status, req.params, req.parts_received, req.created_at) == (
        "requested", {"report_base": "FullInventory"}, 0, AT)
    assert await repo.transition(req.id, "accepted", status="receiving") is None
    moved = await repo.transition(req.id, "requested", status="accepted", answer="Accepted", updated_at=AT)
    assert (moved.status, moved.answer) == ("accepted", "Accepted")
    big = [{"component": {"name": "C" * 40}, "variable": {"name": f"V{i}"}} for i in range(2000)]  # > 64 KB
    assert await repo.add_part(req.id, Part(1, False, big, AT))
    assert await repo.add_part(req.id, Part(0, True, [], AT + timedelta(seconds=1)))
    assert not await repo.add_part(req.id, Part(0, True, [], AT))
    assert await repo.seq_nos(req.id) == [(0, True), (1, False)]
    parts = await repo.parts(req.id)
    assert [(p.seq_no, p.tbc, len(p.data)) for p in parts] == [(0, True, 0), (1, False, 2000)]
    assert parts[0].received_at == AT + timedelta(seconds=1)
    assert (await repo.find("CP1", 2**31 - 1, ("GetReport", "GetBaseReport"))).id == req.id
    assert await repo.find("CP1", 2**31 - 1, ("GetLog",)) is None
    assert await repo.find("CP2", 2**31 - 1) is None
    # the same key again replaces the old request and its parts
    again = await repo.create(charge_point_id="CP1", kind="GetBaseReport", request_id=2**31 - 1,
                              status="requested", params={}, at=AT + timedelta(hours=30))
    assert (again.params, again.status, await repo.seq_nos(again.id)) == ({}, "requested", [])
    log = await repo.create(charge_point_id="CP1", kind="GetLog", request_id=5, status="accepted", params={},
                            at=AT)
    page = await repo.list("CP1")
    assert ([r.id for r in page.items], page.total) == ([log.id, again.id], 2)
    assert [r.id for r in (await repo.list("CP1", kind="GetLog", status="accepted")).items] == [log.id]
    assert [r.id for r in await repo.waiting(frozenset({"accepted"}), AT + timedelta(seconds=1))] == [log.id]
    await repo.delete(log.id)
    assert await repo.get_pk(log.id) is None
