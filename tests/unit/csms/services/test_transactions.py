from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from csms.domain import events
from csms.services.transactions import METER_BELOW_START
from tests.fakes import EPOCH
from tests.unit.builders import a_sample, a_transaction, a_value, an_id_tag, start_args


async def start(transactions, cp_id="CP1", **overrides):
    tx, _info = await transactions.start(cp_id, **start_args(**overrides))
    return tx


async def stop(transactions, tx, cp_id=None, **overrides):
    args = dict(transaction_id=tx.id, meter_stop_wh=tx.meter_start_wh + 5000, stopped_at=EPOCH,
                reason="Local", id_tag=None, samples=[])
    args.update(overrides)
    return await transactions.stop(cp_id or tx.charge_point_id, **args)


# -- start ---------------------------------------------------------------------------------------------
async def test_a_retried_start_returns_the_same_transaction(transactions, transaction_repo, bus):
    first, _ = await transactions.start("CP1", **start_args(meter_start_wh=1200))
    again, _ = await transactions.start("CP1", **start_args(meter_start_wh=1200))

    assert again.id == first.id
    assert len(transaction_repo.rows) == 1
    assert [e.transaction_id for e in bus.of(events.TransactionStarted)] == [first.id]


async def test_a_start_with_another_meter_reading_is_a_new_transaction(transactions, transaction_repo):
    first = await start(transactions, meter_start_wh=1200)
    second = await start(transactions, meter_start_wh=1300)

    assert second.id != first.id
    assert len(transaction_repo.rows) == 2


async def test_a_new_start_on_a_connector_abandons_the_active_one(transactions, transaction_repo):
    old = await start(transactions, started_at=EPOCH - timedelta(hours=2))
    elsewhere = await start(transactions, connector_id=2, evse_id=2, started_at=EPOCH - timedelta(hours=2))
    new = await start(transactions, started_at=EPOCH - timedelta(minutes=1), meter_start_wh=old.meter_start_wh + 10)

    assert (await transaction_repo.get(old.id)).status == "Abandoned"
    assert (await transaction_repo.get(new.id)).status == "Active"
    assert (await transaction_repo.get(elsewhere.id)).status == "Active"


async def test_an_abandoned_transaction_is_still_closed_by_its_late_stop(transactions, transaction_repo):
    old = await start(transactions, started_at=EPOCH - timedelta(hours=2), meter_start_wh=100)
    await start(transactions, started_at=EPOCH - timedelta(minutes=1), meter_start_wh=900)

    done, _ = await stop(transactions, old, meter_stop_wh=900)

    assert done.status == "Completed"
    assert done.energy_wh == 800


async def test_start_publishes_the_start(transactions, bus):
    tx = await start(transactions, id_tag=None, meter_start_wh=4321)

    [started] = bus.of(events.TransactionStarted)
    assert (started.transaction_id, started.charge_point_id, started.meter_start_wh) == (tx.id, "CP1", 4321)
    assert started.at == tx.started_at


async def test_start_answers_with_the_tags_authorization_but_records_the_transaction(transactions, id_tag_repo,
                                                                                    transaction_repo):
    blocked = an_id_tag(status="Blocked")
    id_tag_repo.rows[blocked.id_tag] = blocked

    tx, info = await transactions.start("CP1", **start_args(id_tag=blocked.id_tag))

    assert info.status == "Blocked"
    assert (await transaction_repo.get(tx.id)).id_tag == blocked.id_tag


# -- meter values --------------------------------------------------------------------------------------
async def test_meter_values_update_the_live_figures(transactions, transaction_repo, batch, bus, clock):
    tx = await start(transactions, meter_start_wh=1000)
    clock.advance(minutes=3)
    sample = a_sample(a_value(3500), a_value(7200, measurand="Power.Active.Import", unit="W"),
                      a_value(64, measurand="SoC", unit="Percent"), at=clock.now())

    await transactions.meter_values("CP1", evse_id=1, connector_id=1, transaction_id=tx.id, samples=[sample])
    await batch.flush()

    live = await transaction_repo.get(tx.id)
    assert (live.last_meter_wh, live.power_w, live.soc) == (3500, 7200, 64)
    assert live.updated_at == clock.now()
    [update] = bus.of(events.TransactionUpdated)
    assert (update.energy_wh, update.power_w, update.soc) == (3500 - 1000, 7200, 64)
    assert update.at == sample.timestamp


