"""Store-and-forward queue for transaction messages (StartTransaction, MeterValues with a transaction,
StopTransaction): sent strictly in order, one at a time; kept while offline and flushed after the next
boot; retried on timeout and on a CALLERROR InternalError (TransactionMessageAttempts /
TransactionMessageRetryInterval), dropped on any other CALLERROR. The owner (a charge point) provides
``call``, ``ready`` and the hooks ``_prepare_queued``, ``_queued_answered``, ``_max_attempts`` and
``_retry_interval``.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass
from typing import Any

from .link import CallTimeout, NotConnected
from .protocol import CallError
from .station import Transaction

log = logging.getLogger("chargepoint_sim")

# a central system that failed to process a message (its database away, say) may succeed later: the
# message is retried like an unanswered one (OCPP 1.6 "Error responses to transaction-related
# messages"); any other CALLERROR says the message itself is wrong, so it is dropped at once
RETRIED_ERRORS = frozenset({"InternalError"})


@dataclass(slots=True)
class OutboxMessage:
    action: str
    payload: dict
    tx: Transaction | None = None
    future: asyncio.Future | None = None
    attempts: int = 0


class Outbox:
    def __init__(self, owner: Any, max_size: int = 10_000):
        self.owner = owner
        self.queue: deque[OutboxMessage] = deque()
        self.task: asyncio.Task | None = None
        self.max_size = max_size  # storage is finite: beyond it the oldest MeterValues are dropped
        self.dropped = 0

    def __len__(self) -> int:
        return len(self.queue)

    def pending(self) -> list[tuple[str, dict]]:
        return [(m.action, m.payload) for m in self.queue]

    def put(self, action: str, payload: dict, tx: Transaction | None = None) -> asyncio.Future:
        message = OutboxMessage(action, payload, tx, asyncio.get_running_loop().create_future())
        if len(self.queue) >= self.max_size:
            self._drop_oldest_meter_values()
        self.queue.append(message)
        self.kick()
        return message.future

    def kick(self) -> None:
        """Start draining if the owner may send and nobody is draining already."""
        if self.owner.ready and self.queue and (self.task is None or self.task.done()):
            self.task = asyncio.get_running_loop().create_task(self._drain(), name=f"outbox-{self.owner.cp_id}")

    async def flush(self) -> None:
        """Drain now and wait until the queue is empty or sending stops (connection lost)."""
        self.kick()
        if self.task is not None:
            await asyncio.shield(self.task)

    async def _drain(self) -> None:
        owner = self.owner
        while self.queue and owner.ready and not owner._closing:
            message = self.queue[0]
            if not owner._prepare_queued(message):
                self.queue.popleft()
                self._settle(message, error=RuntimeError(f"{message.action} dropped: transaction unknown"))
                continue
            try:
                response = await owner.call(message.action, message.payload)
            except NotConnected:
                return  # keep it; sent after the next boot
            except CallTimeout as exc:
                message.attempts += 1
                if message.attempts >= owner._max_attempts():
                    log.warning("%s: %s dropped after %d attempts", owner.cp_id, message.action, message.attempts)
                    self.queue.popleft()
                    self._settle(message, error=exc)
                else:
                    await asyncio.sleep(owner._retry_interval() * message.attempts)
                continue
            except CallError as exc:
                message.attempts += 1
                if exc.code in RETRIED_ERRORS and message.attempts < owner._max_attempts():
                    log.info("%s: %s answered with CALLERROR %s, sent again", owner.cp_id, message.action, exc.code)
                    await asyncio.sleep(owner._retry_interval() * message.attempts)
                    continue
                log.warning("%s: %s answered with CALLERROR %s, dropped", owner.cp_id, message.action, exc.code)
                self.queue.popleft()
                self._settle(message, error=exc)
                continue
            self.queue.popleft()
            owner._queued_answered(message, response)
            self._settle(message, response=response)

    def _drop_oldest_meter_values(self) -> None:
        for index, queued in enumerate(self.queue):
            if index and queued.action == "MeterValues":  # index 0 may be in flight
                del self.queue[index]
                self._settle(queued, error=RuntimeError("MeterValues dropped: offline storage full"))
                self.dropped += 1
                return

    @staticmethod
    def _settle(message: OutboxMessage, response: dict | None = None, error: Exception | None = None) -> None:
        future = message.future
        if future is None or future.done():
            return
        if error is not None:
            future.set_exception(error)
            future.exception()  # mark retrieved: nobody may be waiting for it
        else:
            future.set_result(response)
