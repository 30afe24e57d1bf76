"""Message size limits on the in-memory device model: learned values, the operator's, and the split."""

from __future__ import annotations

import pytest

from csms.domain.provisioning import DeviceVariable
from csms.services.message_limits import Limit, MessageLimits, MessageTooLarge
from tests.fakes import FakeClock
from tests.fakes_security import FakeDeviceModelRepository


def _reported(cp_id: str, variable: str, request: str, value: str) -> DeviceVariable:
    return DeviceVariable(cp_id, "DeviceDataCtrlr", variable, value=value, variable_instance=request)


async def _size(chunk: list) -> int:
    return 20 + sum(len(x) for x in chunk)       # a frame of 20 bytes plus its items


async def test_limits_come_from_the_reported_device_model_and_unknown_is_no_limit():
    repo = FakeDeviceModelRepository()
    await repo.put_variables([_reported("CP1", "ItemsPerMessage", "GetVariables", "3"),
                              _reported("CP1", "BytesPerMessage", "SetVariables", "100"),
                              _reported("CP1", "ItemsPerMessage", "GetReport", "not a number")])
    limits = await MessageLimits(repo, FakeClock()).limits("CP1")
    assert limits == {"GetVariables": Limit(3, None), "SetVariables": Limit(None, 100), "GetReport": Limit()}


async def test_split_by_items_and_bytes_keeps_the_order():
    limits = MessageLimits(FakeDeviceModelRepository(), FakeClock())
    await limits.set("CP1", "GetVariables", 2, None)
    assert await limits.split("CP1", "GetVariables", list("abcde"), _size) == [["a", "b"], ["c", "d"], ["e"]]
    await limits.set("CP1", "SetVariables", None, 30)
    items = ["x" * 4, "y" * 4, "z" * 4, "w" * 9]
    assert await limits.split("CP1", "SetVariables", items, _size) == [items[:2], items[2:3], items[3:]]
    assert await limits.split("CP1", "GetReport", items, _size) == [items]            # no limit known


async def test_one_item_above_the_byte_limit_cannot_be_sent():
    limits = MessageLimits(FakeDeviceModelRepository(), FakeClock())
    await limits.set("CP1", "SetVariables", None, 25)
    with pytest.raises(MessageTooLarge):
        await limits.split("CP1", "SetVariables", ["ab", "x" * 10], _size)


async def test_the_operators_value_is_replaced_by_the_stations_next_report():
    repo = FakeDeviceModelRepository()
    limits = MessageLimits(repo, FakeClock())
    await limits.set("CP1", "GetVariables", 5, None)
    await repo.put_variables([_reported("CP1", "ItemsPerMessage", "GetVariables", "8")])
    limits.forget("CP1")                     # what the provisioning service does on a report of these
    assert (await limits.limits("CP1"))["GetVariables"].items == 8
