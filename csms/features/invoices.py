"""Feature module: invoices (发票) drivers ask for their paid orders and operators issue or reject
(see csms/features/__init__.py). Views: api/views/invoices.py; table: csms/db/tables_invoices.py."""

from __future__ import annotations

from csms.db.repositories_invoices import SqlInvoiceRepository
from csms.services.invoices import InvoiceService


def install(container) -> None:
    c = container
    c.invoice_repo = SqlInvoiceRepository(c.sessions_factory)
    c.invoices = InvoiceService(c.invoice_repo, c.bus, c.clock)
