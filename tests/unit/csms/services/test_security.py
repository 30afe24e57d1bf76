"""Security services on in-memory fakes: security events and device problems raising alarms,
credentials, CA (the alarms' own rules: tests/unit/csms/services/test_alarms.py)."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from csms.domain.alarms import AlarmQuery
from csms.domain.provisioning import DeviceEvent
from csms.domain.security import SetBasicAuthPassword
from csms.services.station_passwords import StationPasswords
from csms.services.alarms import AlarmPolicy, AlarmService
from csms.services.charger_passwords import ChargerPasswords
from csms.services.provisioning import ProvisioningService
from csms.services.security import SecurityEventService
from csms.services.security_ca import CertificateAuthority, CsrRejected
from csms.services.security_credentials import CredentialService, ProfileRefused, new_password
from tests.fakes import EPOCH, FakeChargePointRepository, FakeClock
from tests.fakes_alarms import FakeAlarmRepository
from tests.fakes_security import FakeDeviceModelRepository, FakeSecurityEventRepository


class Bus:
    def __init__(self):
        self.events = []

    def publish(self, e):
        self.events.append(e)


class Commands:
    def __init__(self, *answers):
        self.answers = list(answers)
        self.sent = []

    async def send(self, cp_id, command):
        self.sent.append(command)
        return self.answers.pop(0)


class Chargers:
    def __init__(self):
        self.forgotten = []
        self.passwords = StationPasswords(b"p" * 32)

    def forget(self, cp_id):
        self.forgotten.append(cp_id)


@pytest.fixture
def alarms():
    """Raised at once (the debounce's own rules are tested with the alarm service)."""
    return AlarmService(FakeAlarmRepository(), FakeChargePointRepository(), Bus(), FakeClock(),
                        AlarmPolicy({"device_problem": 0}, {}))


async def test_critical_events_alarm_once(alarms):
    service = SecurityEventService(FakeSecurityEventRepository(), alarms, Bus(), FakeClock())
    await service.record("CP1", "StartupOfTheDevice", EPOCH)
    await service.record("CP1", "InvalidChargePointCertificate", EPOCH, "bad chain")
    await service.record("CP1", "InvalidChargePointCertificate", EPOCH, "bad chain")
    assert (await service.list("CP1")).total == 2
    page = await alarms.list(AlarmQuery(charge_point_id="CP1"))
    assert [(a.kind, a.type, a.severity) for a in page.items] == [
        ("security_event", "InvalidChargePointCertificate", "critical")]


async def test_password_stored_only_when_accepted():
    cps = FakeChargePointRepository()
    await cps.create(id="CP1")
    chargers = Chargers()
    service = CredentialService(cps, Commands({"status": "Rejected"}, {"status": "Accepted"}), chargers,
                                ChargerPasswords(cps, chargers))
    assert (await service.rotate_password("CP1", "x" * 20))["password"] is None
    assert (await cps.get("CP1")).password_hash is None and chargers.forgotten == []
    result = await service.rotate_password("CP1")
    assert len(result["password"]) == 32 and (await cps.get("CP1")).password_hash.startswith("hmac-sha256$")
    assert service.commands.sent[1] == SetBasicAuthPassword(result["password"]) and chargers.forgotten == ["CP1"]
    assert new_password() != new_password()


async def test_profile_never_lowered():
    cps = FakeChargePointRepository()
    await cps.create(id="CP1", security_profile=2, password_hash="h")
    service = CredentialService(cps, Commands(), Chargers(), ChargerPasswords(cps, Chargers()))
    from csms.domain.security import UpgradeSecurityProfile
    with pytest.raises(ProfileRefused):
        await service.upgrade_security_profile("CP1", UpgradeSecurityProfile(1))


def _csr(cn):
    key = ec.generate_private_key(ec.SECP256R1())
    return (x509.CertificateSigningRequestBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
            .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode())


async def test_ca_generated_once_and_signs(tmp_path):
    ca = CertificateAuthority.from_settings(tmp_path)
    issued = await ca.sign(_csr("CP1"), "CP1")
    assert (tmp_path / "ca" / "ca.key").stat().st_mode & 0o777 == 0o600
    again = CertificateAuthority.from_settings(tmp_path)
    assert await again.certificate_pem() == await ca.certificate_pem()
    leaf = x509.load_pem_x509_certificate(issued.pem.encode())
    leaf.verify_directly_issued_by(x509.load_pem_x509_certificate((await ca.certificate_pem()).encode()))
    with pytest.raises(CsrRejected):
        await ca.check(_csr("CP2"), "CP1")
    with pytest.raises(CsrRejected):
        await ca.check("garbage", "CP1")


async def test_ca_from_configured_files(tmp_path):
    first = CertificateAuthority.from_settings(tmp_path / "a")
    pem = await first.certificate_pem()
    ca = CertificateAuthority.from_settings(tmp_path / "b", str(tmp_path / "a/ca/ca.pem"), str(tmp_path / "a/ca/ca.key"))
    assert await ca.certificate_pem() == pem and not (tmp_path / "b" / "ca").exists()


async def test_problem_events_raise_then_clear(alarms):
    service = ProvisioningService(FakeDeviceModelRepository(), Commands(), alarms, FakeClock())

    def event(eid, value, cleared=False):
        return DeviceEvent("CP1", eid, EPOCH, "Delta", value, "CustomMonitor", "Connector", "Tripped",
                           cleared=cleared, evse_id=1)
    await service.events_received("CP1", [event(1, "true"), event(2, "true")])
    page = await alarms.list(AlarmQuery(charge_point_id="CP1"))
    assert [(a.status, a.count) for a in page.items] == [("Raised", 2)]      # one open alarm per problem
    await service.events_received("CP1", [event(3, "false")])
    assert [(a.status, a.resolved_by) for a in (await alarms.list(AlarmQuery(charge_point_id="CP1"))).items] == [
        ("Resolved", "auto")]
