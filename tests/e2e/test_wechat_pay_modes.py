"""The CSMS with WeChat Pay in public-key mode, in both modes (WeChat migrating the merchant) and as a
service provider's sub-merchant, against the emulator over real sockets: a top-up confirmed by the
signed notification, a refund confirmed by its notification, and the day's reconciliation."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.test_driver_sessions import a_driver
from tests.support.driver import eventually

MODES = {
    "public_key": {"wechat.emulator_pay_keys": "public_key"},
    "migrating": {"wechat.emulator_pay_keys": "both"},
    "service_provider": {"wechat.sub_mchid": "1600000001", "wechat.sp_appid": "wx5a5a5a5a5a5a5a5a"},
}


@pytest.mark.parametrize("mode", MODES)
async def test_top_up_refund_and_reconciliation(csms_with, mode):
    csms = await csms_with(**MODES[mode])
    emulator, pay = csms.container.wechat.emulator, csms.container.wechat.pay
    signer = emulator.state.signer
    if mode == "migrating":        # WeChat signs notifications with either key at random: one of each here
        signer.public_key_share = 0.0
    alma = await a_driver(csms, "alma", topup=600)
    if mode == "migrating":
        signer.public_key_share = 1.0
    await alma.topup(400)
    assert await alma.balance() == 1000
    notes = [n for n in emulator.notifications if n.event_type == "TRANSACTION.SUCCESS"]
    assert all(n.delivered and [a["status"] for a in n.attempts] == [204] for n in notes)
    expected = {"public_key": {"public_key"}, "migrating": {"certificate", "public_key"},
                "service_provider": {"certificate"}}[mode]
    assert {n.signed_with for n in notes} == expected
    if mode == "service_provider":
        assert {n.resource["sub_mchid"] for n in notes} == {"1600000001"}

    assert not await csms.container.repos.payments.pending_before(datetime.now(UTC))
    status, payments = await csms.get(f"/api/v1/admin/payments?user_id={alma.id}")
    first = await csms.container.repos.payments.get(payments[-1]["id"])
    refund = await csms.container.payments.payments.refund(first, 100, "test refund", "e2e")
    assert refund.state == "processing"

    async def refunded():
        return (await csms.container.repos.refunds.get_by_no(refund.out_refund_no)).state == "success"
    await eventually(refunded, 10, "refund confirmed by its notification")
    assert pay.partner == (mode == "service_provider")

    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    status, report = await csms.get(f"/api/v1/admin/reconciliation?date={today}")
    assert status == 200 and (report["balanced"], report["matched"], report["ours_total_fen"]) == (True, 2, 1000), report
