"""The package installs as an operator installs it: a wheel built from a clean copy of the tree goes
into a fresh venv outside the checkout, carries its config, migrations and console, and `csms serve`
starts there on SQLite."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import venv
import zipfile
from pathlib import Path

import pytest

from csms import paths

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

ROOT = paths.CHECKOUT
MARKER = "<!-- console bundled by the wheel test -->"


def _clean_copy(dest: Path) -> Path:
    """The files a clone has (git's list when there is one), plus a built console to bundle."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                                check=True, capture_output=True).stdout.decode().split("\0")
    except (OSError, subprocess.CalledProcessError):
        listed = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file()
                  and not {".venv", "var", "node_modules", ".git", "build"} & set(p.relative_to(ROOT).parts)]
    for name in filter(None, listed):
        src = ROOT / name
        if src.is_file() and not name.startswith(("console/dist/", "miniprogram/")):
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    (dest / "console" / "dist" / "assets").mkdir(parents=True, exist_ok=True)
    (dest / "console" / "dist" / "index.html").write_text(f"<!doctype html>{MARKER}\n")
    (dest / "console" / "dist" / "assets" / "app.js").write_text("console.log('csms')\n")
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    src = _clean_copy(tmp / "src")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp / "dist"), str(src)],
                   check=True, capture_output=True)
    return next((tmp / "dist").glob("csms-*.whl"))


def test_the_wheel_carries_config_migrations_and_the_built_console(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())

    assert "csms/_bundle/config/default.toml" in names
    assert "csms/_bundle/migrations/env.py" in names and "csms/_bundle/migrations/script.py.mako" in names
    shipped = {p.name for p in (ROOT / "migrations" / "versions").glob("*.py")}
    assert shipped and shipped <= {n.rsplit("/", 1)[1] for n in names if n.startswith("csms/_bundle/migrations/versions/")}
    assert {"csms/_console/index.html", "csms/_console/assets/app.js"} <= names
    assert not any(n.startswith(("tests/", "var/")) for n in names)


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    env_dir = tmp_path_factory.mktemp("venv") / "venv"
    venv.create(env_dir, with_pip=True)
    subprocess.run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], check=True,
                   capture_output=True, env=_clean_env())
    return env_dir


def _clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CSMS_", "PYTHON", "VIRTUAL_ENV"))}
    return {**env, **extra}


def test_the_installed_package_runs_from_site_packages(installed, tmp_path):
    python = str(installed / "bin" / "python")
    out = subprocess.run([python, "-c", "import csms.paths as p, csms.settings as s; "
                                        "print(p.__file__, p.in_checkout(), s.DEFAULT_CONFIG.is_file(), "
                                        "p.MIGRATIONS.is_dir(), p.default_console_dir(), p.default_data_dir())"],
                         cwd=tmp_path, env=_clean_env(), check=True, capture_output=True, text=True).stdout.split()
    assert str(installed) in out[0] and out[1:4] == ["False", "True", "True"]
    assert out[4].endswith("csms/_console") and out[5] == "/var/lib/csms"
    version = subprocess.run([str(installed / "bin" / "csms"), "--version"], cwd=tmp_path, env=_clean_env(),
                             check=True, capture_output=True, text=True).stdout
    assert version.strip() == "csms 0.1.0"


def test_csms_serve_starts_on_sqlite_outside_the_checkout(installed, tmp_path):
    data = tmp_path / "data"
    env = _clean_env(CSMS_DATA_DIR=str(data), CSMS_OCPP_HOST="127.0.0.1", CSMS_OCPP_PORT="0",
                     CSMS_API_HOST="127.0.0.1", CSMS_API_PORT="0", CSMS_WECHAT_EMULATOR_PORT="0",
                     CSMS_SMS_EMULATOR_PORT="0",
                     CSMS_ADMIN_USERNAME="admin", CSMS_ADMIN_PASSWORD="installed-pw-1", CSMS_LOG_JSON="1")
    proc = subprocess.Popen([str(installed / "bin" / "csms"), "serve"], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        api = _api_url(proc)
        assert _get(api + "/readyz") == {"status": "ok"}
        login = urllib.request.Request(api + "/api/v1/auth/login", method="POST",
                                       data=json.dumps({"username": "admin", "password": "installed-pw-1"}).encode())
        with urllib.request.urlopen(login, timeout=10) as resp:
            assert json.load(resp)["token_type"] == "Bearer"
        assert (data / "csms.db").is_file() and (data / "jwt_secret").is_file()
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    assert code == 0


def _api_url(proc: subprocess.Popen) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            raise AssertionError(f"csms serve exited with {proc.wait()} before listening")
        message = json.loads(line)["message"]
        if message.startswith("API   "):
            return message.split()[1].removesuffix("/api/v1")
    raise AssertionError("csms serve did not report its API address within 60 s")


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.load(resp)
