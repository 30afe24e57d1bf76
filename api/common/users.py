"""Drivers and their orders as operators see them in lists and audit records: schemas and views."""

from __future__ import annotations

from api import schemas as s
from api.serializers import ts

USER = s.obj({"id": s.INT, "openid": s.STR, "nickname": s.STR, "phone": s.NULL_STR, "balance_fen": s.INT,
              "blocked": s.BOOL, "blocked_reason": s.NULL_STR, "blocked_at": s.NULL_TIME}, extra=True)


def user_view(u) -> dict:
    """A driver in an operator's list: the phone number masked (stored encrypted; never shown whole)."""
    return {"id": u.id, "openid": u.openid, "nickname": u.nickname, "phone": u.phone_masked,
            "balance_fen": u.balance_fen, "created_at": ts(u.created_at), "blocked": u.blocked_at is not None,
            "blocked_reason": u.blocked_reason, "blocked_at": ts(u.blocked_at)}


def order_summary(o) -> dict | None:
    """An order's state and money, as an audit record's before/after."""
    if o is None:
        return None
    return {"state": o.state, "total_fen": o.total_fen, "paid_fen": o.paid_fen, "refunded_fen": o.refunded_fen,
            "adjustment_fen": o.adjustment_fen}
