"""The JSON views of an order that drivers see (docs/contract.md <session> and <order>), built in one
place for the REST API and the live push alike."""

from __future__ import annotations

from datetime import datetime

from csms.domain.orders import BillLine, Order
from csms.domain.times import iso as _ts


def stop_at(o: Order) -> dict:
    return {"energy_wh": o.stop_energy_wh, "amount_fen": o.stop_amount_fen, "minutes": o.stop_minutes}


def funds_fen(o: Order, balance_fen: int | None) -> int | None:
    return o.prepay_fen if o.pay_mode == "prepay" else balance_fen


def session_view(o: Order, now: datetime, *, balance_fen: int | None = None, payment: dict | None = None) -> dict:
    end = o.stopped_at or (now if o.started_at and o.state == "charging" else None)
    elapsed = int((end - o.started_at).total_seconds()) if o.started_at and end else 0
    cost = o.total_fen if o.settled_at else o.cost_fen
    return {"order_id": o.id, "state": o.state, "step": o.step, "reason": o.reason,
            "charge_point_id": o.charge_point_id, "connector_id": o.connector_id, "station_id": o.station_id,
            "pay_mode": o.pay_mode, "funds_fen": funds_fen(o, balance_fen),
            "started_at": _ts(o.started_at), "stopped_at": _ts(o.stopped_at), "elapsed_s": max(0, elapsed),
            "energy_wh": o.energy_wh, "energy_kwh": round(o.energy_wh / 1000, 3),
            "power_w": o.power_w, "power_kw": round(o.power_w / 1000, 2) if o.power_w is not None else None,
            "soc": o.soc, "cost_fen": cost, "stop_at": stop_at(o), "payment": payment}


def bill_line_view(ln: BillLine) -> dict:
    return {"period": ln.period, "start": _ts(ln.start), "end": _ts(ln.end), "energy_wh": ln.energy_wh,
            "energy_price_fen_per_kwh": ln.energy_price, "service_price_fen_per_kwh": ln.service_price,
            "energy_fen": ln.energy_fen, "service_fen": ln.service_fen, "amount_fen": ln.amount_fen}


def order_view(o: Order, lines: list[BillLine], *, station_name: str | None = None, rated: bool = False) -> dict:
    return {"id": o.id, "state": o.state, "charge_point_id": o.charge_point_id, "connector_id": o.connector_id,
            "station_id": o.station_id, "station_name": station_name, "transaction_id": o.transaction_id,
            "pay_mode": o.pay_mode, "prepay_fen": o.prepay_fen, "energy_wh": o.energy_wh,
            "energy_fen": o.energy_fen, "service_fen": o.service_fen, "idle_fee_fen": o.idle_fee_fen,
            "adjustment_fen": o.adjustment_fen, "total_fen": o.total_fen, "paid_fen": o.paid_fen, "refunded_fen": o.refunded_fen,
            "stop_reason": o.stop_reason, "created_at": _ts(o.created_at), "started_at": _ts(o.started_at),
            "stopped_at": _ts(o.stopped_at), "settled_at": _ts(o.settled_at),
            "bill_lines": [bill_line_view(ln) for ln in lines], "rated": rated}


def payment_view(p, pay_params: dict | None) -> dict:
    return {"id": p.id, "kind": p.kind, "state": p.state, "amount_fen": p.amount_fen,
            "refunded_fen": p.refunded_fen, "out_trade_no": p.out_trade_no, "order_id": p.order_id,
            "created_at": _ts(p.created_at), "paid_at": _ts(p.paid_at), "pay_params": pay_params}


class OrderViews:
    """The <order> views of a page of orders, for drivers and operators alike: bill lines, the
    station's name (each station read once) and whether the driver rated it (one query a page)."""

    def __init__(self, order_repo, rating_repo, station_repo):
        self.order_repo = order_repo
        self.rating_repo = rating_repo
        self.station_repo = station_repo

    async def views(self, orders: list[Order]) -> list[dict]:
        rated = await self.rating_repo.rated([o.id for o in orders]) if orders else set()
        names: dict[int, str | None] = {}
        out = []
        for o in orders:
            if o.station_id is not None and o.station_id not in names:
                station = await self.station_repo.get(o.station_id)
                names[o.station_id] = station.name if station else None
            out.append(order_view(o, await self.order_repo.bill_lines(o.id), station_name=names.get(o.station_id),
                                  rated=o.id in rated))
        return out

    async def view(self, order: Order) -> dict:
        return (await self.views([order]))[0]
