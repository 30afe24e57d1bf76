"""Feature module: time-of-use tariffs (see csms/features/__init__.py).

Per station effective-dated tariff versions and their prices (csms/services/tariffs.py on the pure
csms/services/billing.py); REST views in api/views/tariffs.py; OCPP 2.0.1 block I: the cost of a
transaction as ``totalCost`` in the TransactionEvent response (csms/ocpp/v201/tariffs.py)."""

from __future__ import annotations

from csms.db.repositories_tariffs import SqlTariffRepository
from csms.domain import events
from csms.ocpp.v201 import tariffs as v201
from csms.services.tariffs import TariffService, TransactionCosts, register_readings

CACHE_TTL = 60.0     # seconds another node may price with a tariff replaced elsewhere


def install(container) -> None:
    c = container
    c.tariff_repo = SqlTariffRepository(c.sessions_factory, c.clock)
    c.tariffs = TariffService(c.tariff_repo, c.clock, cache_ttl=CACHE_TTL)

    async def station_of(cp_id: str) -> int | None:
        cp = await c.charge_points.get(cp_id)
        return cp.station_id if cp is not None else None

    async def readings(tx_id: int) -> list:
        await c.batch.flush()           # the event's own meter values are still queued
        return register_readings(await c.meter_values.list_for_transaction(tx_id))

    c.transaction_costs = TransactionCosts(c.tariffs, station_of, readings)
    routes = c.routes["ocpp2.0.1"]
    routes["TransactionEvent"] = v201.transaction_event(routes["TransactionEvent"], c.transaction_costs, c.sessions)
    c.bus.subscribe(events.TransactionStopped, lambda e: c.transaction_costs.forget(e.transaction_id))
