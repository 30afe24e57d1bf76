"""A driver an operator blocked may not start a session (nor reserve: the same refusal), and is told
why; unblocked, they may again."""

from __future__ import annotations

import pytest

from csms.services.charging_start import StartRefused
from tests.unit.csms.services.world import CP


async def test_a_blocked_driver_is_refused_with_the_reason_and_may_start_once_unblocked(world):
    user = await world.a_driver(5000)
    await world.users.update(user, blocked_at=world.clock.now(), blocked_reason="chargeback fraud")
    with pytest.raises(StartRefused) as refused:
        await world.start.start(user, CP, 1, pay_mode="wallet")
    assert (refused.value.status, refused.value.code) == (403, "account_blocked")
    assert "chargeback fraud" in str(refused.value)
    assert world.orders.rows == {} and world.charger.sent == []

    await world.users.update(user, blocked_at=None, blocked_reason=None)
    order, _ = await world.start.start(user, CP, 1, pay_mode="wallet")
    assert order.state == "starting"
