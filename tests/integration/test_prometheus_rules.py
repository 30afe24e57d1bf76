"""The shipped Prometheus files are valid and the alert rules behave as their unit tests say
(promtool from Debian's `prometheus` package; .ci/run installs it)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from csms import paths
from tests.support.services import REQUIRE

CONFIG = paths.CHECKOUT / "config" / "prometheus"


@pytest.fixture(scope="module")
def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        message = "promtool not installed (apt-get install prometheus)"
        if REQUIRE:
            pytest.fail(message + " (CSMS_TEST_REQUIRE_SERVICES=1)")
        pytest.skip(message)
    return found


def _run(*cmd: str, cwd=CONFIG) -> str:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


def test_the_alert_rules_are_valid(promtool):
    assert "SUCCESS" in _run(promtool, "check", "rules", "alerts.yml")


def test_the_alert_rules_pass_their_unit_tests(promtool):
    assert "SUCCESS" in _run(promtool, "test", "rules", "tests/alerts_test.yml")


def test_the_scrape_config_is_valid(promtool):
    assert "SUCCESS" in _run(promtool, "check", "config", "prometheus.yml")


def test_every_alert_has_a_unit_test_where_it_fires():
    rules = yaml.safe_load((CONFIG / "alerts.yml").read_text())
    alerts = {r["alert"] for group in rules["groups"] for r in group["rules"]}
    tests = yaml.safe_load((CONFIG / "tests" / "alerts_test.yml").read_text())["tests"]
    fired = {case["alertname"] for t in tests for case in t.get("alert_rule_test", []) if case.get("exp_alerts")}

    assert alerts == fired, f"alerts without a firing unit test: {sorted(alerts - fired)}"
