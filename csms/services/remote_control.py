"""Remote start and stop of driver sessions: the commands a session sends its charge point, the stop
sent in the background (its answer changes nothing the driver waits for)."""

from __future__ import annotations

import logging

from csms.domain import commands as neutral
from csms.domain.orders import Order
from csms.services.background import Background
from csms.services.commands import CommandService

log = logging.getLogger(__name__)


class RemoteControl:
    def __init__(self, commands: CommandService, background: Background):
        self.commands = commands
        self.background = background

    async def start(self, order: Order) -> dict:
        """RemoteStartTransaction / RequestStartTransaction for the order's connector and id tag.
        Raises the domain's command errors (csms/domain/errors.py)."""
        return await self.commands.send(order.charge_point_id,
                                        neutral.RemoteStart(order.id_tag, order.connector_id,
                                                      remote_start_id=order.remote_start_id))

    def stop_later(self, cp_id: str, tx_id: int) -> None:
        self.background.spawn(self._stop(cp_id, tx_id), name=f"remote-stop-{tx_id}")

    async def _stop(self, cp_id: str, tx_id: int) -> None:
        try:
            result = await self.commands.send(cp_id, neutral.RemoteStop(tx_id))
            if result.get("status") != "Accepted":
                log.warning("%s refused to stop transaction %s: %s", cp_id, tx_id, result)
        except Exception as exc:
            log.warning("stop of transaction %s on %s failed: %s", tx_id, cp_id, exc)
