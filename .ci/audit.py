"""Dependency audits (issue 16 item 10): pip-audit over the installed Python dependencies (what setup.cfg
resolved to in the venv) and ``npm audit --omit=dev`` over miniprogram/ and console/ (their lock files).
A known vulnerability fails, unless .ci/audit-exceptions.toml accepts it with a reason and a date after
which it must be looked at again (an exception past its date no longer counts).

    .venv/bin/python .ci/audit.py          # make audit; .ci/run runs it

When a vulnerability service cannot be reached (no route to it, or a mirror that does not serve it) the
audit says so on one line and does not pass for a clean one: exit status 0 unless CSMS_AUDIT_REQUIRE=1,
which makes an unreachable service fail too."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXCEPTIONS = ROOT / ".ci" / "audit-exceptions.toml"
NPM_PROJECTS = ("miniprogram", "console")


@dataclass(frozen=True)
class Finding:
    ecosystem: str      # python | npm
    package: str
    version: str
    ids: tuple[str, ...]    # every id the advisory goes by (PYSEC-, GHSA-, CVE-)
    summary: str = ""


class Unreachable(Exception):
    """The vulnerability service could not be asked."""


def accepted(today: dt.date, path: Path = EXCEPTIONS) -> dict[str, dict]:
    """id -> its exception, for the exceptions still in force (each must give a reason and a date)."""
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out = {}
    for entry in data.get("exception", []):
        for key in ("id", "package", "reason", "until"):
            if not entry.get(key):
                raise SystemExit(f"{path.name}: an exception without {key!r}: {entry}")
        until = entry["until"] if isinstance(entry["until"], dt.date) else dt.date.fromisoformat(str(entry["until"]))
        if until >= today:
            out[entry["id"]] = entry
    return out


def python_findings(report: dict) -> list[Finding]:
    """pip-audit --format json: {"dependencies": [{"name", "version", "vulns": [{"id", "aliases"}]} | skipped]}."""
    deps = report.get("dependencies", [])
    audited = [d for d in deps if "skip_reason" not in d]
    if deps and not audited and any("not found on PyPI" in d.get("skip_reason", "") for d in deps):
        raise Unreachable("PyPI's vulnerability data (JSON API per release) answered for no dependency")
    return [Finding("python", d["name"], d.get("version", ""), (v["id"], *v.get("aliases", ())),
                    v.get("description", "")[:120]) for d in audited for v in d.get("vulns", [])]


def npm_findings(report: dict, project: str) -> list[Finding]:
    """npm audit --json (report version 2): {"vulnerabilities": {name: {"via": [advisory | name]}}}."""
    if "error" in report or "vulnerabilities" not in report:
        error = report.get("error") or {}
        raise Unreachable(f"npm audit in {project}: {error.get('summary') or report.get('message') or 'no report'} "
                          f"{error.get('detail', '')}".strip())
    found = []
    for name, vuln in report["vulnerabilities"].items():
        for via in vuln.get("via", []):
            if isinstance(via, dict):          # an advisory; a plain name is a path to another package's
                ghsa = str(via.get("url", "")).rsplit("/", 1)[-1]
                found.append(Finding("npm", f"{project}:{name}", str(via.get("range", "")),
                                     tuple(i for i in (ghsa, str(via.get("source", ""))) if i), via.get("title", "")))
    return found


def gate(findings: list[Finding], exceptions: dict[str, dict]) -> list[Finding]:
    """The findings no exception in force accepts."""
    return [f for f in findings if not any(i in exceptions for i in f.ids)]


def _run(cmd: list[str], cwd: Path) -> dict:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)  # findings exit 1
    try:
        return json.loads(proc.stdout or "{}")
    except json.JSONDecodeError:
        raise Unreachable(f"{' '.join(cmd[:3])}: {(proc.stderr or proc.stdout).strip().splitlines()[-1:]}") from None


def main() -> int:
    exceptions = accepted(dt.date.today())
    findings: list[Finding] = []
    unreachable: list[str] = []
    try:
        findings += python_findings(_run([sys.executable, "-m", "pip_audit", "--format", "json", "--skip-editable",
                                          "--progress-spinner", "off"], ROOT))
    except Unreachable as exc:
        unreachable.append(f"python: {exc}")
    for project in NPM_PROJECTS:
        try:
            findings += npm_findings(_run(["npm", "audit", "--omit=dev", "--json"], ROOT / project), project)
        except Unreachable as exc:
            unreachable.append(str(exc))
    failing = gate(findings, exceptions)
    for f in findings:
        print(f"audit: {'ACCEPTED' if f not in failing else 'VULNERABLE'} {f.ecosystem} {f.package} {f.version} "
              f"{'/'.join(f.ids)} {f.summary}")
    for line in unreachable:
        print(f"audit: NOT AUDITED {line}")
    print(f"audit: {len(findings)} known vulnerabilities, {len(findings) - len(failing)} accepted "
          f"({EXCEPTIONS.name}), {len(unreachable)} sources unreachable")
    if failing:
        return 1
    return 1 if unreachable and os.environ.get("CSMS_AUDIT_REQUIRE") == "1" else 0


if __name__ == "__main__":
    sys.exit(main())
