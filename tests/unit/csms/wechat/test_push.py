"""The message push receiver (csms/wechat/push.py): what signs, and what a forged query cannot do."""

from __future__ import annotations

import pytest

from csms.wechat import push
from csms.wechat.errors import BadSignature

TOKEN = "push-token-1"


def test_a_signed_url_check_echoes_and_any_other_signature_is_refused():
    receiver = push.PushReceiver(TOKEN, "wx0000000000000000", "")
    good = {"timestamp": "1700000000", "nonce": "n1", "echostr": "hello"}
    good["signature"] = push.signature(TOKEN, good["timestamp"], good["nonce"])
    assert receiver.echo(good) == "hello"
    with pytest.raises(BadSignature):
        receiver.echo({**good, "signature": "0" * 40})


@pytest.mark.parametrize("query", [
    {"timestamp": "1", "nonce": "n", "signature": "\u00e6@\U0001eaaaY"},         # found by schemathesis: was a 500
    {"timestamp": "\u4f60\u597d", "nonce": "b\u00d2\x0e", "signature": "\u00e6"},
    {"timestamp": "1", "nonce": "\udcff", "signature": "\udcff"},           # undecodable bytes, as surrogates
])
def test_a_signature_of_any_text_is_refused_as_a_bad_signature(query):
    receiver = push.PushReceiver(TOKEN, "wx0000000000000000", "")
    with pytest.raises(BadSignature):
        receiver.echo(query)
    with pytest.raises(BadSignature):
        receiver.open({**query, "encrypt_type": "raw"}, b"{}")
