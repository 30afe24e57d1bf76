"""The dependency audit's gate (.ci/audit.py): a known vulnerability fails unless an exception in force
accepts it; an exception needs a reason and expires; a service that cannot be asked is never a pass."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("ci_audit", Path(__file__).resolve().parents[2] / ".ci" / "audit.py")
audit = importlib.util.module_from_spec(_spec)
sys.modules["ci_audit"] = audit            # dataclasses look their module up
_spec.loader.exec_module(audit)

PIP_REPORT = {"dependencies": [
    {"name": "aiohttp", "version": "3.8.0", "vulns": [{"id": "PYSEC-2023-120", "aliases": ["CVE-2023-37276",
                                                                                         "GHSA-45c4-8wx5-qw6w"],
                                                      "fix_versions": ["3.8.5"], "description": "request smuggling"}]},
    {"name": "orjson", "version": "3.10.0", "vulns": []},
    {"name": "csms", "skip_reason": "Dependency not found on PyPI and could not be audited: csms (0.1.0)"}]}
NPM_REPORT = {"auditReportVersion": 2, "vulnerabilities": {
    "lodash": {"name": "lodash", "severity": "critical", "via": [
        {"source": 1094500, "name": "lodash", "title": "Prototype Pollution in lodash",
         "url": "https://github.com/advisories/GHSA-jf85-cpcp-j695", "severity": "critical", "range": "<4.17.12"}]},
    "dep-of-lodash": {"name": "dep-of-lodash", "via": ["lodash"]}}}


def test_a_known_vulnerability_fails_in_both_ecosystems():
    found = audit.python_findings(PIP_REPORT) + audit.npm_findings(NPM_REPORT, "console")
    assert [(f.ecosystem, f.package) for f in found] == [("python", "aiohttp"), ("npm", "console:lodash")]
    assert audit.gate(found, {}) == found


def test_an_exception_in_force_accepts_by_any_id_and_an_expired_one_does_not(tmp_path):
    path = tmp_path / "exceptions.toml"
    path.write_text('[[exception]]\nid = "CVE-2023-37276"\npackage = "aiohttp"\nreason = "not reachable"\n'
                    'until = 2027-01-31\n\n[[exception]]\nid = "GHSA-jf85-cpcp-j695"\npackage = "lodash"\n'
                    'reason = "old"\nuntil = 2020-01-01\n')
    found = audit.python_findings(PIP_REPORT) + audit.npm_findings(NPM_REPORT, "console")
    in_force = audit.accepted(dt.date(2026, 12, 3), path)
    assert set(in_force) == {"CVE-2023-37276"}
    assert [f.package for f in audit.gate(found, in_force)] == ["console:lodash"]


def test_an_exception_without_a_reason_is_refused(tmp_path):
    path = tmp_path / "exceptions.toml"
    path.write_text('[[exception]]\nid = "X"\npackage = "p"\nuntil = 2030-01-01\n')
    with pytest.raises(SystemExit, match="reason"):
        audit.accepted(dt.date(2026, 1, 1), path)


def test_an_unreachable_service_is_never_a_clean_audit():
    with pytest.raises(audit.Unreachable):
        audit.python_findings({"dependencies": [{"name": "aiohttp", "skip_reason":
                                                 "Dependency not found on PyPI and could not be audited: aiohttp"}]})
    with pytest.raises(audit.Unreachable):
        audit.npm_findings({"error": {"code": "E405", "summary": "audit endpoint returned an error"}}, "console")


def test_the_repository_exceptions_file_reads():
    assert isinstance(audit.accepted(dt.date.today()), dict)