async def test_meter_values_become_rows_that_keep_what_each_value_said(transactions, batch):
    tx = await start(transactions)
    values = (a_value("1.5", measurand="Current.Import", phase="L1", unit="A", context="Sample.Periodic",
                      location="Outlet"),
              a_value("230.1", measurand="Voltage", phase="L2-N", unit="V", context="Sample.Clock", location="Inlet"),
              a_value("2.75", unit="kWh", context="Transaction.Begin"))
    sample = a_sample(*values, at=EPOCH)

    await transactions.meter_values("CP1", evse_id=1, connector_id=1, transaction_id=tx.id, samples=[sample])

    rows = batch.rows["meter_values"]
    assert len(rows) == len(values)
    for row, sv in zip(rows, values):
        assert (row["measurand"], row["phase"], row["unit"], row["context"], row["location"], row["value"]) == \
            (sv.measurand, sv.phase, sv.unit, sv.context, sv.location, sv.value)
        assert row["value_num"] == float(sv.value)
        assert (row["transaction_id"], row["timestamp"], row["charge_point_id"]) == (tx.id, EPOCH, "CP1")


async def test_a_kwh_register_is_stored_in_wh(transactions, transaction_repo, batch):
    tx = await start(transactions, meter_start_wh=0)
    reading = "12.345"

    await transactions.meter_values("CP1", evse_id=1, connector_id=1, transaction_id=tx.id,
                                samples=[a_sample(a_value(reading, unit="kWh"))])
    await batch.flush()

    assert (await transaction_repo.get(tx.id)).last_meter_wh == int(Decimal(reading) * 1000)


async def test_the_newest_sample_of_a_message_sets_the_live_register(transactions, transaction_repo, batch):
    tx = await start(transactions, meter_start_wh=0)
    newer = a_sample(a_value(900), at=EPOCH + timedelta(seconds=60))
    older = a_sample(a_value(500), at=EPOCH)

    await transactions.meter_values("CP1", evse_id=1, connector_id=1, transaction_id=tx.id, samples=[newer, older])
    await batch.flush()

    assert (await transaction_repo.get(tx.id)).last_meter_wh == 900


async def test_meter_values_for_another_charge_points_transaction_are_not_attached(transactions, transaction_repo, batch, bus):
    theirs = await start(transactions, cp_id="CP2")

    await transactions.meter_values("CP1", evse_id=1, connector_id=1, transaction_id=theirs.id,
                                samples=[a_sample(a_value(99999))])
    await batch.flush()

    assert [r["transaction_id"] for r in batch.rows["meter_values"]] == [None]
    assert (await transaction_repo.get(theirs.id)).last_meter_wh == theirs.meter_start_wh
    assert bus.of(events.TransactionUpdated) == []


async def test_meter_values_after_the_stop_do_not_move_the_final_figures(transactions, transaction_repo, batch):
    tx = await start(transactions, meter_start_wh=1000)
    await stop(transactions, tx, meter_stop_wh=3000)

    await transactions.meter_values("CP1", evse_id=1, connector_id=1, transaction_id=tx.id,
                                samples=[a_sample(a_value(5000))])
    await batch.flush()

    assert (await transaction_repo.get(tx.id)).last_meter_wh == 3000


# -- stop ----------------------------------------------------------------------------------------------
async def test_stop_computes_the_energy_and_closes_the_transaction(transactions, transaction_repo, bus, id_tag_repo):
    tag = an_id_tag()
    id_tag_repo.rows[tag.id_tag] = tag
    tx = await start(transactions, meter_start_wh=1000, id_tag=tag.id_tag)
    stopped_at = EPOCH + timedelta(minutes=40)

    done, info = await stop(transactions, tx, meter_stop_wh=8500, stopped_at=stopped_at, reason="EVDisconnected",
                            id_tag=tag.id_tag)

    assert info.status == "Accepted"
    stored = await transaction_repo.get(tx.id)
    assert stored == done
    assert (stored.status, stored.energy_wh, stored.meter_stop_wh) == ("Completed", 8500 - 1000, 8500)
    assert (stored.stopped_at, stored.stop_reason, stored.stop_id_tag, stored.anomaly) == \
        (stopped_at, "EVDisconnected", tag.id_tag, None)
    [published] = bus.of(events.TransactionStopped)
    assert (published.transaction_id, published.energy_wh, published.reason) == (tx.id, 7500, "EVDisconnected")


