"""TransactionService: who may start a transaction (ConcurrentTx, the 2.0.1 master pass) and what a
token presented during one is answered; transactions of different EVSEs stay apart."""

from __future__ import annotations

from datetime import timedelta

import pytest

from csms.services.id_tags import IdTagService
from csms.services.transactions import TransactionService
from tests.fakes import EPOCH
from tests.unit.builders import an_id_tag, start_args


@pytest.fixture
def tag(id_tag_repo):
    t = an_id_tag(group_id="FLEET")
    id_tag_repo.rows[t.id_tag] = t
    return t.id_tag


@pytest.fixture
def master_pass():
    """The charge points' MasterPassGroupId lookup (the device model's, in the CSMS); records its calls."""
    groups = {"CP-MP": "POLICE"}
    calls = []

    async def lookup(cp_id: str):
        calls.append(cp_id)
        return groups.get(cp_id)
    lookup.calls = calls
    return lookup


@pytest.fixture
def transactions(transaction_repo, meter_repo, id_tag_repo, bus, batch, clock, master_pass):
    return TransactionService(transaction_repo, meter_repo, IdTagService(id_tag_repo, clock, master_pass), bus,
                              batch, clock)


async def test_a_tag_active_elsewhere_is_concurrent_tx_and_free_again_once_stopped(transactions, tag):
    first, info = await transactions.start("CP1", **start_args(id_tag=tag))
    assert info.status == "Accepted"
    again, info = await transactions.start("CP1", **start_args(id_tag=tag))        # a retry: same answer
    assert (again.id, info.status) == (first.id, "Accepted")
    for cp_id, evse in (("CP2", 1), ("CP1", 2)):
        tx, info = await transactions.start(cp_id, **start_args(id_tag=tag, evse_id=evse, connector_id=1,
                                                            ocpp_tx_id=f"{cp_id}-{evse}"))
        assert (info.status, info.group_id) == ("ConcurrentTx", "FLEET")
        await transactions.stop(cp_id, transaction_id=tx.id, meter_stop_wh=1000, stopped_at=EPOCH, reason="DeAuthorized",
                            id_tag=None, samples=[])
    await transactions.stop("CP1", transaction_id=first.id, meter_stop_wh=2000, stopped_at=EPOCH, reason="Local",
                        id_tag=tag, samples=[])
    _tx, info = await transactions.start("CP2", **start_args(id_tag=tag, started_at=EPOCH + timedelta(minutes=1)))
    assert info.status == "Accepted"


async def test_a_new_start_on_the_same_connector_is_not_concurrent(transactions, transaction_repo, tag):
    old, _ = await transactions.start("CP1", **start_args(id_tag=tag))
    _new, info = await transactions.start("CP1", **start_args(id_tag=tag, started_at=EPOCH))
    assert info.status == "Accepted"
    assert (await transaction_repo.get(old.id)).status == "Abandoned"


async def test_connector_1_of_another_evse_is_another_connector(transactions, transaction_repo):
    one, _ = await transactions.start("CP1", **start_args(evse_id=1, connector_id=1))
    two, _ = await transactions.start("CP1", **start_args(evse_id=2, connector_id=1, started_at=EPOCH))
    assert [(await transaction_repo.get(t.id)).status for t in (one, two)] == ["Active", "Active"]


async def test_only_accepted_tags_are_checked(transactions, id_tag_repo, tag):
    await transactions.start("CP1", **start_args(id_tag=tag))
    blocked = an_id_tag(status="Blocked")
    id_tag_repo.rows[blocked.id_tag] = blocked
    _tx, info = await transactions.start("CP2", **start_args(id_tag=blocked.id_tag))
    assert info.status == "Blocked"


async def test_the_master_pass_starts_nothing_but_is_accepted_otherwise(transactions, id_tag_repo, master_pass):
    police = an_id_tag(group_id="POLICE")
    id_tag_repo.rows[police.id_tag] = police
    _tx, info = await transactions.start("CP-MP", **start_args(id_tag=police.id_tag))
    assert (info.status, info.group_id) == ("Invalid", "POLICE")
    assert (await transactions.authorize("CP-MP", police.id_tag)).status == "Accepted"
    # another station has no such master pass group: an ordinary token there
    _tx, info = await transactions.start("CP-OTHER", **start_args(id_tag=police.id_tag, evse_id=3, connector_id=3))
    assert info.status == "ConcurrentTx"      # ... still in the refused transaction on CP-MP until it stops


async def test_the_master_pass_group_is_looked_up_only_for_tokens_with_a_group(transactions, id_tag_repo, master_pass):
    loner = an_id_tag()
    id_tag_repo.rows[loner.id_tag] = loner
    await transactions.start("CP-MP", **start_args(id_tag=loner.id_tag))
    assert master_pass.calls == []


async def test_a_token_during_a_transaction(transactions, id_tag_repo, transaction_repo, master_pass, tag):
    tx, _ = await transactions.start("CP-MP", **start_args())                     # plug-in first
    assert (await transactions.assign_id_tag(tx, tag)).status == "Accepted"
    tx = await transaction_repo.get(tx.id)
    assert tx.id_tag == tag
    police = an_id_tag(group_id="POLICE")
    id_tag_repo.rows[police.id_tag] = police
    # another token (the master pass about to stop it) is answered its own status, and not assigned
    assert (await transactions.assign_id_tag(tx, police.id_tag)).status == "Accepted"
    assert (await transaction_repo.get(tx.id)).id_tag == tag
    # the master pass as the first token of a transaction: refused
    other, _ = await transactions.start("CP-MP", **start_args(evse_id=2, started_at=EPOCH + timedelta(minutes=1)))
    assert (await transactions.assign_id_tag(other, police.id_tag)).status == "Invalid"
