"""PII at rest: AES-256-GCM tokens, keyed lookup hashes, masking, and the key's source."""

from __future__ import annotations

import base64
import os
import stat

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from csms.keys import load_pii_key
from csms.services.pii import PiiCipher, mask_phone
from csms.settings import SettingsError
from tests.support.server import make_settings

KEY = bytes(range(32))


def test_encrypt_round_trips_with_a_fresh_nonce_each_time():
    cipher = PiiCipher(KEY)
    a, b = cipher.encrypt("13800138000"), cipher.encrypt("13800138000")
    assert a != b and a.startswith("v1:") and b.startswith("v1:")
    assert cipher.decrypt(a) == cipher.decrypt(b) == "13800138000"
    assert len(a) <= 255                                     # users.phone_enc is String(255)
    assert cipher.decrypt(cipher.encrypt("张三 +86")) == "张三 +86"


def test_the_token_is_not_the_plain_text_nor_the_master_key_used_directly():
    token = PiiCipher(KEY).encrypt("13800138000")
    raw = base64.urlsafe_b64decode(token[3:] + "=" * (-len(token[3:]) % 4))
    assert b"13800138000" not in raw
    with pytest.raises(Exception):                           # a derived key, not the master key
        AESGCM(KEY).decrypt(raw[:12], raw[12:], b"v1")


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-2] + ("A" if t[-2] != "A" else "B") + t[-1],   # altered ciphertext/tag
    lambda t: "v2" + t[2:],                                      # unknown version
    lambda t: "v1:",                                             # empty
    lambda t: "v1:abc",                                          # too short
    lambda t: "v1:***not base64***",
    lambda t: "garbage",
])
def test_decrypt_refuses_altered_or_foreign_tokens(mangle):
    cipher = PiiCipher(KEY)
    with pytest.raises(ValueError):
        cipher.decrypt(mangle(cipher.encrypt("13800138000")))


def test_another_key_cannot_decrypt():
    token = PiiCipher(KEY).encrypt("13800138000")
    with pytest.raises(ValueError):
        PiiCipher(os.urandom(32)).decrypt(token)


def test_key_must_be_32_bytes():
    with pytest.raises(ValueError):
        PiiCipher(b"short")


def test_lookup_hash_is_deterministic_per_key_and_reveals_nothing_without_it():
    cipher = PiiCipher(KEY)
    h = cipher.lookup_hash("13800138000")
    assert h == cipher.lookup_hash("13800138000") and len(h) == 64 and int(h, 16) >= 0
    assert h != cipher.lookup_hash("13800138001")
    assert h != PiiCipher(os.urandom(32)).lookup_hash("13800138000")
    import hashlib
    assert h != hashlib.sha256(b"13800138000").hexdigest()


@pytest.mark.parametrize("phone,masked", [
    ("13800138000", "138****8000"),
    ("+8613800138000", "138****8000"),
    ("+86 138-0013-8000", "138****8000"),
    ("008613800138000", "138****8000"),
    ("8613800138000", "138****8000"),
    ("+447700900123", "+447****0123"),
    ("02112345678", "021****5678"),
    ("12345", "***45"),
    ("123", "***"),
    ("", None),
    (None, None),
])
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked
    if masked:
        assert len(masked) <= 16                             # users.phone_masked is String(16)


def test_configured_key_is_used(tmp_path):
    key = os.urandom(32)
    settings = make_settings(tmp_path, **{"driver.pii_key": base64.b64encode(key).decode()})
    assert load_pii_key(settings) == key
    assert not (tmp_path / "var" / "pii_key").exists()


@pytest.mark.parametrize("value", [base64.b64encode(b"x" * 16).decode(), "not base64 at all!"])
def test_a_bad_configured_key_fails_in_one_line_naming_the_setting(tmp_path, value):
    with pytest.raises(SettingsError) as err:
        load_pii_key(make_settings(tmp_path, **{"driver.pii_key": value}))
    assert "driver.pii_key" in str(err.value) and "\n" not in str(err.value)


def test_without_a_configured_key_one_is_generated_once_owner_only(tmp_path):
    settings = make_settings(tmp_path)
    key = load_pii_key(settings)
    path = tmp_path / "var" / "pii_key"
    assert len(key) == 32 and path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_pii_key(settings) == key                     # stable across restarts
    token = PiiCipher(key).encrypt("13800138000")
    assert PiiCipher(load_pii_key(settings)).decrypt(token) == "13800138000"


def test_a_corrupt_generated_key_file_is_an_error_not_a_new_key(tmp_path):
    settings = make_settings(tmp_path)
    path = tmp_path / "var" / "pii_key"
    path.parent.mkdir(parents=True)
    path.write_text("oops")
    with pytest.raises(SettingsError):
        load_pii_key(settings)
