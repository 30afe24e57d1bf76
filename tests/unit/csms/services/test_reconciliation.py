"""The reconciliation sweep: what each step finds, what it does about it, and that it asks nothing it
need not ask."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from csms.domain import commands as neutral
from csms.domain.errors import NotConnected
from csms.services.reconciliation import Ports, ReconcileConfig, Reconciliation
from tests.fakes import (
    FakeChargePointRepository,
    FakeClock,
    FakeConnectorRepository,
    FakePresence,
    FakeTransactionRepository,
)

CONFIG = ReconcileConfig(silent_after=timedelta(minutes=10), stale_status=timedelta(minutes=60),
                         silent_transaction=timedelta(minutes=15), review_after=timedelta(hours=24), max_asks=10)


class Recorder:
    def __init__(self, offline: set[str] = frozenset()):
        self.sent: list[tuple[str, object]] = []
        self.gone: list[str] = []
        self.flagged: list[int] = []
        self.offline = offline

    async def send(self, cp_id, command):
        if cp_id in self.offline:
            raise NotConnected(cp_id)
        self.sent.append((cp_id, command))
        return {"status": "Accepted"}

    async def disconnected(self, cp_id, current):
        self.gone.append(cp_id)

    async def open_orders(self, *, charge_point_id=None, connector_id=None):
        return [SimpleNamespace(id=7, charge_point_id=charge_point_id)] if charge_point_id == "OLD" else []

    async def flag(self, order):
        self.flagged.append(order.id)
        return order


async def world():
    clock = FakeClock()
    cps, connectors, txs = FakeChargePointRepository(clock), FakeConnectorRepository(), FakeTransactionRepository(clock)
    presence, rec = FakePresence(), Recorder()
    rec_ports = Ports(presence=presence, commands=rec, chargers=rec, orders=rec, reviews=rec)
    return clock, cps, connectors, txs, presence, rec, Reconciliation(cps, connectors, txs, rec_ports, clock, CONFIG)


async def test_silent_charge_points_that_no_node_holds_are_marked_offline():
    clock, cps, _, _, presence, rec, sweep = await world()
    now = clock.now()
    await cps.create(id="GONE", online=True, last_seen=now - timedelta(minutes=11))
    await cps.create(id="RECENT", online=True, last_seen=now - timedelta(minutes=2))     # within the grace
    await cps.create(id="HELD", online=True, last_seen=now - timedelta(hours=1))         # another node holds it
    await cps.create(id="OFF", online=False, last_seen=now - timedelta(hours=1))
    presence.connect("HELD", now, "ocpp1.6")
    done = await sweep.sweep()
    assert rec.gone == ["GONE"] and done["offline"] == 1


async def test_stale_connectors_of_connected_charge_points_are_asked_for_their_status():
    clock, _, connectors, _, presence, rec, sweep = await world()
    now = clock.now()
    for cp_id, at in (("A16", now - timedelta(hours=2)), ("B201", now - timedelta(hours=2)),
                      ("FRESH", now - timedelta(minutes=5)), ("AWAY", now - timedelta(hours=2))):
        await connectors.set_status(cp_id, 2, 1, status="Available", error_code="NoError", info=None,
                                    vendor_error_code=None, at=at)
    presence.connect("A16", now, "ocpp1.6")
    presence.connect("B201", now, "ocpp2.0.1")
    presence.connect("FRESH", now, "ocpp1.6")
    done = await sweep.sweep()
    assert sorted(rec.sent, key=lambda x: x[0]) == [
        ("A16", neutral.TriggerMessage("StatusNotification", 1)),       # 1.6: the connector
        ("B201", neutral.TriggerMessage("StatusNotification", 2))]      # 2.0.1: the EVSE
    assert done["status_asked"] == 2


async def test_silent_201_transactions_are_asked_and_long_open_ones_go_to_review():
    clock, _, _, txs, presence, rec, sweep = await world()
    start = clock.now()
    silent, _ = await txs.start(charge_point_id="V2", evse_id=1, connector_id=1, id_tag="T", started_at=start,
                                meter_start_wh=0, ocpp_tx_id="tx-1", reservation_id=None)
    await txs.start(charge_point_id="V16", evse_id=1, connector_id=1, id_tag="T", started_at=start,
                    meter_start_wh=0, ocpp_tx_id=None, reservation_id=None)
    await txs.start(charge_point_id="OLD", evse_id=1, connector_id=1, id_tag="T",
                    started_at=start - timedelta(hours=30), meter_start_wh=0, ocpp_tx_id=None, reservation_id=None)
    presence.connect("V2", start, "ocpp2.0.1")
    presence.connect("V16", start, "ocpp1.6")
    clock.advance(minutes=20)
    done = await sweep.sweep()
    assert rec.sent == [("V2", neutral.GetTransactionStatus(silent.id))]   # 1.6 has no such question
    assert rec.flagged == [7] and done["review"] == 1


async def test_a_sweep_asks_at_most_max_asks_and_survives_an_offline_charger():
    clock, _, connectors, _, presence, rec, sweep = await world()
    old = clock.now() - timedelta(hours=3)
    for n in range(15):
        await connectors.set_status(f"CP{n:02d}", 1, 1, status="Available", error_code="NoError", info=None,
                                    vendor_error_code=None, at=old)
        presence.connect(f"CP{n:02d}", clock.now(), "ocpp1.6")
    rec.offline = {"CP00"}                  # went away between the presence check and the command
    done = await sweep.sweep()
    assert done["status_asked"] == 9 and len(rec.sent) == 9      # 10 asks, one of which failed
