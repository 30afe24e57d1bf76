"""`csms serve` that cannot start says why in one line naming the setting to fix, and exits non-zero:
no traceback, nothing else on stderr."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.csms.test_settings import _live


pytestmark = pytest.mark.timeout(60)


def serve(tmp_path: Path, **env: str) -> tuple[int, list[str]]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("CSMS_")}
    base.update(CSMS_DATA_DIR=str(tmp_path / "data"), CSMS_OCPP_HOST="127.0.0.1", CSMS_OCPP_PORT="0",
                CSMS_API_HOST="127.0.0.1", CSMS_API_PORT="0", CSMS_WECHAT_EMULATOR_PORT="0",
                CSMS_SMS_EMULATOR_PORT="0",
                CSMS_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'csms.db'}")
    base.update(env)
    proc = subprocess.run([sys.executable, "-m", "api.cli", "serve"], env=base, capture_output=True, text=True,
                          timeout=50, cwd=tmp_path)
    return proc.returncode, proc.stderr.splitlines()


@pytest.fixture
def taken_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield str(sock.getsockname()[1])


def one_line(code: int, lines: list[str], *needles: str) -> str:
    assert code != 0
    assert len(lines) == 1, lines
    assert lines[0].startswith("csms: ") and "Traceback" not in lines[0]
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def test_a_database_that_cannot_be_reached(tmp_path):
    line = one_line(*serve(tmp_path, CSMS_DATABASE_URL="mysql+aiomysql://csms:s3cret-pw@127.0.0.1:1/csms"),
                    "database.url", "CSMS_DATABASE_URL", "127.0.0.1")
    assert "s3cret-pw" not in line


def test_the_ocpp_port_in_use(tmp_path, taken_port):
    one_line(*serve(tmp_path, CSMS_OCPP_PORT=taken_port), "ocpp.port", taken_port, "in use", "CSMS_OCPP_PORT")


def test_the_api_port_in_use(tmp_path, taken_port):
    one_line(*serve(tmp_path, CSMS_API_PORT=taken_port), "api.port", taken_port, "CSMS_API_PORT")


def test_the_sms_emulator_port_in_use(tmp_path, taken_port):
    one_line(*serve(tmp_path, CSMS_SMS_EMULATOR_PORT=taken_port), "sms.emulator_port", taken_port,
             "CSMS_SMS_EMULATOR_PORT")


def test_a_certificate_that_does_not_load(tmp_path):
    cert, key = tmp_path / "server.pem", tmp_path / "server.key"
    cert.write_text("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
    key.write_text("-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n")
    one_line(*serve(tmp_path, CSMS_OCPP_TLS_CERT=str(cert), CSMS_OCPP_TLS_KEY=str(key)),
             "ocpp.tls_cert", str(cert), "CSMS_OCPP_TLS_CERT")


def test_a_wechat_merchant_key_that_is_not_a_key(tmp_path):
    live = _live(tmp_path)         # complete settings; the key file holds a PEM header and no key
    one_line(*serve(tmp_path, **live), "wechat.mch_private_key", "CSMS_WECHAT_MCH_PRIVATE_KEY")


def test_a_data_directory_that_cannot_be_made(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    one_line(*serve(tmp_path, CSMS_DATA_DIR=str(blocker / "data")), "data.dir", "CSMS_DATA_DIR")


def test_a_bad_setting_exits_2(tmp_path):
    code, lines = serve(tmp_path, CSMS_OCPP_PORT="ninety")
    one_line(code, lines, "ocpp.port", "CSMS_OCPP_PORT")
    assert code == 2
