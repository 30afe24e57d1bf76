"""Orders, payments and the wallet ledger as drivers and operators see them: schemas and JSON views."""

from __future__ import annotations

from aiohttp import web

from api import schemas as s
from api.context import PAYMENTS
from api.serializers import ts

def fen(description: str) -> dict:
    return {"type": "integer", "description": description}


# what every money figure means (docs/contract.md "Money figures")
ORDER_MONEY = {
    "prepay_fen": fen("prepaid orders: the prepayment asked for and paid in (e.g. 3000); 0 for wallet orders"),
    "energy_fen": fen("the bill's energy part: the sum of its lines' energy_fen"),
    "service_fen": fen("the bill's service part: the sum of its lines' service_fen"),
    "idle_fee_fen": fen("the idle fee added after the unplug (0 when none)"),
    "adjustment_fen": fen("a reviewer's change of the bill, signed (0 when none)"),
    "total_fen": fen("the bill: energy_fen + service_fen + idle_fee_fen + adjustment_fen"),
    "paid_fen": fen("the part of the bill that is paid: a prepaid order's bill (e.g. 1597 of a 3000 prepayment), "
                    "never the prepayment itself; equals total_fen once paid, less while unpaid"),
    "refunded_fen": fen("everything given back for this order: the unused prepayment (e.g. 3000 - 1597 = 1403) "
                        "and any refund after"),
}
ORDER_SCHEMA = s.obj({"id": s.INT, "state": s.STR, **ORDER_MONEY, "bill_lines": s.array(s.ANY_OBJ)}, extra=True)
SESSION_SCHEMA = s.obj({
    "order_id": s.INT, "state": s.STR, "step": s.STR,
    "cost_fen": fen("while charging: the running cost (energy and service so far, no idle fee); once settled: "
                    "the order's total_fen"),
    "funds_fen": {"type": ["integer", "null"], "description": "what the session may spend: the prepayment "
                  "(prepay_fen) of a prepaid session, the wallet balance now of a wallet session"},
}, ("order_id", "state", "step"), extra=True)
PAYMENT = s.obj({"id": s.INT, "kind": s.STR, "state": s.STR,
                 "amount_fen": fen("what the payer paid in through WeChat Pay"),
                 "refunded_fen": fen("what WeChat Pay has been asked to give back of it")}, extra=True)
LEDGER = s.obj({"id": s.INT, "kind": s.STR, "amount_fen": fen("the movement, signed: + into the wallet, - out"),
                "balance_after_fen": fen("the balance right after this movement")}, extra=True)


async def order_views(request: web.Request, orders: list) -> list[dict]:
    """The <order> views of a page of orders (csms/services/order_views.py OrderViews)."""
    return await request.app[PAYMENTS].order_views.views(orders)


async def full_order(request: web.Request, order) -> dict:
    return await request.app[PAYMENTS].order_views.view(order)


def ledger_view(e) -> dict:
    return {"id": e.id, "kind": e.kind, "amount_fen": e.amount_fen, "balance_after_fen": e.balance_after_fen,
            "order_id": e.order_id, "payment_id": e.payment_id, "note": e.note, "created_at": ts(e.created_at)}
