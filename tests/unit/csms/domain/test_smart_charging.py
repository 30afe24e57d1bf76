"""The profile rules and the stacking rules (pure), and the firmware/log state machines."""

from __future__ import annotations

import pytest

from csms.domain import firmware as fw
from csms.domain.smart_charging import InvalidProfile, check_profile, cleared_by, replaced_by
from tests.unit.csms.services.smart_charging_builders import T0, a_profile, installed, periods


@pytest.mark.parametrize("profile, evse, field", [
    (a_profile(purpose="TxProfile", kind="Relative"), 1, "profile.transaction_id"),
    (a_profile(purpose="TxProfile", kind="Relative", transaction_id=3), 0, "connector_id"),
    (a_profile(transaction_id=3), 1, "profile.transaction_id"),
    (a_profile(purpose="ChargePointMaxProfile"), 1, "connector_id"),
    (a_profile(purpose="ChargingStationExternalConstraints"), 0, "profile.purpose"),
    (a_profile(kind="Recurring"), 1, "profile.recurrency_kind"),
    (a_profile(recurrency_kind="Daily"), 1, "profile.recurrency_kind"),
    (a_profile(kind="Relative", start_schedule=T0), 1, "profile.schedule.start_schedule"),
    (a_profile(start_schedule=None), 1, "profile.schedule.start_schedule"),
    (a_profile(periods=periods((10, 6))), 1, "profile.schedule.periods"),
    (a_profile(periods=periods((0, 6), (60, 8), (60, 9))), 1, "profile.schedule.periods"),
    (a_profile(valid_from=T0, valid_to=T0), 1, "profile.valid_to"),
])
def test_a_broken_profile_is_refused_naming_the_field(profile, evse, field):
    with pytest.raises(InvalidProfile) as err:
        check_profile(profile, evse)
    assert err.value.field == field


def test_valid_profiles_pass():
    check_profile(a_profile(), 0)
    check_profile(a_profile(purpose="TxProfile", kind="Relative", transaction_id=1), 2)
    check_profile(a_profile(purpose="ChargePointMaxProfile", kind="Recurring", recurrency_kind="Weekly"), 0)


def test_stacking_same_purpose_and_level_on_the_same_evse_replaces():
    old = installed(a_profile(id=1, stack_level=2), evse_id=1)
    assert replaced_by(installed(a_profile(id=2, stack_level=2), evse_id=1), old)
    assert not replaced_by(installed(a_profile(id=2, stack_level=3), evse_id=1), old)
    assert not replaced_by(installed(a_profile(id=2, stack_level=2), evse_id=2), old)
    assert not replaced_by(installed(a_profile(id=2, stack_level=2, purpose="ChargePointMaxProfile"), evse_id=1), old)
    assert replaced_by(installed(a_profile(id=1, stack_level=9), evse_id=2), old)            # same id
    assert not replaced_by(installed(a_profile(id=1), evse_id=1, cp_id="CP2"), old)          # another station


def test_tx_profiles_of_different_transactions_coexist():
    a = installed(a_profile(id=1, purpose="TxProfile", kind="Relative", transaction_id=1), evse_id=1)
    b = installed(a_profile(id=2, purpose="TxProfile", kind="Relative", transaction_id=2), evse_id=1)
    assert not replaced_by(b, a)


def test_clear_by_id_ignores_the_other_criteria_and_no_criteria_clears_all():
    p = installed(a_profile(id=4, stack_level=1), evse_id=1)
    assert cleared_by(p, profile_id=4, evse_id=9, purpose="TxProfile", stack_level=7)
    assert not cleared_by(p, profile_id=5, evse_id=None, purpose=None, stack_level=None)
    assert cleared_by(p, profile_id=None, evse_id=None, purpose=None, stack_level=None)
    assert cleared_by(p, profile_id=None, evse_id=1, purpose="TxDefaultProfile", stack_level=1)
    assert not cleared_by(p, profile_id=None, evse_id=1, purpose="TxDefaultProfile", stack_level=2)


def _job(status: str, kind: str = "update"):
    return fw.FirmwareJob(id=1, charge_point_id="CP1", kind=kind, location="x", status=status)


@pytest.mark.parametrize("current, reported, expected", [
    ("Accepted", "Downloading", "Downloading"),
    ("Downloading", "DownloadPaused", "DownloadPaused"),
    ("DownloadPaused", "Downloading", "Downloading"),
    ("Downloaded", "Installing", "Installing"),
    ("Installing", "Downloading", None),          # backwards
    ("Installed", "Installing", None),            # after the end
    ("Installing", "Installing", None),           # repeated
    ("Downloading", "Idle", None),                # Idle moves no job
    ("Rejected", "Downloading", None),
    ("Failed", "Downloading", "Downloading"),     # the answer was lost, the notifications were not
])
def test_firmware_update_machine(current, reported, expected):
    assert fw.advance(_job(current), reported) == expected


def test_publish_and_log_machines():
    assert fw.advance(_job("Downloaded", "publish"), "ChecksumVerified") == "ChecksumVerified"
    assert fw.advance(_job("Published", "publish"), "Downloading") is None
    log = fw.LogJob(id=1, charge_point_id="CP1", log_type="SecurityLog", location="x", status="Accepted")
    assert fw.advance(log, "Uploading") == "Uploading"
    assert fw.advance(fw.LogJob(**{**log.__dict__, "status": "Uploaded"}), "Uploading") is None
