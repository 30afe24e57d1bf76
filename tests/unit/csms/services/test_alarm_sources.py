"""What raises and clears alarms, on fakes with a fake clock: connector status and error codes, boot
refusals, disconnect / reconnect flaps and the offline check after a restart, firmware failures, meter
anomalies, stuck transactions, payment failures and reconciliation mismatches."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from csms.domain import events
from csms.domain.alarms import AlarmQuery
from csms.domain.driver_events import PaymentFailed, ReconciliationMismatch
from tests.fakes import EPOCH
from tests.unit.builders import a_transaction
from tests.unit.csms.services.operations_world import ops


async def alarms_of(o, **query) -> list[tuple]:
    page = await o.alarms.list(AlarmQuery(**query))
    return [(a.kind, a.charge_point_id, a.connector_id, a.type, a.status, a.count) for a in page.items]


def status(cp: str, connector: int, state: str, code: str = "NoError", at=EPOCH) -> events.ConnectorStatusChanged:
    return events.ConnectorStatusChanged(cp, connector, connector, state, None, code, at)


async def test_faulted_or_an_error_code_is_a_connector_fault_and_available_clears_it(o):
    await o.sources.on_connector_status(status("CP1", 1, "Faulted", "GroundFailure"))
    await o.sources.on_connector_status(status("CP1", 2, "Available", "HighTemperature"))    # 1.6: a warning code
    await o.sources.on_connector_status(status("CP1", 3, "Charging"))
    o.clock.advance(60)
    await o.alarms.due()
    assert await alarms_of(o) == [("connector_fault", "CP1", 2, "HighTemperature", "Raised", 1),
                                  ("connector_fault", "CP1", 1, "GroundFailure", "Raised", 1)]
    await o.sources.on_connector_status(status("CP1", 1, "Faulted", "GroundFailure"))        # repeated: counted
    await o.sources.on_connector_status(status("CP1", 2, "Available"))
    assert await alarms_of(o) == [("connector_fault", "CP1", 2, "HighTemperature", "Resolved", 1),
                                  ("connector_fault", "CP1", 1, "GroundFailure", "Raised", 2)]


async def test_a_faulted_connector_that_recovers_within_the_debounce_raises_nothing(o):
    await o.sources.on_connector_status(status("CP1", 1, "Faulted", "GroundFailure"))
    o.clock.advance(30)
    await o.sources.on_connector_status(status("CP1", 1, "Available"))
    o.clock.advance(60)
    assert await o.alarms.due() == [] and await alarms_of(o) == []


async def test_a_disconnect_reconnect_flap_raises_nothing_and_a_long_absence_does(o):
    await o.sources.on_disconnected(events.ChargePointDisconnected("CP1", EPOCH))
    o.clock.advance(299)
    await o.sources.on_connected(events.ChargePointConnected("CP1", "ocpp1.6", o.clock.now()))
    o.clock.advance(600)
    assert await o.alarms.due() == []
    await o.sources.on_disconnected(events.ChargePointDisconnected("CP1", o.clock.now()))
    o.clock.advance(300)
    [alarm] = await o.alarms.due()
    assert (alarm.kind, alarm.charge_point_id) == ("charge_point_offline", "CP1")
    await o.sources.on_connected(events.ChargePointConnected("CP1", "ocpp1.6", o.clock.now()))
    assert await alarms_of(o) == [("charge_point_offline", "CP1", 0, "offline", "Resolved", 1)]


async def test_the_offline_check_finds_charge_points_away_since_before_a_restart(o):
    o.charge_points.rows["CP1"] = replace(o.charge_points.rows["CP1"], online=False,
                                          last_seen=EPOCH - timedelta(minutes=20))
    o.charge_points.rows["CP2"] = replace(o.charge_points.rows["CP2"], online=False,
                                          last_seen=EPOCH - timedelta(minutes=2))     # not long enough yet
    await o.charge_points.create(id="NEVER")                                          # never connected: not offline
    assert await o.sources.check_offline() == 1
    assert await o.sources.check_offline() == 1                # seen again: the same alarm, not counted
    assert await alarms_of(o) == [("charge_point_offline", "CP1", 0, "offline", "Raised", 1)]
    o.presence.connect("CP1", o.clock.now())                   # back (its connected event was missed)
    await o.sources.check_offline()
    assert await alarms_of(o) == [("charge_point_offline", "CP1", 0, "offline", "Resolved", 1)]


async def test_a_rejected_boot_raises_and_an_accepted_one_clears(o):
    await o.sources.on_booted(events.ChargePointBooted("CP1", "Rejected", "Acme", "X1", None, EPOCH))
    await o.sources.on_booted(events.ChargePointBooted("CP1", "Rejected", "Acme", "X1", None, EPOCH))
    assert await alarms_of(o) == [("boot_rejected", "CP1", 0, "Rejected", "Raised", 2)]
    await o.sources.on_booted(events.ChargePointBooted("CP1", "Pending", "Acme", "X1", None, EPOCH))
    assert (await alarms_of(o))[0][4] == "Raised"
    await o.sources.on_booted(events.ChargePointBooted("CP1", "Accepted", "Acme", "X1", None, EPOCH))
    assert (await alarms_of(o))[0][4] == "Resolved"


async def test_firmware_failures_of_both_versions_raise_and_an_installation_clears(o):
    def notice(kind: str, state: str) -> events.ChargePointNotice:
        return events.ChargePointNotice("CP1", kind, {"status": state, "request_id": 3}, EPOCH)
    await o.sources.on_notice(notice("firmware_status", "Downloading"))
    await o.sources.on_notice(notice("firmware_status", "DownloadFailed"))           # 1.6 core and 2.0.1
    await o.sources.on_notice(notice("firmware_status", "InstallationFailed"))
    await o.sources.on_notice(notice("publish_firmware_status", "InvalidChecksum"))  # 2.0.1 local controller
    await o.sources.on_notice(notice("diagnostics_status", "UploadFailed"))          # not firmware
    assert await alarms_of(o) == [("firmware_failure", "CP1", 0, "InvalidChecksum", "Raised", 1),
                                  ("firmware_failure", "CP1", 0, "InstallationFailed", "Raised", 2)]
    await o.sources.on_notice(notice("firmware_status", "Installed"))
    assert [a[4] for a in await alarms_of(o)] == ["Raised", "Resolved"]


async def test_a_register_going_backwards_in_reading_order_is_a_meter_anomaly(o):
    def update(energy: int, seconds: int) -> events.TransactionUpdated:
        return events.TransactionUpdated(5, "CP1", 1, energy, None, None, EPOCH + timedelta(seconds=seconds))
    await o.sources.on_transaction_updated(update(100, 10))
    await o.sources.on_transaction_updated(update(300, 30))
    await o.sources.on_transaction_updated(update(200, 20))     # an older reading delivered late: fine
    assert await alarms_of(o) == []
    await o.sources.on_transaction_updated(update(250, 40))     # newer than 300 Wh at 30 s, and less
    [alarm] = (await o.alarms.list(AlarmQuery())).items
    assert (alarm.kind, alarm.type, alarm.connector_id) == ("meter_anomaly", "meter_backwards", 1)
    assert "300 Wh back to 250 Wh" in alarm.message


async def test_a_stop_below_the_start_is_a_meter_anomaly(o):
    await o.sources.on_transaction_stopped(events.TransactionStopped(5, "CP1", 2, 0, "Local",
                                                                     "meter_stop_below_start", EPOCH))
    await o.sources.on_transaction_stopped(events.TransactionStopped(6, "CP1", 1, 900, "Local", None, EPOCH))
    assert await alarms_of(o) == [("meter_anomaly", "CP1", 2, "meter_stop_below_start", "Raised", 1)]


async def test_transactions_open_too_long_are_stuck_until_they_end():
    o = ops(stuck_hours=12)
    o.transactions.add(a_transaction(id=1, charge_point_id="CP1", connector_id=1,
                                     started_at=EPOCH - timedelta(hours=13)))
    o.transactions.add(a_transaction(id=2, charge_point_id="CP1", connector_id=2,
                                     started_at=EPOCH - timedelta(hours=11)))
    o.transactions.add(a_transaction(id=3, charge_point_id="CP2", connector_id=1, status="Completed",
                                     started_at=EPOCH - timedelta(days=2)))
    assert await o.sources.check_stuck() == 1
    await o.sources.check_stuck()
    [alarm] = (await o.alarms.list(AlarmQuery())).items
    assert (alarm.kind, alarm.subject, alarm.count) == ("stuck_transaction", "1", 1)
    await o.alarms.resolve(alarm.id, "alice", "asked the driver to unplug")
    await o.sources.check_stuck()                  # still open: not raised again once an operator resolved it
    assert (await o.alarms.list(AlarmQuery())).total == 1
    o.clock.advance(hours=2)
    assert await o.sources.check_stuck() == 2
    o.transactions.rows[2] = replace(o.transactions.rows[2], status="Completed")
    await o.sources.on_transaction_stopped(events.TransactionStopped(2, "CP1", 2, 10, "Local", None, EPOCH))
    o.transactions.rows[1] = replace(o.transactions.rows[1], status="Abandoned")     # replaced, no stop event
    await o.sources.check_stuck()
    assert sorted(a[4] for a in await alarms_of(o)) == ["Resolved", "Resolved"]


async def test_payment_failures_count_per_stage_and_a_mismatch_names_its_day(o):
    await o.sources.on_payment_failed(PaymentFailed("prepay", "P1", "timeout", EPOCH))
    await o.sources.on_payment_failed(PaymentFailed("prepay", "P2", "timeout", EPOCH))
    await o.sources.on_payment_failed(PaymentFailed("refund", "R1", "HTTP 500", EPOCH))
    report = {"missing_here": ["T1"], "missing_at_wechat": [], "amount_mismatch": [], "ours_total_fen": 100,
              "wechat_total_fen": 200}
    await o.sources.on_reconciliation_mismatch(ReconciliationMismatch(date(2024, 4, 30), report, EPOCH))
    rows = (await o.alarms.list(AlarmQuery())).items
    assert [(a.kind, a.subject, a.count, a.charge_point_id, a.severity) for a in rows] == [
        ("reconciliation_mismatch", "2024-04-30", 1, None, "critical"),
        ("payment_failure", "refund", 1, None, "major"), ("payment_failure", "prepay", 2, None, "major")]
    assert "1 paid at WeChat only" in rows[0].message and rows[2].message.endswith("P2: timeout")
