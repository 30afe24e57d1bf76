"""The emulator's model of WeChat, on a fake clock (no sockets: tests/integration/wechat has those)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from csms.wechat.emulator import EmulatorConfig
from csms.wechat.emulator.state import EmulatorState, MiniError, PayError

APPID = "wx0000000000000001"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2024, 5, 1, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def state(emulator_keys, clock, tmp_path):
    return EmulatorState(EmulatorConfig(data_dir=tmp_path, appid=APPID), emulator_keys, clock=clock)


def a_prepay(state: EmulatorState, **overrides) -> dict:
    body = {"appid": APPID, "mchid": state.mchid, "description": "Charging", "out_trade_no": "ORD-0001",
            "notify_url": "https://merchant.example.com/notify", "amount": {"total": 100, "currency": "CNY"},
            "payer": {"openid": state.openid_for("alice")}, "time_expire": "2024-05-01T10:30:00+08:00"}
    body.update(overrides)
    return body


def errcode(fn, *args, **kw) -> int:
    with pytest.raises(MiniError) as exc:
        fn(*args, **kw)
    return exc.value.errcode


def pay_error(fn, *args) -> tuple[int, str]:
    with pytest.raises(PayError) as exc:
        fn(*args)
    return exc.value.status, exc.value.code


def test_login_codes_expire_after_five_minutes(state, clock):
    code = state.issue_login_code("alice")
    clock.advance(301)
    assert errcode(state.code2session, APPID, state.secret, code, "authorization_code") == 40029
    assert errcode(state.code2session, "wxother", state.secret, code, "authorization_code") == 40013


def test_stable_token_is_reused_until_it_expires(state, clock):
    first = state.token(APPID, state.secret, "client_credential", stable=True)
    clock.advance(100)
    again = state.token(APPID, state.secret, "client_credential", stable=True)
    assert again["access_token"] == first["access_token"] and again["expires_in"] == 7100
    clock.advance(7100)
    assert errcode(state.check_token, first["access_token"]) == 42001
    assert state.token(APPID, state.secret, "client_credential", stable=True)["access_token"] != first["access_token"]
    assert errcode(state.check_token, "nope") == 40001 and errcode(state.check_token, None) == 41001


def test_subscribe_needs_well_formed_data(state):
    openid = state.openid_for("alice")
    state.accept_subscribe(openid, "T")
    assert errcode(state.send_subscribe, {"touser": openid, "template_id": "T", "data": {"a": "x"}}) == 47003
    assert errcode(state.send_subscribe, {"touser": openid, "template_id": "T", "data": {}}) == 47003
    state.send_subscribe({"touser": openid, "template_id": "T", "data": {"a": {"value": "x"}}})
    assert state.quota[(openid, "T")] == 0


def test_prepay_validation(state):
    assert pay_error(state.prepay, a_prepay(state, mchid="1")) == (400, "MCH_NOT_EXISTS")
    assert pay_error(state.prepay, a_prepay(state, appid="wxnope")) == (400, "APPID_MCHID_NOT_MATCH")
    assert pay_error(state.prepay, a_prepay(state, amount={"total": 0})) == (400, "PARAM_ERROR")
    assert pay_error(state.prepay, a_prepay(state, time_expire="2024-05-01 10:30")) == (400, "PARAM_ERROR")
    body = a_prepay(state)
    del body["notify_url"]
    assert pay_error(state.prepay, body) == (400, "PARAM_ERROR")


def test_order_closes_itself_after_time_expire(state, clock):
    prepay_id = state.prepay(a_prepay(state))["prepay_id"]
    assert state.query("ORD-0001", state.mchid)["trade_state"] == "NOTPAY"
    clock.advance(31 * 60)
    assert state.query("ORD-0001", state.mchid)["trade_state"] == "CLOSED"
    with pytest.raises(ValueError):
        state.pay(prepay_id, "SUCCESS")
    assert pay_error(state.prepay, a_prepay(state)) == (400, "ORDER_CLOSED")


def test_refunds_cannot_exceed_what_was_paid_and_a_closed_refund_gives_it_back(state):
    prepay_id = state.prepay(a_prepay(state))["prepay_id"]
    state.pay(prepay_id, "SUCCESS")
    state.refund({"out_trade_no": "ORD-0001", "out_refund_no": "R1", "amount": {"refund": 60, "total": 100}})
    over = {"out_trade_no": "ORD-0001", "out_refund_no": "R2", "amount": {"refund": 41, "total": 100}}
    assert pay_error(state.refund, over) == (403, "NOT_ENOUGH")
    assert pay_error(state.refund, {**over, "amount": {"refund": 1, "total": 99}}) == (400, "PARAM_ERROR")
    refund, note = state.complete_refund("R1", "CLOSED")
    assert refund.status == "CLOSED" and note is None                 # no notify_url given
    state.refund(over)
    assert state.transactions["ORD-0001"].refunded == 41
    changed = {"out_trade_no": "ORD-0001", "out_refund_no": "R1", "amount": {"refund": 61, "total": 100}}
    assert pay_error(state.refund, changed) == (400, "INVALID_REQUEST")


def test_unpaid_orders_cannot_be_refunded_and_bills_wait_for_a_trade(state):
    state.prepay(a_prepay(state))
    body = {"out_trade_no": "ORD-0001", "out_refund_no": "R1", "amount": {"refund": 1, "total": 100}}
    assert pay_error(state.refund, body) == (400, "INVALID_REQUEST")
    assert pay_error(state.trade_bill, "2024-05-01", "ALL", "GZIP") == (400, "NO_STATEMENT_EXIST")
    assert pay_error(state.trade_bill, "2024-05-02", "ALL", None) == (400, "INVALID_REQUEST")   # the future
    assert pay_error(state.trade_bill, "May 1st", "ALL", None) == (400, "PARAM_ERROR")
