"""Start and stop in order: what the CSMS has queued when it is told to stop (batched frames of the
message log, live figures) is written before the database closes, and a restart finds it."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.support.ocpp_client import RawClient
from tests.support.server import make_settings, start_csms, stop_csms


async def test_frames_queued_at_shutdown_are_written_before_the_database_closes(tmp_path):
    settings = make_settings(tmp_path, **{"ocpp.flush_interval": 60})      # nothing flushes on its own
    csms = await start_csms(settings)
    cp = await csms.a_charge_point("LIFE-1")
    client = await RawClient.open(csms.ocpp_url, cp["id"])
    try:
        await client.result("BootNotification", {"chargePointVendor": "Acme", "chargePointModel": "X1"})
        await client.result("Heartbeat", {})
    finally:
        await client.close()
    assert csms.container.batch.pending() > 0          # still queued when the stop begins

    await stop_csms(csms)

    engine = create_async_engine(settings.database.url)
    try:
        async with engine.connect() as conn:
            actions = [r[0] for r in await conn.execute(text(
                "SELECT action FROM ocpp_messages WHERE charge_point_id = 'LIFE-1' ORDER BY id"))]
    finally:
        await engine.dispose()
    assert actions.count("Heartbeat") == 2 and actions.count("BootNotification") == 2     # CALL and CALLRESULT

    again = await start_csms(settings)           # and the CSMS starts again on what it left
    try:
        status, frames = await again.get("/api/v1/admin/charge-points/LIFE-1/messages?action=Heartbeat")
        assert status == 200 and len(frames) == 2
    finally:
        await stop_csms(again)
