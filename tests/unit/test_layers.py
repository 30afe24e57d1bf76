"""The layers of the code (.importlinter, docs/architecture.md) hold: imports only point down, the
transport knows no domain, services no database, nothing in csms imports the API, views are
independent. Run by the suite so they stay true."""

from __future__ import annotations

from pathlib import Path

from importlinter import cli

ROOT = Path(__file__).resolve().parents[2]


def test_the_import_contracts_are_kept(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    status = cli.lint_imports(config_filename=str(ROOT / ".importlinter"), no_cache=True)
    report = capsys.readouterr().out
    assert status == cli.EXIT_STATUS_SUCCESS, report
    assert "BROKEN" not in report and "0 broken" in report
