"""Orders, payments and the wallet ledger as drivers and operators see them: schemas and JSON views."""

from __future__ import annotations

from aiohttp import web

from api import schemas as s
from api.context import PAYMENTS
from api.serializers import ts

ORDER_SCHEMA = s.obj({"id": s.INT, "state": s.STR, "total_fen": s.INT, "bill_lines": s.array(s.ANY_OBJ)},
                     extra=True)
PAYMENT = s.obj({"id": s.INT, "kind": s.STR, "state": s.STR, "amount_fen": s.INT}, extra=True)
LEDGER = s.obj({"id": s.INT, "kind": s.STR, "amount_fen": s.INT, "balance_after_fen": s.INT}, extra=True)


async def order_views(request: web.Request, orders: list) -> list[dict]:
    """The <order> views of a page of orders (csms/services/order_views.py OrderViews)."""
    return await request.app[PAYMENTS].order_views.views(orders)


async def full_order(request: web.Request, order) -> dict:
    return await request.app[PAYMENTS].order_views.view(order)


def ledger_view(e) -> dict:
    return {"id": e.id, "kind": e.kind, "amount_fen": e.amount_fen, "balance_after_fen": e.balance_after_fen,
            "order_id": e.order_id, "payment_id": e.payment_id, "note": e.note, "created_at": ts(e.created_at)}
