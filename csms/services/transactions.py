"""Transactions as charge points report them: start, meter values, stop (1.6), and the events of an
event-based transaction (2.0.1 TransactionEvent: started / updated / ended, possibly repeated, out of
order, offline). Idempotent against retries and store-and-forward. Version-neutral: the adapters in
csms/ocpp/<version>/handlers.py only translate.

Steps other areas take part in are called here, in order, rather than wrapped around the handlers:
a reservation used by a transaction (reservations), and the running and final cost of an event-based
transaction (tariffs, 2.0.1 block I)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from csms import metrics
from csms.domain import events
from csms.domain.models import (IdTagInfo, MeterSample, Transaction, TransactionEventAnswer,
                                TransactionEventIn)
from csms.domain.repositories import BatchSink, MeterValueRepository, TransactionRepository
from csms.domain.meter import ENERGY, latest, number, register_samples
from csms.domain.states import TRANSACTION
from csms.services.clock import Clock
from csms.services.id_tags import IdTagService

log = logging.getLogger(__name__)

METER_BELOW_START = "meter_stop_below_start"


# -- meter_values rows ----------------------------------------------------------------------------------
def rows(cp_id: str, evse_id: int, connector_id: int, tx_id: int | None, samples: list[MeterSample]) -> list[dict]:
    """meter_values rows, one per sampled value."""
    out = []
    for sample in samples:
        at = sample.timestamp.isoformat()
        for sv in sample.values:
            n = number(sv.value)
            measurand = sv.measurand or ENERGY
            out.append({
                "charge_point_id": cp_id, "evse_id": evse_id, "connector_id": connector_id,
                "transaction_id": tx_id, "timestamp": sample.timestamp,
                "measurand": measurand, "phase": sv.phase, "unit": sv.unit, "context": sv.context,
                "location": sv.location, "format": sv.format, "value": str(sv.value)[:64],
                "value_num": float(n) if n is not None else None,
                "sample_key": sample_key(evse_id, connector_id, at, measurand, sv.phase, sv.location, sv.context),
            })
    return out


def sample_key(*where_when_what) -> int:
    """One sampled value's identity within its charge point, as a positive 63-bit integer: a charger
    that replays a message (never answered, or answered before a crash) sends the same samples."""
    digest = hashlib.blake2b("|".join(map(str, where_when_what)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


# -- the service ----------------------------------------------------------------------------------------
class ReservationUse(Protocol):
    """csms/services/reservations.py ReservationService: a transaction used this reservation."""
    async def used(self, cp_id: str, reservation_id: int, transaction_id: int | None) -> object: ...
    async def used_by_tag(self, cp_id: str, id_tag: str, transaction_id: int) -> object: ...


class Bill(Protocol):
    total_fen: int


class CostQuote(Protocol):
    """csms/services/tariffs.py TransactionCosts: what a transaction costs so far, and in the end."""
    async def running(self, tx: Transaction, new: Sequence[tuple[datetime, int]]) -> Bill | None: ...
    async def final(self, tx: Transaction) -> Bill | None: ...
    def forget(self, tx_id: int) -> None: ...


class TransactionService:
    def __init__(self, transaction_repo: TransactionRepository, meter_value_repo: MeterValueRepository,
                 id_tags: IdTagService, bus, batch: BatchSink, clock: Clock,
                 reservations: ReservationUse | None = None, costs: CostQuote | None = None):
        self.transaction_repo = transaction_repo
        self.meter_value_repo = meter_value_repo
        self.id_tags = id_tags
        self.bus = bus
        self.batch = batch
        self.clock = clock
        self.reservations = reservations
        self.costs = costs
        self._active: dict[int, Transaction] = {}   # cache of running transactions for MeterValues
        self._seq: dict[int, set[int]] = {}          # 2.0.1 seqNos seen per running transaction

    async def authorize(self, cp_id: str, id_tag: str) -> IdTagInfo:
        return await self.id_tags.authorize(id_tag)

    async def start(self, cp_id: str, *, evse_id: int, connector_id: int, id_tag: str | None, meter_start_wh: int,
                    started_at: datetime, reservation_id: int | None = None,
                    ocpp_tx_id: str | None = None, remote_start_id: int | None = None) -> tuple[Transaction, IdTagInfo]:
        """Record a transaction the charge point has started. A repeat of the same start (retry,
        store-and-forward) returns the transaction already recorded, with the same answer."""
        info = await self.id_tags.authorize(id_tag) if id_tag else IdTagInfo("Accepted")
        tx, created = await self.transaction_repo.start(
            charge_point_id=cp_id, evse_id=evse_id, connector_id=connector_id, id_tag=id_tag,
            started_at=started_at, meter_start_wh=meter_start_wh, ocpp_tx_id=ocpp_tx_id,
            reservation_id=reservation_id)
        if id_tag:
            info = await self._start_verdict(tx, id_tag, info)
        if not created:
            log.info("%s repeated the start of transaction %s", cp_id, tx.id)
            return tx, info
        for other in await self.transaction_repo.active_on(cp_id, connector_id):
            # 2.0.1 numbers connectors per EVSE: connector 1 of another EVSE is another connector
            if other.id != tx.id and other.evse_id == evse_id and other.started_at <= started_at:
                TRANSACTION.check(other.status, "Abandoned")
                await self.transaction_repo.transition(other.id, "Active", status="Abandoned")
                self._active.pop(other.id, None)
                if self.costs is not None:
                    self.costs.forget(other.id)
                log.warning("%s connector %s: transaction %s never stopped; marked Abandoned",
                            cp_id, connector_id, other.id)
        if remote_start_id is not None:   # correlates the transaction to the API request that asked for it
            tx = await self.transaction_repo.transition(tx.id, "Active", remote_start_id=remote_start_id) or tx
        self._active[tx.id] = tx
        if reservation_id is not None:     # one held for its id tag is found after the answer (subscriptions)
            await self._use_reservation(cp_id, reservation_id, tx.id, None)
        metrics.TRANSACTIONS.labels("started").inc()
        self.bus.publish(events.TransactionStarted(tx.id, cp_id, connector_id, id_tag, meter_start_wh, started_at,
                                                  tx.reservation_id))
        return tx, info

    async def _start_verdict(self, tx: Transaction, id_tag: str, info: IdTagInfo) -> IdTagInfo:
        """May ``id_tag`` start ``tx``? An accepted tag may not when it is the charge point's master
        pass (2.0.1 C16: it only stops; answered Invalid) or when it is in another active transaction
        (ConcurrentTx; one on the same connector is being replaced, see Abandoned)."""
        if info.status != "Accepted":
            return info
        if await self.id_tags.is_master_pass(tx.charge_point_id, info):
            return replace(info, status="Invalid")
        running = await self.transaction_repo.active_with_id_tag(id_tag)
        here = (tx.charge_point_id, tx.evse_id, tx.connector_id)
        if any(o.id != tx.id and (o.charge_point_id, o.evse_id, o.connector_id) != here for o in running):
            return replace(info, status="ConcurrentTx")
        return info

    async def correct_start(self, tx: Transaction, *, started_at: datetime, meter_start_wh: int | None) -> Transaction:
        """A Started event that arrives after a later event of the same transaction fixes its start."""
        fields = {}
        if started_at < tx.started_at:
            fields["started_at"] = started_at
        if meter_start_wh is not None and meter_start_wh != tx.meter_start_wh:
            fields["meter_start_wh"] = meter_start_wh
        if not fields:
            return tx
        self._active.pop(tx.id, None)
        return await self.transaction_repo.transition(tx.id, tx.status, **fields) or tx

    async def assign_id_tag(self, tx: Transaction, id_tag: str) -> IdTagInfo:
        """A token presented during a 2.0.1 transaction: the driver identified after it began (plug-in
        first) or its own token again get the start verdict; another token (one about to stop it:
        a group member, a master pass) gets its plain status."""
        info = await self.id_tags.authorize(id_tag)
        if tx.id_tag is None:
            await self.transaction_repo.transition(tx.id, tx.status, id_tag=id_tag)
            self._active.pop(tx.id, None)
            return await self._start_verdict(tx, id_tag, info)
        if tx.id_tag == id_tag:
            return await self._start_verdict(tx, id_tag, info)
        return info

    def sequence(self, tx: Transaction, seq_no: int, offline: bool) -> bool:
        """Record a 2.0.1 event's seqNo; False when this seqNo was seen already (a duplicate)."""
        seen = self._seq.setdefault(tx.id, set())
        if seq_no in seen:
            return False
        seen.add(seq_no)
        highest = max(seq_no, tx.seq_no if tx.seq_no is not None else -1, max(seen))
        live = {"seq_no": highest}
        if offline:
            live["offline"] = True
        self.batch.update_latest("transactions", tx.id, live)
        return True

    async def event(self, cp_id: str, ev: TransactionEventIn) -> TransactionEventAnswer:
        """One event of an event-based transaction. The first event seen of a transaction starts it
        (a late Started corrects its start); a token presented later identifies the driver (plug in
        first, then authorize) or, with StopAuthorized, the one stopping it; a repeated seqNo adds
        nothing twice; Ended stops it. The answer carries the token's verdict and the cost."""
        register = latest(list(ev.samples))[0]
        ended = ev.kind == "ended"
        info = None
        tx = await self.transaction_repo.get_by_ocpp_id(cp_id, ev.ocpp_tx_id)
        if tx is None:      # started, or the first event to arrive of a transaction (out of order)
            tx, info = await self.start(
                cp_id, evse_id=ev.evse_id or 1, connector_id=ev.connector_id or 1, id_tag=ev.id_tag,
                meter_start_wh=register if register is not None else 0, started_at=ev.at,
                reservation_id=ev.reservation_id, ocpp_tx_id=ev.ocpp_tx_id, remote_start_id=ev.remote_start_id)
        else:
            if ev.kind == "started":
                tx = await self.correct_start(tx, started_at=ev.at, meter_start_wh=register)
            identified = bool(ev.id_tag) and not ended and not ev.stop_authorized and tx.id_tag is None
            if ev.id_tag and not ended:
                info = (await self.authorize(cp_id, ev.id_tag) if ev.stop_authorized
                        else await self.assign_id_tag(tx, ev.id_tag))
            if ev.reservation_id is not None or identified:   # a later event names the reservation, or
                # the driver (plug in first, then authorize): a reservation held for them is used now
                await self._use_reservation(cp_id, ev.reservation_id, tx.id, ev.id_tag if identified else None)
        fresh = self.sequence(tx, ev.seq_no, ev.offline)
        bill = None
        if ended:       # without a reading of its own, it stops at the last one seen (stop())
            done, stop_info = await self.stop(
                cp_id, transaction_id=tx.id, meter_stop_wh=register, stopped_at=ev.at,
                reason=ev.stopped_reason or "Local", id_tag=ev.id_tag, samples=list(ev.samples))
            info = info or stop_info
            tx = done or tx
            if self.costs is not None:
                bill = await self.costs.final(tx)        # I03: the final cost in the Ended answer
        else:
            if ev.samples and fresh:         # a repeated event (same seqNo) adds nothing twice
                await self.meter_values(cp_id, evse_id=tx.evse_id, connector_id=tx.connector_id,
                                        transaction_id=tx.id, samples=list(ev.samples))
            elif fresh:      # its seqNo (and offline flag) are what it acknowledges: committed first
                await self.batch.durable()
            if self.costs is not None and ev.kind != "started" and tx.status == "Active":
                # I02.FR.01: the running cost in the answer instead of a CostUpdated
                bill = await self.costs.running(tx, register_samples(list(ev.samples)))
        return TransactionEventAnswer(tx, info if ev.id_tag else None, bill.total_fen if bill is not None else None)

    async def _use_reservation(self, cp_id: str, reservation_id: int | None, tx_id: int, id_tag: str | None) -> None:
        """The reservation a transaction used: the one it names, else one held for its id tag."""
        if self.reservations is None:
            return
        if reservation_id is not None:
            await self.reservations.used(cp_id, reservation_id, tx_id)
        elif id_tag:
            await self.reservations.used_by_tag(cp_id, id_tag, tx_id)

    async def _running(self, cp_id: str, tx_id: int) -> Transaction | None:
        tx = self._active.get(tx_id)
        if tx is None:
            tx = await self.transaction_repo.get(tx_id)
            if tx is not None and tx.status == "Active":
                self._active[tx_id] = tx
        if tx is not None and tx.charge_point_id != cp_id:
            log.warning("%s sent meter values for transaction %s of %s", cp_id, tx_id, tx.charge_point_id)
            return None
        return tx

    async def find(self, cp_id: str, *, tx_id: int | None = None, ocpp_tx_id: str | None = None) -> Transaction | None:
        if tx_id is not None:
            return await self._running(cp_id, tx_id)
        return await self.transaction_repo.get_by_ocpp_id(cp_id, ocpp_tx_id)

    async def meter_values(self, cp_id: str, *, evse_id: int, connector_id: int, transaction_id: int | None,
                           samples: list[MeterSample]) -> None:
        tx = await self._running(cp_id, transaction_id) if transaction_id is not None else None
        for row in rows(cp_id, evse_id, connector_id, tx.id if tx else None, samples):
            self.batch.insert("meter_values", row)
        if samples:        # answered only once they are committed (group commit: csms/db/batch.py)
            await self.batch.durable()
        if tx is None or tx.status != "Active":
            return
        register, power, soc = latest(samples)
        live = {"updated_at": self.clock.now()}
        if register is not None:
            live["last_meter_wh"] = register
        if power is not None:
            live["power_w"] = power
        if soc is not None:
            live["soc"] = soc
        self.batch.update_latest("transactions", tx.id, live)
        energy = max(0, register - tx.meter_start_wh) if register is not None else 0
        at = max(s.timestamp for s in samples) if samples else self.clock.now()
        self.bus.publish(events.TransactionUpdated(tx.id, cp_id, connector_id, energy, power, soc, at))

    async def stop(self, cp_id: str, *, transaction_id: int, meter_stop_wh: int | None, stopped_at: datetime,
                   reason: str | None, id_tag: str | None, samples: list[MeterSample]) -> tuple[Transaction | None, IdTagInfo | None]:
        """Close a transaction. A repeated stop changes nothing; a meter below its start is recorded
        and flagged, and billed as zero energy."""
        info = await self.id_tags.authorize(id_tag) if id_tag else None
        tx = await self.transaction_repo.get(transaction_id)
        if tx is None or tx.charge_point_id != cp_id:
            log.warning("%s stopped unknown transaction %s", cp_id, transaction_id)
            return None, info
        if tx.status == "Completed":
            log.info("%s repeated the stop of transaction %s", cp_id, tx.id)
            return tx, info
        for row in rows(cp_id, tx.evse_id, tx.connector_id, tx.id, samples):
            self.batch.insert("meter_values", row)
        if samples:        # the transaction's data are safe before the stop is answered
            await self.batch.durable()
        # the final record takes over the queued live figures (no flush here: a stop storm would
        # serialise on it), and a live update can no longer overwrite its last meter reading
        live = self.batch.take_latest("transactions", tx.id) or {}
        if meter_stop_wh is None:     # an event-based stop without a reading: the last one seen, queued or stored
            meter_stop_wh = live.get("last_meter_wh") or tx.last_meter_wh or tx.meter_start_wh
        live = {k: v for k, v in live.items() if k in ("power_w", "soc", "seq_no", "offline")}
        energy = meter_stop_wh - tx.meter_start_wh
        anomaly = METER_BELOW_START if energy < 0 else None
        TRANSACTION.check(tx.status, "Completed")
        done = await self.transaction_repo.transition(
            tx.id, tx.status, status="Completed", stopped_at=stopped_at, meter_stop_wh=meter_stop_wh,
            energy_wh=max(0, energy), stop_reason=reason, stop_id_tag=id_tag, anomaly=anomaly,
            **live, last_meter_wh=meter_stop_wh)
        self._active.pop(tx.id, None)
        self._seq.pop(tx.id, None)
        if done is None:    # a concurrent duplicate got there first
            return await self.transaction_repo.get(tx.id), info
        if anomaly:
            log.warning("%s transaction %s: meterStop %s < meterStart %s; flagged, billed as 0 Wh",
                        cp_id, tx.id, meter_stop_wh, tx.meter_start_wh)
        metrics.TRANSACTIONS.labels("stopped").inc()
        self.bus.publish(events.TransactionStopped(tx.id, cp_id, tx.connector_id, done.energy_wh, reason,
                                                   anomaly, stopped_at))
        return done, info

    async def detail(self, tx_id: int) -> tuple[Transaction, list[dict]] | None:
        await self.batch.flush()
        tx = await self.transaction_repo.get(tx_id)
        if tx is None:
            return None
        return tx, await self.meter_value_repo.list_for_transaction(tx_id)
