"""One source of truth for settings: each field's help text is what `csms serve --help` prints and
what config/default.toml says; the data directory, the CA files and the console directory are
settings like the others."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from csms import paths
from api.cli import build_parser, main
from csms.db.session import sqlite_path
from csms.settings import DEFAULT_CONFIG, SettingsError, flag_name, iter_fields, load_settings
from csms.settings_doc import render


def test_default_toml_is_generated_from_the_settings():
    assert DEFAULT_CONFIG.read_text() == render(), (
        "config/default.toml differs from the settings' defaults and help texts: "
        "run `python -m csms.settings_doc > config/default.toml`")


@pytest.mark.parametrize("section,f", list(iter_fields()), ids=lambda v: getattr(v, "name", v))
def test_every_setting_has_help_that_serve_help_prints(section, f):
    text = f.metadata.get("help", "")
    assert len(text) > 10, f"{section}.{f.name} has no help text"
    shown = " ".join(build_parser()._subparsers._group_actions[0].choices["serve"].format_help().split())

    assert f"{flag_name(section, f)} " in shown
    assert " ".join(text.split())[:40] in shown


def test_the_shipped_defaults_are_the_declared_defaults():
    s = load_settings(env={})
    for section, f in iter_fields():
        if f.default is not dataclasses.MISSING:
            assert getattr(getattr(s, section), f.name) == f.default, f"{section}.{f.name}"


def _serve(*argv: str):
    return build_parser().parse_args(["serve", *argv])


def test_booleans_are_switches():
    assert vars(_serve("--ocpp-auto-register"))["ocpp.auto_register"] is True
    assert vars(_serve("--no-ocpp-auto-register"))["ocpp.auto_register"] is False
    assert vars(_serve())["ocpp.auto_register"] is None           # not given: the environment decides
    assert load_settings(flags={"ocpp.auto_register": False}, env={"CSMS_OCPP_AUTO_REGISTER": "1"}).ocpp.auto_register \
        is False


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert re.fullmatch(r"csms \S+\n", capsys.readouterr().out)


# -- the data directory ------------------------------------------------------------------------------
def test_the_data_directory_is_var_in_a_checkout_and_a_setting(tmp_path):
    assert paths.in_checkout() and load_settings(env={}).data_dir == paths.CHECKOUT / "var"
    assert load_settings(env={"CSMS_DATA_DIR": str(tmp_path)}).data_dir == tmp_path
    assert load_settings(flags={"data.dir": str(tmp_path / "f")}, env={"CSMS_DATA_DIR": "x"}).data_dir == tmp_path / "f"


def test_the_former_variable_still_works_and_the_new_one_wins(tmp_path):
    assert load_settings(env={"CSMS_VAR_DIR": str(tmp_path / "old")}).data_dir == tmp_path / "old"
    assert load_settings(env={"CSMS_VAR_DIR": str(tmp_path / "old"),
                              "CSMS_DATA_DIR": str(tmp_path / "new")}).data_dir == tmp_path / "new"


@pytest.mark.parametrize("url,inside", [("sqlite+aiosqlite:///var/csms.db", "csms.db"),
                                        ("sqlite+aiosqlite:///other.db", "other.db"),
                                        ("sqlite+aiosqlite:///db/x.db", "db/x.db")])
def test_a_relative_sqlite_path_lies_in_the_data_directory(tmp_path, url, inside):
    assert sqlite_path(url, tmp_path) == tmp_path / inside


def test_an_absolute_sqlite_path_and_other_databases(tmp_path):
    assert sqlite_path(f"sqlite+aiosqlite:///{tmp_path}/a.db", Path("/elsewhere")) == tmp_path / "a.db"
    assert sqlite_path("sqlite+aiosqlite:///:memory:") is None
    assert sqlite_path("mysql+aiomysql://root@h/db") is None


# -- the CA and the console ---------------------------------------------------------------------------
def test_the_ca_files_are_settings(tmp_path):
    cert, key = tmp_path / "ca.pem", tmp_path / "ca.key"
    cert.write_text("x")
    key.write_text("x")
    s = load_settings(env={"CSMS_CA_CERT": str(cert), "CSMS_CA_KEY": str(key)})
    assert (s.ca.cert, s.ca.key) == (str(cert), str(key))
    with pytest.raises(SettingsError, match="ca.key"):
        load_settings(env={"CSMS_CA_CERT": str(cert)})
    with pytest.raises(SettingsError, match="ca.cert: file not found"):
        load_settings(env={"CSMS_CA_CERT": str(tmp_path / "none.pem"), "CSMS_CA_KEY": str(key)})


def test_the_console_directory_defaults_to_the_checkout_build(tmp_path):
    assert load_settings(env={}).console_dir == paths.CHECKOUT / "console" / "dist"
    assert load_settings(env={"CSMS_API_CONSOLE_DIR": str(tmp_path)}).console_dir == tmp_path


def test_log_levels_per_logger_are_checked():
    assert load_settings(env={"CSMS_LOG_LEVELS": "csms.ocpp=debug, aiohttp.access=WARNING"}).log.levels
    with pytest.raises(SettingsError, match="log.levels"):
        load_settings(env={"CSMS_LOG_LEVELS": "csms.ocpp=LOUD"})
