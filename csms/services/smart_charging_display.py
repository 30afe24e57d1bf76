"""Display messages (OCPP 2.0.1 block O), version-neutral: set, ask for and clear the messages a
station shows, and keep what the CSMS believes is shown. A version without display messages (1.6)
has no encoder: the gateway answers NotSupported."""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from csms.domain.requests import PartIn
from csms.domain.smart_charging import ClearDisplayMessage, DisplayMessage, GetDisplayMessages, SetDisplayMessage
from csms.services.clock import Clock
from csms.services.commands import Gateway
from csms.services.ids import next_request_id
from csms.services.requests import UNTRACKED


class DisplayMessageRepository(Protocol):
    async def put(self, cp_id: str, m: DisplayMessage) -> None: ...
    async def list(self, cp_id: str) -> list[DisplayMessage]: ...
    async def delete(self, cp_id: str, message_id: int) -> bool: ...
    async def next_id(self, cp_id: str) -> int: ...


class DisplayMessageService:
    def __init__(self, gateway: Gateway, messages: DisplayMessageRepository, clock: Clock, requests=UNTRACKED):
        self.gateway = gateway
        self.messages = messages
        self.clock = clock
        self.requests = requests      # ReportRequestService: GetDisplayMessages tracked (security feature)

    async def set(self, cp_id: str, message: DisplayMessage, *, new_id: bool = False) -> dict:
        """``new_id``: the operator gave none; the next free one of this station is used."""
        if new_id:
            message = replace(message, id=await self.messages.next_id(cp_id))
        result = await self.gateway.execute(cp_id, SetDisplayMessage(message))
        if result["status"] == "Accepted":
            await self.messages.put(cp_id, replace(message, source="csms", updated_at=self.clock.now()))
        return {**result, "id": message.id}

    async def request(self, cp_id: str, *, ids: tuple[int, ...] = (), priority: str | None = None,
                      state: str | None = None) -> dict:
        command = GetDisplayMessages(next_request_id(), ids, priority, state)
        return await self.requests.track(cp_id, "GetDisplayMessages", command.request_id,
                                         {"ids": list(ids), "priority": priority, "state": state},
                                         lambda: self.gateway.execute(cp_id, command))

    async def clear(self, cp_id: str, message_id: int) -> dict:
        result = await self.gateway.execute(cp_id, ClearDisplayMessage(message_id))
        await self.messages.delete(cp_id, message_id)     # Accepted, or Unknown: not shown either way
        return result

    async def reported(self, cp_id: str, messages: list[DisplayMessage], part: PartIn) -> None:
        for m in messages:
            await self.messages.put(cp_id, replace(m, source="reported", updated_at=self.clock.now()))
        await self.requests.part_received(cp_id, "display_messages", part)

    async def shown(self, cp_id: str) -> list[DisplayMessage]:
        return await self.messages.list(cp_id)
