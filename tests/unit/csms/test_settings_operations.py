"""The operations settings: per-kind debounce and severity (a kind left out keeps its default), and
one-line errors naming the setting for what cannot work."""

from __future__ import annotations

import pytest

from csms.services.alarms import AlarmPolicy
from csms.settings import SettingsError, load_settings
from csms.settings_operations import parse_debounce, parse_severity


def test_a_partial_override_keeps_the_other_kinds_defaults():
    s = load_settings(env={"CSMS_ALARMS_DEBOUNCE": "connector_fault=5, charge_point_offline=0.5",
                           "CSMS_ALARMS_SEVERITY": "boot_rejected=critical"})
    policy = AlarmPolicy(parse_debounce(s.alarms.debounce), parse_severity(s.alarms.severity))
    assert (policy.debounce_of("connector_fault"), policy.debounce_of("charge_point_offline"),
            policy.debounce_of("device_problem")) == (5.0, 0.5, 60.0)
    assert (policy.severity_of("boot_rejected"), policy.severity_of("security_event")) == ("critical", "critical")


@pytest.mark.parametrize("env,key", [
    ({"CSMS_ALARMS_DEBOUNCE": "earthquake=5"}, "alarms.debounce"),
    ({"CSMS_ALARMS_DEBOUNCE": "connector_fault=-1"}, "alarms.debounce"),
    ({"CSMS_ALARMS_DEBOUNCE": "connector_fault"}, "alarms.debounce"),
    ({"CSMS_ALARMS_SEVERITY": "connector_fault=apocalyptic"}, "alarms.severity"),
    ({"CSMS_ALARMS_CHECK_INTERVAL": "0"}, "alarms.check_interval"),
    ({"CSMS_NOTIFY_WORKERS": "0"}, "notify.workers"),
    ({"CSMS_NOTIFY_SMTP_TLS": "ssl3"}, "notify.smtp_tls"),
    ({"CSMS_SMS_MODE": "carrier-pigeon"}, "sms.mode"),
    ({"CSMS_SMS_MODE": "live"}, "sms.access_key_id"),
    ({"CSMS_SMS_MODE": "live", "CSMS_SMS_ACCESS_KEY_ID": "LTAI1", "CSMS_SMS_ACCESS_KEY_SECRET": "s",
      "CSMS_SMS_ENDPOINT": "http://127.0.0.1:9200"}, "sms.endpoint"),
])
def test_what_cannot_work_stops_start_up_naming_the_setting(env, key):
    with pytest.raises(SettingsError) as refused:
        load_settings(env=env)
    assert str(refused.value).startswith(f"setting {key}:") and "\n" not in str(refused.value)
