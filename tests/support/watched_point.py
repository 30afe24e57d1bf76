"""A simulated OCPP 1.6 charge point that keeps score for reliability tests: which energy readings
the CSMS acknowledged, which transaction messages it refused or left unanswered, how often the
station booted; and a tripwire that calls back when a chosen CALL goes out (to kill or stop
something at that moment)."""

from __future__ import annotations

import time
from collections import Counter

from chargepoint_sim import ChargePoint16
from chargepoint_sim.link import CallTimeout, NotConnected
from chargepoint_sim.protocol import CallError

ENERGY = "Energy.Active.Import.Register"
TRANSACTION_MESSAGES = ("StartTransaction", "MeterValues", "StopTransaction")


class WatchedPoint(ChargePoint16):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.acked: list[tuple[int, str, str]] = []      # (transaction id, timestamp, Wh) acknowledged
        self.ack_times: list[float] = []                  # monotonic time of each acknowledged transaction message
        self.refused: Counter[str] = Counter()            # CALLERROR code / "timeout" / "disconnected" -> count
        self.boots = 0
        self.tripwire: dict[str, tuple[int, object]] = {}  # action -> (calls left before it trips, callback)
        self.transactions = []

    def trip_on(self, action: str, callback, after: int = 0) -> None:
        self.tripwire[action] = (after, callback)

    async def call(self, action: str, payload: dict, timeout: float | None = None) -> dict:
        wire = self.tripwire.get(action)
        if wire is not None:
            left, callback = wire
            if left <= 0:
                del self.tripwire[action]
                callback()
            else:
                self.tripwire[action] = (left - 1, callback)
        if action == "BootNotification":
            self.boots += 1
        try:
            return await super().call(action, payload, timeout)
        except CallError as exc:
            if action in TRANSACTION_MESSAGES:
                self.refused[exc.code] += 1
            raise
        except CallTimeout:
            if action in TRANSACTION_MESSAGES:
                self.refused["timeout"] += 1
            raise
        except NotConnected:
            if action in TRANSACTION_MESSAGES:
                self.refused["disconnected"] += 1
            raise

    def _begin_transaction(self, connector, id_tag, remote):
        tx = super()._begin_transaction(connector, id_tag, remote)
        self.transactions.append(tx)
        return tx

    def _queued_answered(self, message, response) -> None:
        super()._queued_answered(message, response)
        self.ack_times.append(time.monotonic())
        values = {"MeterValues": "meterValue", "StopTransaction": "transactionData"}.get(message.action)
        if values is None:
            return
        for mv in message.payload.get(values) or []:
            for sv in mv["sampledValue"]:
                if sv.get("measurand", ENERGY) == ENERGY:
                    self.acked.append((message.payload["transactionId"], mv["timestamp"], sv["value"]))
