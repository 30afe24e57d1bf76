"""Migration 0017 keeps the alarms the security feature recorded: their new columns are filled as the
alarm service would have (kind, severity, dedup key, one open alarm per key, Cleared -> Resolved), on
SQLite and MariaDB."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from csms.db.session import upgrade

LEGACY = ("INSERT INTO alarms (charge_point_id, source, type, message, status, source_key, raised_at, cleared_at) "
          "VALUES ('CP1', 'security_event', 'TamperDetectionActivated', 'older', 'Raised', NULL, "
          "'2024-01-01 00:00:00', NULL), "
          "('CP1', 'security_event', 'TamperDetectionActivated', 'newer', 'Acknowledged', NULL, "
          "'2024-01-01 00:01:00', NULL), "
          "('CP1', 'device_event', 'Connector.Problem', 'p', 'Cleared', 'Connector/evse2/Problem', "
          "'2024-01-01 00:02:00', '2024-01-02 00:00:00')")


async def test_recorded_alarms_are_carried_over(db_url):
    engine = create_async_engine(db_url)
    try:
        await upgrade(engine, "0016")
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO stations (id, name, address, timezone, created_at, updated_at) "
                                    "VALUES (5, 's', '', 'Asia/Shanghai', '2024-01-01', '2024-01-01')"))
            await conn.execute(text("INSERT INTO charge_points (id, station_id, registration_status, "
                                    "security_profile, online, tolerant, created_at, updated_at) "
                                    "VALUES ('CP1', 5, 'Accepted', 0, 0, 0, '2024-01-01', '2024-01-01')"))
            await conn.execute(text(LEGACY))
        await upgrade(engine)
        async with engine.connect() as conn:
            rows = (await conn.execute(text(
                "SELECT message, kind, severity, status, dedup_key, open_key, station_id, evse_id, subject, count "
                "FROM alarms ORDER BY id"))).all()
        tamper = "security_event|CP1|0/0|TamperDetectionActivated"
        assert [tuple(r) for r in rows] == [
            ("older", "security_event", "critical", "Raised", tamper, None, 5, 0, "TamperDetectionActivated", 1),
            ("newer", "security_event", "critical", "Acknowledged", tamper, tamper, 5, 0, "TamperDetectionActivated",
             1),                                # the newest open one keeps the key
            ("p", "device_problem", "major", "Resolved", "device_problem|CP1|2/0|Connector/evse2/Problem", None, 5,
             2, "Connector/evse2/Problem", 1)]
    finally:
        await engine.dispose()
