"""What a transaction costs, from its meter readings: the stored register readings as billing reads
them, the samples a transaction is billed from (the same for the 2.0.1 totalCost and the driver's
settlement), and the running and final cost of a transaction at a station with a tariff."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from csms.domain.models import SampledValue, Transaction
from csms.domain.repositories import BatchSink, ChargePointRepository, MeterValueRepository
from csms.domain.tariffs import Bill, NoTariff
from csms.services import billing
from csms.services.tariffs import TariffService
from csms.domain.meter import energy_wh


def register_readings(rows: Sequence[Mapping[str, Any]]) -> list[tuple[datetime, int]]:
    """(time, Wh) of the stored meter_values rows that carry the total energy import register."""
    out = []
    for row in rows:
        wh = energy_wh(SampledValue(value=row["value"], measurand=row["measurand"], phase=row.get("phase"),
                                          unit=row.get("unit"), location=row.get("location"),
                                          format=row.get("format")))
        if wh is not None:
            out.append((row["timestamp"], wh))
    return out


def transaction_samples(tx: Transaction, readings: Sequence[tuple[datetime, int]]) -> list[tuple[datetime, int]]:
    """The samples a transaction is billed from, as settlement builds them: its start, the register
    readings that move forward (in time and Wh), and once stopped, the stop (readings after it dropped)."""
    samples = [(tx.started_at, tx.meter_start_wh)]
    for at, wh in sorted(readings, key=lambda r: r[0]):
        if at >= samples[-1][0] and wh >= samples[-1][1]:
            samples.append((at, wh))
    if tx.stopped_at is not None:
        samples = [samples[0], *(x for x in samples[1:] if x[0] <= tx.stopped_at)]
        last = samples[-1][1]
        stop = tx.meter_stop_wh if tx.meter_stop_wh is not None and tx.anomaly is None else last
        samples.append((max(tx.stopped_at, samples[-1][0]), max(stop, last)))
    return samples


class TransactionReadings:
    """A transaction's stored energy register readings (pending batched writes flushed first)."""

    def __init__(self, meter_value_repo: MeterValueRepository, batch: BatchSink):
        self.meter_value_repo = meter_value_repo
        self.batch = batch

    async def registers(self, tx_id: int) -> list[tuple[datetime, int]]:
        await self.batch.flush()            # the latest meter values may still be queued
        return register_readings(await self.meter_value_repo.list_for_transaction(tx_id))

    async def samples(self, tx: Transaction) -> list[tuple[datetime, int]]:
        return transaction_samples(tx, await self.registers(tx.id))


@dataclass
class _Running:
    station_id: int | None
    last: tuple[datetime, int] | None = None
    bill: Bill | None = None             # None: the transaction cannot be priced


class TransactionCosts:
    """What a transaction costs so far and in the end, at a station with a tariff.

    The running cost grows one meter interval at a time (billing.merge: exactly the bill of all
    samples) from what the node has seen; a node that did not see the start rebuilds it once from the
    stored readings. The final cost is recomputed from everything stored."""

    def __init__(self, tariffs: TariffService, charge_point_repo: ChargePointRepository, readings: TransactionReadings):
        self.tariffs = tariffs
        self.charge_point_repo = charge_point_repo
        self.readings = readings
        self._open: dict[int, _Running] = {}

    async def station_of(self, cp_id: str) -> int | None:
        cp = await self.charge_point_repo.get(cp_id)
        return cp.station_id if cp is not None else None

    async def _bill(self, station_id: int | None, samples) -> Bill | None:
        if station_id is None:
            return None
        try:
            return await self.tariffs.bill(station_id, samples)
        except NoTariff:
            return None

    async def running(self, tx: Transaction, new: Sequence[tuple[datetime, int]]) -> Bill | None:
        """The bill so far of an open transaction, given register readings just received."""
        r = self._open.get(tx.id)
        if r is None:
            station_id = await self.station_of(tx.charge_point_id)
            samples = await self.readings.samples(tx) if station_id is not None else []
            r = self._open[tx.id] = _Running(station_id, samples[-1] if samples else None,
                                             await self._bill(station_id, samples))
            return r.bill
        for sample in sorted(new, key=lambda x: x[0]):
            if r.bill is None or sample == r.last or sample[0] < r.last[0] or sample[1] < r.last[1]:
                continue
            part = await self._bill(r.station_id, [r.last, sample])
            r.bill = billing.merge(r.bill, part) if part is not None else None
            r.last = sample
        return r.bill

    async def final(self, tx: Transaction) -> Bill | None:
        """The bill of a stopped transaction, from all its stored readings; zero for a meter that
        ended below its start (flagged, billed as 0 Wh). None: no tariff applies."""
        self._open.pop(tx.id, None)
        station_id = await self.station_of(tx.charge_point_id)
        bill = await self._bill(station_id, await self.readings.samples(tx))
        return Bill() if bill is not None and tx.anomaly is not None else bill

    def forget(self, tx_id: int) -> None:
        self._open.pop(tx_id, None)