async def test_stop_queues_its_transaction_data_and_no_live_figure_outlives_the_final_record(
        transactions, meter_repo, batch, transaction_repo):
    tx = await start(transactions)
    await transactions.meter_values("CP1", evse_id=1, connector_id=1, transaction_id=tx.id,
                                samples=[a_sample(a_value(tx.meter_start_wh + 4000))])
    flushes = batch.flushes

    await stop(transactions, tx, meter_stop_wh=tx.meter_start_wh + 5000,
               samples=[a_sample(a_value(tx.meter_start_wh + 5000, context="Transaction.End"))])
    assert batch.flushes == flushes            # a stop storm must not serialise on flushes
    await batch.flush()

    rows = await meter_repo.list_for_transaction(tx.id)
    assert [r["context"] for r in rows][-1] == "Transaction.End"
    assert (await transaction_repo.get(tx.id)).last_meter_wh == tx.meter_start_wh + 5000


async def test_a_duplicate_stop_changes_nothing_and_publishes_once(transactions, transaction_repo, bus):
    tx = await start(transactions, meter_start_wh=1000)
    first, _ = await stop(transactions, tx, meter_stop_wh=6000, reason="Local")

    again, _ = await stop(transactions, tx, meter_stop_wh=7000, reason="Remote",
                          stopped_at=EPOCH + timedelta(minutes=5))

    assert again == first
    assert await transaction_repo.get(tx.id) == first
    assert len(bus.of(events.TransactionStopped)) == 1


async def test_a_meter_stop_below_the_start_is_recorded_flagged_and_billed_as_zero(transactions, transaction_repo, bus):
    tx = await start(transactions, meter_start_wh=5000)

    done, _ = await stop(transactions, tx, meter_stop_wh=4000)

    stored = await transaction_repo.get(tx.id)
    assert (stored.meter_stop_wh, stored.energy_wh, stored.anomaly) == (4000, 0, METER_BELOW_START)
    assert stored.status == "Completed"
    assert bus.of(events.TransactionStopped)[0].anomaly == METER_BELOW_START


async def test_stop_of_an_unknown_transaction_changes_nothing(transactions, transaction_repo, bus):
    known = await start(transactions)
    unknown = a_transaction(id=known.id + 100)

    done, info = await stop(transactions, unknown)

    assert (done, info) == (None, None)
    assert list(transaction_repo.rows) == [known.id]
    assert bus.of(events.TransactionStopped) == []


async def test_stop_of_another_charge_points_transaction_changes_nothing(transactions, transaction_repo, bus):
    theirs = await start(transactions, cp_id="CP2")

    done, _ = await stop(transactions, theirs, cp_id="CP1")

    assert done is None
    assert (await transaction_repo.get(theirs.id)).status == "Active"
    assert bus.of(events.TransactionStopped) == []


async def test_a_stop_that_loses_the_race_returns_the_winners_record(transactions, transaction_repo, bus):
    tx = await start(transactions, meter_start_wh=0)
    # the concurrent duplicate completes the transaction between our read and our compare-and-set
    real_transition = transaction_repo.transition

    async def racing_transition(tx_id, expected, **fields):
        await real_transition(tx_id, expected, **{**fields, "meter_stop_wh": 111, "energy_wh": 111})
        return await real_transition(tx_id, expected, **fields)

    transaction_repo.transition = racing_transition
    done, _ = await stop(transactions, tx, meter_stop_wh=999)

    assert done.meter_stop_wh == 111
    assert bus.of(events.TransactionStopped) == []


async def test_detail_gives_the_transaction_with_its_samples_in_time_order(transactions):
    tx = await start(transactions, meter_start_wh=0)
    await transactions.meter_values("CP1", evse_id=1, connector_id=1, transaction_id=tx.id, samples=[
        a_sample(a_value(200), at=EPOCH + timedelta(minutes=2)), a_sample(a_value(100), at=EPOCH)])

    found, samples = await transactions.detail(tx.id)

    assert found.id == tx.id and found.last_meter_wh == 200
    assert [s["value"] for s in samples] == ["100", "200"]
    assert await transactions.detail(tx.id + 1) is None


