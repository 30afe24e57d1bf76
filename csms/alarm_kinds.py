"""What can go wrong, as alarms name it: the kinds, each with its default debounce and severity, and
the severities. Shared by the domain (csms/domain/alarms.py) and the settings that override the
defaults (csms/settings_operations.py), which the transport layer reads too: so it lives outside both."""

from __future__ import annotations

# -- kinds: what can go wrong, with the default debounce (seconds) and severity of each ---------------
CONNECTOR_FAULT = "connector_fault"            # 1.6/2.0.1 StatusNotification Faulted, or a 1.6 errorCode
DEVICE_PROBLEM = "device_problem"              # 2.0.1 NotifyEvent Problem/Tripped/Fault/... = true
CHARGE_POINT_OFFLINE = "charge_point_offline"  # no connection for longer than the debounce
BOOT_REJECTED = "boot_rejected"                # a BootNotification answered Rejected
SECURITY_EVENT = "security_event"              # a critical SecurityEventNotification
METER_ANOMALY = "meter_anomaly"                # meter stop below start, or a register going backwards
STUCK_TRANSACTION = "stuck_transaction"        # a transaction open longer than alarms.stuck_after_hours
PAYMENT_FAILURE = "payment_failure"            # WeChat Pay refused or could not be asked (per stage)
RECONCILIATION_MISMATCH = "reconciliation_mismatch"   # the daily trade bill does not balance
FIRMWARE_FAILURE = "firmware_failure"          # a firmware download/installation/publication failed

# kind -> (debounce seconds, severity): the defaults the settings alarms.debounce / alarms.severity override
KINDS: dict[str, tuple[float, str]] = {
    CONNECTOR_FAULT: (60.0, "major"),
    DEVICE_PROBLEM: (60.0, "major"),
    CHARGE_POINT_OFFLINE: (300.0, "major"),
    BOOT_REJECTED: (0.0, "warning"),
    SECURITY_EVENT: (0.0, "critical"),
    METER_ANOMALY: (0.0, "major"),
    STUCK_TRANSACTION: (0.0, "warning"),
    PAYMENT_FAILURE: (0.0, "major"),
    RECONCILIATION_MISMATCH: (0.0, "critical"),
    FIRMWARE_FAILURE: (0.0, "warning"),
}

SEVERITIES = ("info", "warning", "major", "critical")      # ascending


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


