"""Invoices over the real API: a driver asks once per paid order (a retry gets the same invoice),
operators list them and issue or reject them, and the driver sees the state (and is told, live)."""

from __future__ import annotations

import aiohttp
from aiohttp import WSMsgType

from tests.fakes_profile import a_driver, an_order

COMPANY = {"title_type": "company", "title": "深圳市某某充电科技有限公司", "tax_number": "91350100M000100Y43",
           "email": "finance@example.com"}
PERSONAL = {"title_type": "personal", "title": "张三", "email": "zhang@example.com"}


async def a_paid_order(csms, user_id: int, paid_fen: int = 1234, **fields) -> int:
    oid = await an_order(csms, user_id, state=fields.pop("state", "paid"))
    await csms.container.repos.orders.update(oid, total_fen=paid_fen, paid_fen=paid_fen, **fields)
    return oid


async def test_a_driver_asks_once_per_paid_order_and_sees_the_state(csms_any_db):
    csms = csms_any_db
    uid, token = await a_driver(csms)
    oid = await a_paid_order(csms, uid)
    path = f"/api/v1/driver/orders/{oid}/invoice"
    assert (await csms.get(path, token=token))[0] == 404                    # nothing asked yet
    for bad, field in (({**COMPANY, "tax_number": "91350100M000100Y44"}, "tax_number"),   # wrong check character
                       ({**COMPANY, "tax_number": None}, "tax_number"),
                       ({**PERSONAL, "tax_number": "91350100M000100Y43"}, "tax_number"),
                       ({**PERSONAL, "email": "not-mail"}, "email"),
                       ({**PERSONAL, "title": "  "}, "title")):
        status, body = await csms.post(path, bad, token=token)
        assert (status, body["error"]["field"]) == (400, field), (bad, body)
    status, invoice = await csms.post(path, {**COMPANY, "tax_number": "91350100m000100y43"}, token=token)
    assert status == 201, invoice
    assert (invoice["state"], invoice["amount_fen"], invoice["order_id"], invoice["tax_number"]) == \
        ("requested", 1234, oid, "91350100M000100Y43")
    status, again = await csms.post(path, COMPANY, token=token)            # a retry
    assert (status, again) == (200, invoice)
    status, other = await csms.post(path, PERSONAL, token=token)
    assert (status, other["error"]["code"]) == (409, "invoice_requested")
    assert (await csms.get(path, token=token))[1] == invoice
    status, mine = await csms.get("/api/v1/driver/invoices", token=token)
    assert status == 200 and [i["id"] for i in mine] == [invoice["id"]]

    _, stranger = await a_driver(csms)
    assert (await csms.post(path, PERSONAL, token=stranger))[0] == 404     # not their order
    assert (await csms.get(path, token=stranger))[0] == 404
    assert (await csms.get("/api/v1/driver/invoices", token=stranger))[1] == []
    for state in ("charging", "unpaid", "cancelled"):
        unpaid = await a_paid_order(csms, uid, state=state)
        status, body = await csms.post(f"/api/v1/driver/orders/{unpaid}/invoice", PERSONAL, token=token)
        assert (status, body["error"]["code"]) == (409, "not_invoiceable"), state
    free = await a_paid_order(csms, uid, paid_fen=0)
    assert (await csms.post(f"/api/v1/driver/orders/{free}/invoice", PERSONAL, token=token))[0] == 409
    assert (await csms.post("/api/v1/driver/orders/99999999/invoice", PERSONAL, token=token))[0] == 404


async def test_a_prepaid_order_is_invoiced_for_what_it_kept(csms):
    uid, token = await a_driver(csms)
    # 400 prepaid, the bill 150: 250 went back at the settlement, then an operator refunded 50
    oid = await a_paid_order(csms, uid, paid_fen=150, state="refunded", pay_mode="prepay", prepay_fen=400,
                             refunded_fen=300)
    status, invoice = await csms.post(f"/api/v1/driver/orders/{oid}/invoice", PERSONAL, token=token)
    assert (status, invoice["amount_fen"]) == (201, 100)


async def test_operators_issue_or_reject_and_the_driver_is_told(csms):
    uid, token = await a_driver(csms)
    first, second = await a_paid_order(csms, uid, 500), await a_paid_order(csms, uid, 800)
    _, one = await csms.post(f"/api/v1/driver/orders/{first}/invoice", COMPANY, token=token)
    _, two = await csms.post(f"/api/v1/driver/orders/{second}/invoice", PERSONAL, token=token)
    status, listed = await csms.get("/api/v1/admin/invoices?state=requested")
    assert status == 200 and {i["id"] for i in listed} >= {one["id"], two["id"]}
    assert all(i["user_id"] == uid for i in listed if i["id"] in (one["id"], two["id"]))
    assert (await csms.get("/api/v1/admin/invoices", token=token))[0] == 403

    ws_url = csms.api_url.replace("http", "ws") + f"/api/v1/ws?token={token}"
    async with aiohttp.ClientSession() as http, http.ws_connect(ws_url) as ws:
        status, issued = await csms.post(f"/api/v1/admin/invoices/{one['id']}/issue", {"invoice_number": "24440000000012345678"})
        assert (status, issued["state"], issued["invoice_number"]) == (200, "issued", "24440000000012345678")
        assert issued["decided_at"] is not None
        msg = await ws.receive(timeout=5)
        assert msg.type == WSMsgType.TEXT and msg.json() == {"type": "invoice", "data": {
            k: v for k, v in issued.items() if k != "user_id"}}
    status, again = await csms.post(f"/api/v1/admin/invoices/{one['id']}/issue", {"invoice_number": "24440000000012345678"})
    assert (status, again) == (200, issued)                                 # a retry
    status, body = await csms.post(f"/api/v1/admin/invoices/{one['id']}/issue", {"invoice_number": "999"})
    assert (status, body["error"]["code"]) == (409, "invalid_transition")
    status, body = await csms.post(f"/api/v1/admin/invoices/{one['id']}/reject", {"reason": "late"})
    assert (status, body["error"]["code"]) == (409, "invalid_transition")

    status, rejected = await csms.post(f"/api/v1/admin/invoices/{two['id']}/reject", {"reason": "抬头与付款人不符"})
    assert (status, rejected["state"], rejected["reason"]) == (200, "rejected", "抬头与付款人不符")
    _, seen = await csms.get(f"/api/v1/driver/orders/{second}/invoice", token=token)
    assert (seen["state"], seen["reason"]) == ("rejected", "抬头与付款人不符")
    _, seen = await csms.get(f"/api/v1/driver/orders/{first}/invoice", token=token)
    assert (seen["state"], seen["invoice_number"]) == ("issued", "24440000000012345678")
    assert (await csms.post("/api/v1/admin/invoices/99999999/issue", {"invoice_number": "1"}))[0] == 404
    assert (await csms.post(f"/api/v1/admin/invoices/{two['id']}/issue", {}))[0] == 400
    status, by_user = await csms.get(f"/api/v1/admin/invoices?user_id={uid}")
    assert [i["id"] for i in by_user] == [two["id"], one["id"]]
    assert (await csms.get(f"/api/v1/admin/invoices/{one['id']}"))[1] == issued
