"""Invoices and content checks (csms.domain.invoices, csms.domain.moderation): what the services rely
on, on the fakes and on SQLite and MariaDB alike."""

from __future__ import annotations

from datetime import timedelta

from csms.domain.invoices import InvoiceRequest
from tests.contract.test_drivers import a_user, an_order
from tests.fakes import EPOCH

PERSONAL = InvoiceRequest("personal", "张三", "z@example.com")


async def a_paid_order(repos, user_id: int, n: int = 1) -> int:
    order = await an_order(repos, user_id, n)
    await repos.orders.update(order.id, state="paid", total_fen=1200, paid_fen=1200)
    return order.id


async def test_an_order_has_one_invoice_request_and_it_is_decided_once(repos):
    uid = await a_user(repos)
    oid = await a_paid_order(repos, uid)
    order = await repos.invoices.order(oid)
    assert (order.user_id, order.state, order.paid_fen, order.refunded_fen, order.pay_mode) == (uid, "paid", 1200, 0,
                                                                                                 "wallet")
    assert await repos.invoices.order(oid + 99) is None

    invoice, created = await repos.invoices.create(oid, uid, 1200, PERSONAL)
    again, created_again = await repos.invoices.create(oid, uid, 1, InvoiceRequest("company", "x", "y@z.cn", "T"))
    assert (created, created_again, again) == (True, False, invoice)
    assert (invoice.state, invoice.amount_fen, invoice.title, invoice.tax_number, invoice.created_at) == \
        ("requested", 1200, "张三", None, EPOCH)
    assert await repos.invoices.get(invoice.id) == invoice == await repos.invoices.for_order(oid)

    repos.clock.advance(60)
    issued = await repos.invoices.transition(invoice.id, "requested", state="issued", invoice_number="N1")
    assert (issued.state, issued.invoice_number, issued.decided_at, issued.updated_at) == \
        ("issued", "N1", repos.clock.now(), repos.clock.now())
    assert await repos.invoices.transition(invoice.id, "requested", state="rejected", reason="late") is None
    assert await repos.invoices.get(invoice.id) == issued


async def test_invoices_are_listed_newest_first_by_driver_and_state(repos):
    ann, bo = await a_user(repos, "o-ann"), await a_user(repos, "o-bo")
    first, _ = await repos.invoices.create(await a_paid_order(repos, ann, 1), ann, 100, PERSONAL)
    second, _ = await repos.invoices.create(await a_paid_order(repos, ann, 2), ann, 200, PERSONAL)
    other, _ = await repos.invoices.create(await a_paid_order(repos, bo, 3), bo, 300, PERSONAL)
    await repos.invoices.transition(second.id, "requested", state="rejected", reason="x")
    assert [i.id for i in (await repos.invoices.list()).items] == [other.id, second.id, first.id]
    page = await repos.invoices.list(user_id=ann, limit=1)
    assert ([i.id for i in page.items], page.total) == ([second.id], 2)
    assert [i.id for i in (await repos.invoices.list(state="requested")).items] == [other.id, first.id]


async def test_an_upload_has_one_check_submitted_and_decided_once(repos):
    uid = await a_user(repos)
    check = await repos.media_checks.create(upload="a" * 32 + ".png", user_id=uid, purpose="photo")
    assert (check.state, check.trace_id, check.submitted_at, check.created_at) == ("pending", None, None, EPOCH)
    assert await repos.media_checks.create(upload="a" * 32 + ".png", user_id=uid + 1, purpose="avatar") == check
    other = await repos.media_checks.create(upload="b" * 32 + ".jpg", user_id=uid, purpose="avatar")
    assert await repos.media_checks.many([check.upload, other.upload, "nope.png"]) == \
        {check.upload: check, other.upload: other}
    assert [c.id for c in await repos.media_checks.due(EPOCH, 10)] == [check.id, other.id]     # never submitted

    await repos.media_checks.submitted(check.upload, "trace-1", EPOCH)
    submitted = await repos.media_checks.by_trace("trace-1")
    assert (submitted.id, submitted.submitted_at) == (check.id, EPOCH)
    assert [c.id for c in await repos.media_checks.due(EPOCH, 10)] == [other.id]               # just submitted
    assert [c.id for c in await repos.media_checks.due(EPOCH + timedelta(hours=1), 1)] == [check.id]

    decided = await repos.media_checks.decide(check.id, "risky", 20002, EPOCH + timedelta(minutes=5))
    assert (decided.state, decided.label, decided.decided_at) == ("risky", 20002, EPOCH + timedelta(minutes=5))
    assert await repos.media_checks.decide(check.id, "pass", 100, EPOCH) is None
    assert await repos.media_checks.get(check.upload) == decided
    await repos.media_checks.submitted(check.upload, "trace-2", EPOCH)       # a decided check is not resubmitted
    assert await repos.media_checks.by_trace("trace-2") is None
    assert await repos.media_checks.get("nope.png") is None and await repos.media_checks.many([]) == {}
