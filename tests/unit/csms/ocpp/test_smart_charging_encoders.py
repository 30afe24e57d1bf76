"""Version adapters: neutral commands -> 1.6 / 2.0.1 payloads that pass the official schemas, and
2.0.1 reports -> neutral profiles. Pure functions."""

from __future__ import annotations

from csms.domain import firmware as fw
from csms.domain import smart_charging as sc
from csms.ocpp import frames
from csms.ocpp.v16 import firmware as v16_fw
from csms.ocpp.v16 import smart_charging as v16_sc
from csms.ocpp.v201 import firmware as v201_fw
from csms.ocpp.v201 import smart_charging as v201_sc
from csms.ocpp.v201 import smart_charging_display as v201_display
from tests.unit.csms.services.smart_charging_builders import T0, a_profile, periods

PROFILE = a_profile(id=5, stack_level=1, purpose="ChargePointMaxProfile", kind="Recurring", recurrency_kind="Daily",
                    valid_from=T0, periods=periods((0, 32), (3600, 16.5)), duration=7200)
JOB = fw.FirmwareJob(id=7, charge_point_id="CP1", kind="publish", location="https://fw/x.bin", retrieve_at=T0,
                     checksum="abc", retries=1)
LOG = fw.LogJob(id=8, charge_point_id="CP1", log_type="SecurityLog", location="https://l/", oldest_at=T0)

COMMANDS = [sc.SetChargingProfile(0, PROFILE), sc.ClearChargingProfile(), sc.ClearChargingProfile(profile_id=5),
            sc.ClearChargingProfile(evse_id=1, purpose="ChargePointMaxProfile", stack_level=1),
            sc.GetCompositeSchedule(1, 60, "W"), sc.GetChargingProfiles(3, 1, "TxProfile", 2, (1, 2), ("EMS",)),
            fw.UpdateFirmware(JOB), fw.UpdateFirmware(fw.FirmwareJob(**{**JOB.__dict__, "signature": "s",
                                                                        "signing_certificate": "c"})),
            fw.GetLog(LOG), fw.GetLog(LOG, diagnostics=True), fw.PublishFirmware(JOB), fw.UnpublishFirmware("abc"),
            sc.SetDisplayMessage(sc.DisplayMessage(1, "AlwaysFront", "URI", "https://x", evse_id=2, start_at=T0)),
            sc.GetDisplayMessages(4, (1,), "InFront", "Idle"), sc.ClearDisplayMessage(1)]


def test_every_encoded_command_passes_its_versions_schema():
    tables = {"ocpp1.6": {**v16_sc.ENCODERS, **v16_fw.ENCODERS},
              "ocpp2.0.1": {**v201_sc.ENCODERS, **v201_fw.ENCODERS, **v201_display.ENCODERS}}
    for version, table in tables.items():
        for command in COMMANDS:
            if type(command) in table:
                action, payload = table[type(command)][0](command)
                frames.validate(version, action, payload)


def test_clear_without_criteria_clears_everything():
    assert v201_sc.ENCODERS[sc.ClearChargingProfile][0](sc.ClearChargingProfile()) == ("ClearChargingProfile", {})
    assert v16_sc.ENCODERS[sc.ClearChargingProfile][0](sc.ClearChargingProfile()) == ("ClearChargingProfile", {})


def test_v16_signed_fields_choose_signed_update_firmware():
    encode = v16_fw.ENCODERS[fw.UpdateFirmware][0]
    assert encode(fw.UpdateFirmware(JOB))[0] == "UpdateFirmware"
    signed = fw.FirmwareJob(**{**JOB.__dict__, "signature": "s", "signing_certificate": "c"})
    assert encode(fw.UpdateFirmware(signed))[0] == "SignedUpdateFirmware"


def test_a_reported_201_profile_becomes_neutral():
    action, payload = v201_sc.ENCODERS[sc.SetChargingProfile][0](sc.SetChargingProfile(0, PROFILE, None))
    profile, tx = v201_sc.profile_in(payload["chargingProfile"])
    assert (profile, tx) == (PROFILE, None)


def test_composite_answers_without_a_schedule():
    cmd = sc.GetCompositeSchedule(1, 60)
    assert v16_sc.ENCODERS[sc.GetCompositeSchedule][1](cmd, {"status": "Rejected"}) == {"status": "Rejected"}
    assert v201_sc.ENCODERS[sc.GetCompositeSchedule][1](cmd, {"status": "Rejected"}) == {"status": "Rejected"}
