from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from csms.wechat.emulator import ensure_keys


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def emulator_keys(tmp_path_factory):
    return ensure_keys(tmp_path_factory.mktemp("wechat-unit-keys"))
