"""SQL repositories of the security feature: security events, issued certificates, and the
2.0.1 device model (variables, monitors, events, customer information)."""

from __future__ import annotations

import json
from dataclasses import asdict

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from csms.db import tables_security as t
from csms.db.repositories import _Repo, _to
from csms.domain.models import Page
from csms.domain.provisioning import CustomerInformationPart, DeviceEvent, DeviceVariable, Monitor
from csms.domain.security import IssuedCertificate, SecurityEvent



# absent instance / EVSE / connector <-> the '' / 0 stored in unique keys
def _key_in(d: dict) -> dict:
    d = dict(d)
    for k in ("component_instance", "variable_instance"):
        if k in d:
            d[k] = d[k] or ""
    for k in ("evse_id", "connector_id"):
        if k in d:
            d[k] = d[k] or 0
    return d


def _key_out(d: dict) -> dict:
    d = dict(d)
    for k in ("component_instance", "variable_instance", "evse_id", "connector_id"):
        if k in d and not d[k]:
            d[k] = None
    return d


class SqlSecurityEventRepository(_Repo):
    async def add(self, event: SecurityEvent) -> tuple[SecurityEvent, bool]:
        """Store the event; (stored, created). The same (charge point, type, timestamp) is one event."""
        c = t.security_events.c
        same = select(t.security_events).where(c.charge_point_id == event.charge_point_id, c.type == event.type,
                                               c.timestamp == event.timestamp)
        row = await self._one(same)
        if row is not None:
            return _to(SecurityEvent, row), False
        values = {k: v for k, v in asdict(event).items() if k != "id"}
        try:
            async with self.db_sessions.begin() as s:
                res = await s.execute(t.security_events.insert().values(**values))
                new_id = res.inserted_primary_key[0]
        except IntegrityError:
            return _to(SecurityEvent, await self._one(same)), False
        return SecurityEvent(**{**values, "id": new_id}), True

    async def list(self, cp_id: str, *, limit: int = 50, offset: int = 0) -> Page:
        c = t.security_events.c
        return await self._page(SecurityEvent, t.security_events, [c.charge_point_id == cp_id],
                                [c.timestamp.desc(), c.id.desc()], limit, offset)


class SqlCertificateRepository(_Repo):
    async def add(self, cert: IssuedCertificate) -> IssuedCertificate:
        values = {k: v for k, v in asdict(cert).items() if k != "id"}
        async with self.db_sessions.begin() as s:
            res = await s.execute(t.issued_certificates.insert().values(**values))
            return IssuedCertificate(**{**values, "id": res.inserted_primary_key[0]})

    async def list(self, cp_id: str, *, limit: int = 50, offset: int = 0) -> Page:
        c = t.issued_certificates.c
        return await self._page(IssuedCertificate, t.issued_certificates, [c.charge_point_id == cp_id],
                                [c.id.desc()], limit, offset)


_VAR_KEY = ("charge_point_id", "component", "component_instance", "evse_id", "connector_id", "variable",
            "variable_instance", "attribute_type")
_MONITOR_KEY = ("charge_point_id", "monitor_id")


