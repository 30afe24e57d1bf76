"""In-memory stand-ins for the security feature's repositories (csms/db/repositories_security.py),
with the same rules: a retried security event / device event is stored once, variables and monitors
are keyed like the SQL unique keys (alarms: tests/fakes_alarms.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from csms.domain.models import Page
from csms.domain.provisioning import CustomerInformationPart, DeviceEvent, DeviceVariable, Monitor
from csms.domain.security import IssuedCertificate, SecurityEvent


def _page(items: list, limit: int, offset: int) -> Page:
    return Page(items[offset: offset + limit], len(items), limit, offset)


class FakeSecurityEventRepository:
    def __init__(self):
        self.rows: list[SecurityEvent] = []

    async def add(self, event: SecurityEvent) -> tuple[SecurityEvent, bool]:
        for e in self.rows:
            if (e.charge_point_id, e.type, e.timestamp) == (event.charge_point_id, event.type, event.timestamp):
                return e, False
        stored = replace(event, id=len(self.rows) + 1)
        self.rows.append(stored)
        return stored, True

    async def list(self, cp_id: str, *, limit: int = 50, offset: int = 0) -> Page:
        items = sorted((e for e in self.rows if e.charge_point_id == cp_id), key=lambda e: (e.timestamp, e.id),
                       reverse=True)
        return _page(items, limit, offset)


class FakeCertificateRepository:
    def __init__(self):
        self.rows: list[IssuedCertificate] = []

    async def add(self, cert: IssuedCertificate) -> IssuedCertificate:
        if any(c.serial == cert.serial for c in self.rows):
            raise ValueError(f"serial {cert.serial} issued twice")
        stored = replace(cert, id=len(self.rows) + 1)
        self.rows.append(stored)
        return stored

    async def list(self, cp_id: str, *, limit: int = 50, offset: int = 0) -> Page:
        return _page([c for c in reversed(self.rows) if c.charge_point_id == cp_id], limit, offset)


def _var_key(v: DeviceVariable) -> tuple:
    return (v.charge_point_id, v.component, v.component_instance or "", v.evse_id or 0, v.connector_id or 0,
            v.variable, v.variable_instance or "", v.attribute_type)


class FakeDeviceModelRepository:
    def __init__(self):
        self.vars: dict[tuple, DeviceVariable] = {}
        self.mons: dict[tuple[str, int], Monitor] = {}
        self.event_rows: list[DeviceEvent] = []
        self.customer_rows: list[CustomerInformationPart] = []

    async def put_variables(self, variables: list[DeviceVariable]) -> None:
        for v in variables:
            self.vars[_var_key(v)] = replace(v, updated_at=v.updated_at or datetime.now(timezone.utc))

    async def set_value(self, cp_id, component, variable, value, *, attribute_type="Actual", component_instance=None,
                        variable_instance=None, evse_id=None, connector_id=None) -> bool:
        key = (cp_id, component, component_instance or "", evse_id or 0, connector_id or 0, variable,
               variable_instance or "", attribute_type)
        if key not in self.vars:
            return False
        self.vars[key] = replace(self.vars[key], value=value)
        return True

    async def variables(self, cp_id: str, *, component=None, variable=None, limit=500, offset=0) -> Page:
        items = [v for k, v in sorted(self.vars.items()) if v.charge_point_id == cp_id
                 and (not component or v.component == component) and (not variable or v.variable == variable)]
        return _page(items, limit, offset)

    async def put_monitors(self, monitors: list[Monitor]) -> None:
        for m in monitors:
            self.mons[(m.charge_point_id, m.monitor_id)] = m

    async def delete_monitors(self, cp_id: str, ids: list[int]) -> int:
        gone = [k for k in self.mons if k[0] == cp_id and k[1] in ids]
        for k in gone:
            del self.mons[k]
        return len(gone)

    async def monitors(self, cp_id: str) -> list[Monitor]:
        return [m for k, m in sorted(self.mons.items()) if k[0] == cp_id]

    async def add_event(self, event: DeviceEvent) -> bool:
        if any((e.charge_point_id, e.event_id, e.timestamp) == (event.charge_point_id, event.event_id, event.timestamp)
               for e in self.event_rows):
            return False
        self.event_rows.append(replace(event, id=len(self.event_rows) + 1))
        return True

    async def events(self, cp_id: str, *, limit: int = 50, offset: int = 0) -> Page:
        items = sorted((e for e in self.event_rows if e.charge_point_id == cp_id), key=lambda e: (e.timestamp, e.id),
                       reverse=True)
        return _page(items, limit, offset)

    async def add_customer_information(self, part: CustomerInformationPart) -> bool:
        if any((p.charge_point_id, p.request_id, p.seq_no) == (part.charge_point_id, part.request_id, part.seq_no)
               for p in self.customer_rows):
            return False
        self.customer_rows.append(replace(part, id=len(self.customer_rows) + 1))
        return True

    async def customer_information(self, cp_id: str, *, request_id: int | None = None) -> list[CustomerInformationPart]:
        rows = [p for p in self.customer_rows if p.charge_point_id == cp_id
                and (request_id is None or p.request_id == request_id)]
        return sorted(rows, key=lambda p: (-p.request_id, p.seq_no))
