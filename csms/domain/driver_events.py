"""Events of driver services, published on the bus for live push (api/push.py) and notices.
``data`` is the JSON view the driver API returns (a <session> or an <order> of docs/contract.md)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SessionChanged:
    user_id: int
    order_id: int
    data: dict


@dataclass(frozen=True)
class OrderChanged:
    user_id: int
    order_id: int
    data: dict


@dataclass(frozen=True)
class ContentChecked:
    """The verdict on one of the driver's photos arrived: ``data`` = {upload, url, purpose, state, label}."""
    user_id: int
    data: dict


@dataclass(frozen=True)
class InvoiceChanged:
    """An operator issued or rejected the driver's invoice: ``data`` is the <invoice> view."""
    user_id: int
    data: dict
