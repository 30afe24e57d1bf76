"""Station passwords: a salted HMAC-SHA256 keyed with the server's pepper, Argon2id for short
(possibly human) passwords, and Argon2 hashes of before replaced at the next successful login."""

from __future__ import annotations

import pytest

from csms import keys
from csms.services.passwords import hash_sync
from csms.services.station_passwords import StationPasswords
from csms.settings import SettingsError, load_settings

SECRET = "Zq8v1N3kP0sLr7TgWx2c"          # 20 characters, as a charger's machine-made secret
PEPPER = b"k" * 32


async def test_a_machine_secret_gets_the_keyed_hash_and_verifies():
    passwords = StationPasswords(PEPPER)
    stored = await passwords.hash(SECRET)

    assert stored.startswith("hmac-sha256$") and SECRET not in stored
    assert (await passwords.verify("CP1", stored, SECRET)).ok
    assert not (await passwords.verify("CP1", stored, SECRET + "x")).ok
    assert not (await passwords.verify("CP1", stored, SECRET[:-1])).ok
    assert await passwords.hash(SECRET) != stored                      # salted: equal secrets, different rows


async def test_a_leaked_hash_is_useless_without_the_pepper():
    stored = await StationPasswords(PEPPER).hash(SECRET)

    assert not (await StationPasswords(b"o" * 32).verify("CP1", stored, SECRET)).ok


async def test_a_short_password_keeps_argon2():
    passwords = StationPasswords(PEPPER)
    stored = await passwords.hash("short-pass")

    assert stored.startswith("$argon2id$")
    verdict = await passwords.verify("CP1", stored, "short-pass")
    assert verdict.ok and verdict.rehash is None


async def test_an_argon2_hash_of_before_verifies_once_and_is_upgraded():
    passwords = StationPasswords(PEPPER)
    verdict = await passwords.verify("CP1", hash_sync(SECRET), SECRET)

    assert verdict.ok and verdict.rehash.startswith("hmac-sha256$")
    assert (await passwords.verify("CP1", verdict.rehash, SECRET)).ok
    assert not (await passwords.verify("CP1", hash_sync(SECRET), "wrong" * 4)).ok


@pytest.mark.parametrize("stored", ["hmac-sha256$", "hmac-sha256$a$b$c", "hmac-sha256$!!$??", "garbage"])
async def test_a_malformed_stored_hash_refuses(stored):
    assert not (await StationPasswords(PEPPER).verify("CP1", stored, SECRET)).ok


def test_the_pepper_is_generated_once_into_the_data_directory_or_configured(tmp_path):
    settings = load_settings(env={"CSMS_DATA_DIR": str(tmp_path)})
    first = keys.station_password_pepper(settings)
    assert len(first) == 32 and keys.station_password_pepper(settings) == first
    assert (tmp_path / "station_password_pepper").stat().st_mode & 0o777 == 0o600

    import base64
    configured = load_settings(env={"CSMS_DATA_DIR": str(tmp_path),
                                    "CSMS_OCPP_STATION_PASSWORD_PEPPER": base64.b64encode(b"c" * 48).decode()})
    assert keys.station_password_pepper(configured) == b"c" * 48
    short = load_settings(env={"CSMS_DATA_DIR": str(tmp_path),
                               "CSMS_OCPP_STATION_PASSWORD_PEPPER": base64.b64encode(b"c" * 8).decode()})
    with pytest.raises(SettingsError, match="ocpp.station_password_pepper"):
        keys.station_password_pepper(short)