class SqlDeviceModelRepository(_Repo):
    async def _upsert(self, table, key: tuple[str, ...], rows: list[dict]) -> None:
        async with self.db_sessions.begin() as s:
            for row in rows:
                where = [table.c[k] == row[k] for k in key]
                found = (await s.execute(select(table.c.id).where(*where).with_for_update())).first()
                if found is None:
                    await s.execute(table.insert().values(**row))
                else:
                    await s.execute(update(table).where(table.c.id == found.id).values(**row))

    # -- variables -------------------------------------------------------------------------------
    async def put_variables(self, variables: list[DeviceVariable]) -> None:
        rows = []
        for v in variables:
            row = _key_in(asdict(v))
            row["characteristics"] = json.dumps(v.characteristics) if v.characteristics is not None else None
            row["updated_at"] = v.updated_at or self.clock.now()
            rows.append(row)
        await self._upsert(t.device_variables, _VAR_KEY, rows)

    async def set_value(self, cp_id: str, component: str, variable: str, value: str, *, attribute_type: str = "Actual",
                        component_instance=None, variable_instance=None, evse_id=None, connector_id=None) -> bool:
        """Update the stored value of a known variable (after an Accepted SetVariables)."""
        c = t.device_variables.c
        key = _key_in(dict(component_instance=component_instance, variable_instance=variable_instance,
                           evse_id=evse_id, connector_id=connector_id))
        stmt = update(t.device_variables).where(
            c.charge_point_id == cp_id, c.component == component, c.variable == variable,
            c.attribute_type == attribute_type, *[c[k] == v for k, v in key.items()]).values(
            value=value, updated_at=self.clock.now())
        return await self._write(stmt) > 0

    async def variables(self, cp_id: str, *, component: str | None = None, variable: str | None = None,
                        limit: int = 500, offset: int = 0) -> Page:
        c = t.device_variables.c
        where = [c.charge_point_id == cp_id]
        if component:
            where.append(c.component == component)
        if variable:
            where.append(c.variable == variable)
        async with self.db_sessions() as s:
            total = (await s.execute(select(func.count()).select_from(t.device_variables).where(*where))).scalar_one()
            rows = (await s.execute(select(t.device_variables).where(*where).order_by(
                c.component, c.component_instance, c.evse_id, c.connector_id, c.variable, c.variable_instance,
                c.attribute_type).limit(limit).offset(offset))).all()
        items = []
        for r in rows:
            d = _key_out(dict(r._mapping))
            d.pop("id")
            d["characteristics"] = json.loads(d["characteristics"]) if d["characteristics"] else None
            items.append(DeviceVariable(**d))
        return Page(items, total, limit, offset)

    # -- monitors --------------------------------------------------------------------------------
    async def put_monitors(self, monitors: list[Monitor]) -> None:
        rows = [{**_key_in(asdict(m)), "updated_at": m.updated_at or self.clock.now()} for m in monitors]
        await self._upsert(t.variable_monitors, _MONITOR_KEY, rows)

    async def delete_monitors(self, cp_id: str, ids: list[int]) -> int:
        c = t.variable_monitors.c
        return await self._write(delete(t.variable_monitors).where(c.charge_point_id == cp_id, c.monitor_id.in_(ids)))

    async def monitors(self, cp_id: str) -> list[Monitor]:
        c = t.variable_monitors.c
        async with self.db_sessions() as s:
            rows = (await s.execute(select(t.variable_monitors).where(c.charge_point_id == cp_id)
                                    .order_by(c.monitor_id))).all()
        out = []
        for r in rows:
            d = _key_out(dict(r._mapping))
            d.pop("id")
            out.append(Monitor(**d))
        return out

    # -- events ----------------------------------------------------------------------------------
    async def add_event(self, event: DeviceEvent) -> bool:
        """Store an event; False if it was stored before (a retried NotifyEvent)."""
        values = {k: v for k, v in asdict(event).items() if k != "id"}
        c = t.device_events.c
        same = select(c.id).where(c.charge_point_id == event.charge_point_id, c.event_id == event.event_id,
                                  c.timestamp == event.timestamp)
        if await self._one(same) is not None:
            return False
        try:
            async with self.db_sessions.begin() as s:
                await s.execute(t.device_events.insert().values(**values))
        except IntegrityError:
            return False
        return True

    async def events(self, cp_id: str, *, limit: int = 50, offset: int = 0) -> Page:
        c = t.device_events.c
        return await self._page(DeviceEvent, t.device_events, [c.charge_point_id == cp_id],
                                [c.timestamp.desc(), c.id.desc()], limit, offset)

    # -- customer information ----------------------------------------------------------------------
    async def add_customer_information(self, part: CustomerInformationPart) -> bool:
        values = {k: v for k, v in asdict(part).items() if k != "id"}
        try:
            async with self.db_sessions.begin() as s:
                await s.execute(t.customer_information.insert().values(**values))
        except IntegrityError:
            return False
        return True

    async def customer_information(self, cp_id: str, *, request_id: int | None = None) -> list[CustomerInformationPart]:
        c = t.customer_information.c
        where = [c.charge_point_id == cp_id]
        if request_id is not None:
            where.append(c.request_id == request_id)
        async with self.db_sessions() as s:
            rows = (await s.execute(select(t.customer_information).where(*where)
                                    .order_by(c.request_id.desc(), c.seq_no))).all()
        return [_to(CustomerInformationPart, r) for r in rows]
