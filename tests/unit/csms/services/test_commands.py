from __future__ import annotations

from typing import Any

import pytest

from csms.domain import commands as c
from csms.services.commands import CommandService, UnknownTransaction
from tests.unit.builders import a_transaction


class FakeGateway:
    """The Gateway Protocol, recording what was sent and answering Accepted."""

    def __init__(self, protocols: dict[str, str] | None = None):
        self.protocols = protocols or {"CP1": "ocpp1.6", "CP2": "ocpp1.6"}
        self.executed: list[tuple[str, Any]] = []
        self.calls: list[tuple[str, str, dict]] = []

    def protocol_of(self, cp_id: str) -> str | None:
        return self.protocols.get(cp_id)

    async def call(self, cp_id: str, action: str, payload: dict, timeout: float | None = None) -> dict:
        self.calls.append((cp_id, action, payload))
        return {"status": "Accepted", "echo": action}

    async def execute(self, cp_id: str, command: Any, timeout: float | None = None) -> dict:
        self.executed.append((cp_id, command))
        return {"status": "Accepted"}


@pytest.fixture
def gateway():
    return FakeGateway()


@pytest.fixture
def commands(gateway, transaction_repo):
    return CommandService(gateway, transaction_repo)


async def test_remote_stop_names_our_transaction_to_the_charge_point(commands, gateway, transaction_repo):
    tx = transaction_repo.add(a_transaction(charge_point_id="CP1", ocpp_tx_id=None))

    result = await commands.send("CP1", c.RemoteStop(tx.id))

    assert result == {"status": "Accepted"}
    assert gateway.executed == [("CP1", c.RemoteStop(tx.id, ocpp_tx_id=str(tx.id)))]


async def test_remote_stop_uses_the_charge_points_own_transaction_id_when_it_has_one(commands, gateway,
                                                                                     transaction_repo):
    tx = transaction_repo.add(a_transaction(charge_point_id="CP1", ocpp_tx_id="c0ffee-17"))

    await commands.send("CP1", c.RemoteStop(tx.id))

    assert gateway.executed[0][1].ocpp_tx_id == "c0ffee-17"


async def test_remote_stop_refuses_another_charge_points_transaction(commands, gateway, transaction_repo):
    theirs = transaction_repo.add(a_transaction(charge_point_id="CP2"))

    with pytest.raises(UnknownTransaction):
        await commands.send("CP1", c.RemoteStop(theirs.id))
    assert gateway.executed == []


async def test_remote_stop_refuses_a_transaction_that_does_not_exist(commands, gateway):
    with pytest.raises(UnknownTransaction):
        await commands.send("CP1", c.RemoteStop(424242))
    assert gateway.executed == []


async def test_a_remote_start_gets_a_fresh_remote_start_id_unless_it_has_one(commands, gateway):
    await commands.send("CP2", c.RemoteStart("TAG1", connector_id=1))
    await commands.send("CP2", c.RemoteStart("TAG1", connector_id=1))
    await commands.send("CP2", c.RemoteStart("TAG1", remote_start_id=5))

    ids = [cmd.remote_start_id for _, cmd in gateway.executed]
    assert ids[0] is not None and ids[1] == ids[0] + 1 and ids[2] == 5
    assert all(0 < i < 2 ** 31 for i in ids)


@pytest.mark.parametrize("command", [c.Reset("Hard"), c.UnlockConnector(2), c.ClearCache(),
                                     c.RemoteStart("TAG1", connector_id=1, remote_start_id=9)])
async def test_other_commands_go_to_the_gateway_unchanged(commands, gateway, command):
    await commands.send("CP2", command)

    assert gateway.executed == [("CP2", command)]


async def test_a_raw_call_is_passed_through(commands, gateway):
    answer = await commands.call("CP1", "GetLocalListVersion", {})

    assert gateway.calls == [("CP1", "GetLocalListVersion", {})]
    assert answer["echo"] == "GetLocalListVersion"
