"""Feature: invoices (发票) drivers ask for their paid orders and operators issue or reject.
Views: api/views/invoices.py; table: csms/db/tables_invoices.py."""

from __future__ import annotations

from dataclasses import dataclass

from csms.db.catalog import Repositories
from csms.services.clock import Clock
from csms.services.invoices import InvoiceService


@dataclass(frozen=True)
class Invoices:
    invoices: InvoiceService


def build(repos: Repositories, *, bus, clock: Clock) -> Invoices:
    return Invoices(invoices=InvoiceService(repos.invoices, bus, clock))