# -- authorization ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", ["Accepted", "Blocked", "Invalid", "ConcurrentTx"])
async def test_authorize_answers_the_stored_status(transactions, id_tag_repo, status):
    tag = an_id_tag(status=status, group_id="FLEET1")
    id_tag_repo.rows[tag.id_tag] = tag

    info = await transactions.authorize("CP1", tag.id_tag)

    assert (info.status, info.group_id) == (status, "FLEET1")


async def test_an_accepted_tag_past_its_expiry_is_expired(transactions, id_tag_repo, clock):
    tag = an_id_tag(expiry_date=clock.now() + timedelta(hours=1))
    id_tag_repo.rows[tag.id_tag] = tag

    before = await transactions.authorize("CP1", tag.id_tag)
    clock.advance(hours=2)
    after = await transactions.authorize("CP1", tag.id_tag)

    assert (before.status, before.expiry_date) == ("Accepted", tag.expiry_date)
    assert (after.status, after.expiry_date) == ("Expired", tag.expiry_date)


async def test_a_blocked_tag_stays_blocked_after_its_expiry(transactions, id_tag_repo, clock):
    tag = an_id_tag(status="Blocked", expiry_date=clock.now() - timedelta(days=1))
    id_tag_repo.rows[tag.id_tag] = tag

    assert (await transactions.authorize("CP1", tag.id_tag)).status == "Blocked"


async def test_an_empty_tag_is_invalid(transactions):
    assert (await transactions.authorize("CP1", "")).status == "Invalid"


async def test_a_tag_never_heard_of_is_unknown_for_the_adapters_to_spell(transactions):
    assert (await transactions.authorize("CP1", "NOSUCHTAG")).status == "Unknown"


# -- transaction_repo the charge point names (2.0.1) ---------------------------------------------------------
async def test_a_start_repeating_the_charge_points_transaction_id_is_the_same_transaction(transactions, transaction_repo):
    first = await start(transactions, ocpp_tx_id="tx-abc", started_at=EPOCH - timedelta(minutes=9))
    again = await start(transactions, ocpp_tx_id="tx-abc", started_at=EPOCH - timedelta(minutes=8),
                        meter_start_wh=first.meter_start_wh + 7)

    assert again.id == first.id
    assert len(transaction_repo.rows) == 1


async def test_a_late_started_event_moves_the_start_earlier_but_never_later(transactions, transaction_repo):
    tx = await start(transactions, ocpp_tx_id="tx-1", started_at=EPOCH, meter_start_wh=500)

    await transactions.correct_start(tx, started_at=EPOCH - timedelta(seconds=30), meter_start_wh=450)
    corrected = await transaction_repo.get(tx.id)
    await transactions.correct_start(corrected, started_at=EPOCH + timedelta(hours=1), meter_start_wh=None)

    stored = await transaction_repo.get(tx.id)
    assert (stored.started_at, stored.meter_start_wh) == (EPOCH - timedelta(seconds=30), 450)


async def test_a_driver_identified_after_the_start_is_recorded_once(transactions, transaction_repo, id_tag_repo):
    first, second = an_id_tag(), an_id_tag(status="Blocked")
    id_tag_repo.rows.update({first.id_tag: first, second.id_tag: second})
    tx = await start(transactions, ocpp_tx_id="tx-2", id_tag=None)

    info = await transactions.assign_id_tag(tx, first.id_tag)
    late = await transactions.assign_id_tag(await transaction_repo.get(tx.id), second.id_tag)

    assert (info.status, late.status) == ("Accepted", "Blocked")
    assert (await transaction_repo.get(tx.id)).id_tag == first.id_tag


async def test_live_figures_still_queued_at_the_stop_go_into_the_final_record(transactions, transaction_repo, batch):
    tx = await start(transactions)
    assert transactions.sequence(tx, 3, offline=True)
    assert not transactions.sequence(tx, 3, offline=True)          # the same seqNo again: a duplicate

    await stop(transactions, tx, meter_stop_wh=tx.meter_start_wh + 100)
    await batch.flush()

    stored = await transaction_repo.get(tx.id)
    assert (stored.offline, stored.seq_no, stored.last_meter_wh) == (True, 3, tx.meter_start_wh + 100)
