"""Feature: time-of-use tariffs (per station, effective-dated versions; csms/services/tariffs.py on
the pure csms/services/billing.py) and what transactions cost (OCPP 2.0.1 block I: totalCost in the
TransactionEvent answers, CostUpdated)."""

from __future__ import annotations

from dataclasses import dataclass

from csms.db.catalog import Repositories
from csms.services.clock import Clock
from csms.services.commands import CommandService
from csms.services.cost_updates import CostUpdates
from csms.services.tariffs import TariffService
from csms.services.transaction_costs import TransactionCosts, TransactionReadings

CACHE_TTL = 60.0     # seconds another node may price with a tariff replaced elsewhere


@dataclass(frozen=True)
class Tariffs:
    tariffs: TariffService
    readings: TransactionReadings
    costs: TransactionCosts
    cost_updates: CostUpdates


def build(repos: Repositories, *, batch, commands: CommandService, clock: Clock) -> Tariffs:
    tariffs = TariffService(repos.tariffs, clock, cache_ttl=CACHE_TTL)
    readings = TransactionReadings(repos.meter_values, batch)
    return Tariffs(tariffs=tariffs, readings=readings,
                   costs=TransactionCosts(tariffs, repos.charge_points, readings),
                   cost_updates=CostUpdates(repos.transactions, commands))
