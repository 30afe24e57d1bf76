"""Simulated charge points (OCPP 1.6 and 2.0.1) that keep score for reliability tests: which energy
readings the CSMS acknowledged, which transaction messages it refused or left unanswered, how often
the station booted; and a tripwire that calls back when a chosen transaction message goes out (to
kill or stop something at that moment).

The moments are named the same in both versions (``MOMENTS``): "start" (1.6 StartTransaction, 2.0.1
TransactionEvent Started), "meter" (MeterValues in a transaction, TransactionEvent Updated carrying
meter values) and "stop" (StopTransaction, TransactionEvent Ended)."""

from __future__ import annotations

import time
from collections import Counter
from typing import ClassVar

from chargepoint_sim import ChargePoint16
from chargepoint_sim.link import CallTimeout, NotConnected
from chargepoint_sim.protocol import CallError
from chargepoint_sim.v201 import ChargePoint201

ENERGY = "Energy.Active.Import.Register"
MOMENTS = ("start", "meter", "stop")


class _Watched:
    """Mixed in before a simulator class; the version classes below name their transaction messages."""

    transaction_actions: frozenset[str] = frozenset()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.acked: list[tuple[int | str, str, str]] = []  # (its transaction id, timestamp, Wh) acknowledged
        self.ack_times: list[float] = []                  # monotonic time of each acknowledged transaction message
        self.refused: Counter[str] = Counter()            # CALLERROR code / "timeout" / "disconnected" -> count
        self.boots = 0
        self.tripwire: dict[str, tuple[int, object]] = {}  # moment -> (calls left before it trips, callback)
        self.transactions = []

    def trip_on(self, moment: str, callback, after: int = 0) -> None:
        """Call ``callback`` as the ``after``+1-th message of ``moment`` (MOMENTS) goes out."""
        self.tripwire[moment] = (after, callback)

    def moment(self, action: str, payload: dict) -> str | None:
        raise NotImplementedError

    def readings(self, action: str, payload: dict) -> tuple[int | str | None, list[dict]]:
        """(the transaction id the station knows, the meter values) of an outgoing transaction message."""
        raise NotImplementedError

    def retry_transaction_messages(self, attempts: int, interval: int) -> None:
        raise NotImplementedError

    async def call(self, action: str, payload: dict, timeout: float | None = None) -> dict:
        wire = self.tripwire.get(moment := self.moment(action, payload))
        if wire is not None:
            left, callback = wire
            if left <= 0:
                del self.tripwire[moment]
                callback()
            else:
                self.tripwire[moment] = (left - 1, callback)
        if action == "BootNotification":
            self.boots += 1
        try:
            return await super().call(action, payload, timeout)
        except CallError as exc:
            self._refused(action, exc.code)
            raise
        except CallTimeout:
            self._refused(action, "timeout")
            raise
        except NotConnected:
            self._refused(action, "disconnected")
            raise

    def _refused(self, action: str, why: str) -> None:
        if action in self.transaction_actions:
            self.refused[why] += 1

    def _begin_transaction(self, *args, **kwargs):
        tx = super()._begin_transaction(*args, **kwargs)
        self.transactions.append(tx)
        return tx

    def _queued_answered(self, message, response) -> None:
        super()._queued_answered(message, response)
        self.ack_times.append(time.monotonic())
        tx_id, values = self.readings(message.action, message.payload)
        for mv in values:
            for sv in mv["sampledValue"]:
                if sv.get("measurand", ENERGY) == ENERGY:
                    self.acked.append((tx_id, mv["timestamp"], str(sv["value"])))


class WatchedPoint(_Watched, ChargePoint16):
    transaction_actions = frozenset({"StartTransaction", "MeterValues", "StopTransaction"})
    _moments: ClassVar[dict[str, str]] = {"StartTransaction": "start", "MeterValues": "meter", "StopTransaction": "stop"}

    def moment(self, action: str, payload: dict) -> str | None:
        return self._moments.get(action)

    def readings(self, action: str, payload: dict) -> tuple[int | None, list[dict]]:
        values = {"MeterValues": "meterValue", "StopTransaction": "transactionData"}.get(action)
        return payload.get("transactionId"), (payload.get(values) or []) if values else []

    def retry_transaction_messages(self, attempts: int, interval: int) -> None:
        self.config.set("TransactionMessageAttempts", attempts)
        self.config.set("TransactionMessageRetryInterval", interval)


class WatchedPoint201(_Watched, ChargePoint201):
    transaction_actions = frozenset({"TransactionEvent"})
    _moments: ClassVar[dict[str, str]] = {"Started": "start", "Updated": "meter", "Ended": "stop"}

    def moment(self, action: str, payload: dict) -> str | None:
        if action != "TransactionEvent" or (payload["eventType"] == "Updated" and not payload.get("meterValue")):
            return None             # an Updated event without meter values (a charging state changed)
        return self._moments[payload["eventType"]]

    def readings(self, action: str, payload: dict) -> tuple[str | None, list[dict]]:
        if action != "TransactionEvent":
            return None, []
        return payload["transactionInfo"]["transactionId"], payload.get("meterValue") or []

    def retry_transaction_messages(self, attempts: int, interval: int) -> None:
        self.config.set("OCPPCommCtrlr.MessageAttempts.TransactionEvent", attempts)
        self.config.set("OCPPCommCtrlr.MessageAttemptInterval.TransactionEvent", interval)


WATCHED = {"1.6": WatchedPoint, "2.0.1": WatchedPoint201}
