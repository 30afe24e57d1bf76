"""Plates, connector kinds, the driver status rule (and that the SQL version agrees with it), the
feedback lifecycle."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import Boolean, Integer, String, literal, select
from sqlalchemy.ext.asyncio import create_async_engine

from csms.db.repositories_station_map import kind_sql, rank_sql
from csms.domain.profile import (
    FEEDBACK,
    RANK_STATUS,
    connector_kind,
    connector_rank,
    driver_status,
    normalise_plate,
    valid_plate,
)


@pytest.mark.parametrize("text", ["粤B12345", "京A·8888学", "沪AD12345", "沪AFA1234", "粤B12345D", "川A 1234挂",
                                  "浙a-12b34"])
def test_valid_plates(text):
    assert valid_plate(normalise_plate(text))


@pytest.mark.parametrize("text", ["", "B12345", "粤12345", "粤B1234", "粤B123456", "粤BI2345", "粤BO2345",
                                  "粤BA12345", "粤BD12A45", "粤B1234D5", "粤B12345A", "XY12345", "粤B1234567"])
def test_invalid_plates(text):
    assert not valid_plate(normalise_plate(text))


def test_normalise_plate():
    assert normalise_plate(" 粤b·123 45 ") == "粤B12345"


KIND_CASES = [("CCS2", None, "dc"), ("ccs1", 0, "dc"), ("CHAdeMO", None, "dc"), ("GBT_DC", None, "dc"),
              ("DC_Combo", None, "dc"), ("cCCS2", None, "dc"), ("Type2", 43000, "ac"), ("GBT_AC", None, "ac"),
              ("AC3", None, "ac"), ("sType2", None, "ac"), (None, 22000, "ac"), (None, 22001, "dc"),
              ("Other", 60000, "dc"), ("Other", None, "ac"), (None, None, "ac")]


@pytest.mark.parametrize("type_,power,kind", KIND_CASES)
def test_connector_kind(type_, power, kind):
    assert connector_kind(type_, power) == kind


STATUSES = ["Available", "Preparing", "Charging", "SuspendedEV", "SuspendedEVSE", "Finishing", "Reserved",
            "Unavailable", "Faulted", "Occupied", "Unknown"]


def test_driver_status_rule():
    assert RANK_STATUS[connector_rank("Available", False, False)] == "free"
    assert RANK_STATUS[connector_rank("Preparing", False, False)] == "free"       # plugged in, then scanned
    assert RANK_STATUS[connector_rank("Occupied", False, False)] == "free"        # 2.0.1 plugged in
    assert RANK_STATUS[connector_rank("Occupied", True, False)] == "occupied"
    assert RANK_STATUS[connector_rank("Available", False, True)] == "reserved"
    assert RANK_STATUS[connector_rank("Charging", False, True)] == "occupied"
    assert RANK_STATUS[connector_rank("Faulted", True, True)] == "faulted"
    assert RANK_STATUS[connector_rank("Unavailable", False, False)] == "unavailable"
    assert driver_status(False, connector_rank("Available", False, False)) == "offline"
    # an EVSE shows its highest rank: faulted only when every connector is
    evse = lambda *ranks: RANK_STATUS[max(ranks)]
    assert evse(connector_rank("Faulted", False, False), connector_rank("Available", False, False)) == "free"
    assert evse(connector_rank("Faulted", False, False), connector_rank("Unavailable", False, False)) == "unavailable"


async def test_the_sql_rule_is_the_python_rule():
    engine = create_async_engine("sqlite+aiosqlite://")
    cases = list(itertools.product(STATUSES, (False, True), (False, True)))
    kinds = KIND_CASES
    async with engine.connect() as conn:
        for status, tx, reserved in cases:
            got = (await conn.execute(select(rank_sql(literal(status, String), literal(tx, Boolean),
                                                      literal(reserved, Boolean))))).scalar_one()
            assert got == connector_rank(status, tx, reserved), (status, tx, reserved)
        for type_, power, kind in kinds:
            got = (await conn.execute(select(kind_sql(literal(type_, String), literal(power, Integer))))).scalar_one()
            assert ("dc" if got == 1 else "ac") == kind, (type_, power)
    await engine.dispose()


def test_feedback_lifecycle():
    assert FEEDBACK.can("open", "processing") and FEEDBACK.can("open", "closed")
    assert FEEDBACK.can("processing", "resolved") and FEEDBACK.can("resolved", "closed")
    assert not FEEDBACK.can("open", "resolved") and not FEEDBACK.can("processing", "closed")
    assert not any(FEEDBACK.can("closed", s) for s in ("open", "processing", "resolved"))
    assert FEEDBACK.can("closed", "closed")      # setting the same status is a no-op


def test_the_map_rule_is_the_session_start_rule():
    """Cards, detail and scan (ranks, EVSE = its highest-ranked connector) say what
    csms.services.availability says when a session starts, for every EVSE of one or two connectors."""
    from csms.services.availability import connector_availability
    for size in (1, 2):
        for statuses in itertools.product(STATUSES, repeat=size):
            for online, tx, reserved in itertools.product((False, True), repeat=3):
                ours = driver_status(online, max(connector_rank(s, tx, reserved) for s in statuses))
                theirs = connector_availability(statuses, online=online, active_transaction=tx, reserved=reserved)
                assert ours == theirs, (statuses, online, tx, reserved)
