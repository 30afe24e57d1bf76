"""SQL repositories of the security feature, on SQLite and MariaDB (alarms: tests/contract/test_alarms.py)."""

from __future__ import annotations

from datetime import datetime, timezone

from csms.db.repositories_security import (SqlCertificateRepository, SqlDeviceModelRepository,
                                           SqlSecurityEventRepository)
from csms.domain.provisioning import DeviceEvent, DeviceVariable, Monitor
from csms.domain.security import IssuedCertificate, SecurityEvent
from csms.services.clock import SystemClock

CLOCK = SystemClock()
AT = datetime(2026, 1, 1, tzinfo=timezone.utc)


async def test_security_repositories(sf):
    events = SqlSecurityEventRepository(sf, CLOCK)
    e, created = await events.add(SecurityEvent("CP1", "TamperDetectionActivated", AT, "lid", AT))
    assert created and e.id
    assert (await events.add(SecurityEvent("CP1", "TamperDetectionActivated", AT, "lid", AT)))[1] is False
    assert (await events.list("CP1")).total == 1
    certs = SqlCertificateRepository(sf, CLOCK)
    await certs.add(IssuedCertificate("CP1", "abc", "ChargePointCertificate", "CN=CP1", AT, AT, "pem", AT))
    assert [c.serial for c in (await certs.list("CP1")).items] == ["abc"]
    model = SqlDeviceModelRepository(sf, CLOCK)
    v = DeviceVariable("CP1", "EVSE", "Power", value="1", evse_id=1, characteristics={"unit": "W"})
    await model.put_variables([v, DeviceVariable("CP1", "OCPPCommCtrlr", "HeartbeatInterval", value="300")])
    await model.put_variables([DeviceVariable("CP1", "EVSE", "Power", value="2", evse_id=1)])
    assert await model.set_value("CP1", "OCPPCommCtrlr", "HeartbeatInterval", "60")
    rows = (await model.variables("CP1")).items
    assert [(r.component, r.evse_id, r.value, r.component_instance) for r in rows] == [
        ("EVSE", 1, "2", None), ("OCPPCommCtrlr", None, "60", None)]
    await model.put_monitors([Monitor("CP1", 5, "EVSE", "Power", "Delta", 10.0, 3)])
    await model.put_monitors([Monitor("CP1", 5, "EVSE", "Power", "Delta", 20.0, 3)])
    assert [m.value for m in await model.monitors("CP1")] == [20.0]
    assert await model.delete_monitors("CP1", [5]) == 1
    ev = DeviceEvent("CP1", 1, AT, "Alerting", "true", "HardWiredNotification", "Connector", "Problem",
                     received_at=AT)
    assert await model.add_event(ev) and not await model.add_event(ev)
    assert (await model.events("CP1")).total == 1
