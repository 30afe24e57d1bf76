"""A standalone emulator keeps orders, tokens and notifications across a restart (csms/wechat/emulator/persist.py)."""

from __future__ import annotations

from csms.wechat.emulator import EmulatorConfig, persist
from csms.wechat.emulator.state import EmulatorState

APPID = "wx0000000000000001"


def _state(keys, tmp_path) -> EmulatorState:
    return EmulatorState(EmulatorConfig(data_dir=tmp_path, appid=APPID), keys)


def test_orders_tokens_and_undelivered_notifications_come_back(emulator_keys, tmp_path):
    before = _state(emulator_keys, tmp_path)
    paid = before.prepay({"appid": APPID, "mchid": before.mchid, "description": "Top-up", "out_trade_no": "TOPUP0001",
                          "notify_url": "http://127.0.0.1:1/notify", "amount": {"total": 300},
                          "payer": {"openid": before.openid_for("amy")}})
    before.prepay({"appid": APPID, "mchid": before.mchid, "description": "Top-up", "out_trade_no": "TOPUP0002",
                   "notify_url": "http://127.0.0.1:1/notify", "amount": {"total": 200},
                   "payer": {"openid": before.openid_for("amy")}})
    _, note = before.pay(paid["prepay_id"], "SUCCESS")
    token = before.token(APPID, before.secret, "client_credential", stable=True)["access_token"]
    persist.save(before, tmp_path / "state.pickle")

    after = _state(emulator_keys, tmp_path)
    pending = persist.load(after, tmp_path / "state.pickle")

    assert [n.id for n in pending] == [note.id]                      # never acknowledged: delivered again
    assert after.query("TOPUP0001", after.mchid)["trade_state"] == "SUCCESS"
    assert after.query("TOPUP0002", after.mchid)["trade_state"] == "NOTPAY"
    after.check_token(token)                                         # the CSMS's cached token still works


def test_no_file_is_a_fresh_emulator(emulator_keys, tmp_path):
    state = _state(emulator_keys, tmp_path)
    assert persist.load(state, tmp_path / "missing.pickle") == []
    assert state.transactions == {}


def test_a_delivered_notification_is_not_sent_again(emulator_keys, tmp_path):
    before = _state(emulator_keys, tmp_path)
    order = before.prepay({"appid": APPID, "mchid": before.mchid, "description": "Top-up", "out_trade_no": "TOPUP0003",
                           "notify_url": "http://127.0.0.1:1/notify", "amount": {"total": 100},
                           "payer": {"openid": before.openid_for("bo")}})
    _, note = before.pay(order["prepay_id"], "SUCCESS")
    note.delivered = True
    persist.save(before, tmp_path / "state.pickle")
    assert persist.load(_state(emulator_keys, tmp_path), tmp_path / "state.pickle") == []
