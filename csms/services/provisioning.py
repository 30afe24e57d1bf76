"""Device model, monitoring and customer information (OCPP 2.0.1 blocks B and N), version-neutral:
reports requested (and tracked: csms.services.requests) and received, variables set and read,
monitors set and cleared, events stored (problem events raise and clear alarms), customer
information stored. Also what authorization needs of the device model: the MasterPassGroupId."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

from csms.domain import provisioning as p
from csms.domain.models import Page
from csms.domain.provisioning import CustomerInformationPart, DeviceEvent, DeviceVariable, Monitor
from csms.domain.requests import PartIn
from csms.services.clock import Clock
from csms.services.ids import next_request_id
from csms.services.message_limits import MessageLimits
from csms.services.requests import UNTRACKED
from csms.services.security import AlarmService

MASTER_PASS = ("AuthCtrlr", "MasterPassGroupId")
MASTER_PASS_TTL = 60.0      # s: a value set through another node is seen at the latest after this


class DeviceModelRepository(Protocol):
    async def put_variables(self, variables: list[DeviceVariable]) -> None: ...
    async def set_value(self, cp_id: str, component: str, variable: str, value: str, *, attribute_type: str = "Actual",
                        component_instance: str | None = None, variable_instance: str | None = None,
                        evse_id: int | None = None, connector_id: int | None = None) -> bool: ...
    async def variables(self, cp_id: str, *, component: str | None = None, variable: str | None = None,
                        limit: int = 500, offset: int = 0) -> Page: ...
    async def put_monitors(self, monitors: list[Monitor]) -> None: ...
    async def delete_monitors(self, cp_id: str, ids: list[int]) -> int: ...
    async def monitors(self, cp_id: str) -> list[Monitor]: ...
    async def add_event(self, event: DeviceEvent) -> bool: ...
    async def events(self, cp_id: str, *, limit: int = 50, offset: int = 0) -> Page: ...
    async def add_customer_information(self, part: CustomerInformationPart) -> bool: ...
    async def customer_information(self, cp_id: str, *, request_id: int | None = None) -> list: ...


class Commands(Protocol):
    async def send(self, cp_id: str, command: Any) -> dict: ...
    async def size(self, cp_id: str, command: Any) -> int: ...


def _ref_key(ref: p.VariableRef) -> dict:
    return dict(attribute_type=ref.attribute_type or "Actual", component_instance=ref.component_instance,
                variable_instance=ref.variable_instance, evse_id=ref.evse_id, connector_id=ref.connector_id)


class ProvisioningService:
    def __init__(self, repo: DeviceModelRepository, commands: Commands, alarms: AlarmService, clock: Clock,
                 requests=UNTRACKED, limits: MessageLimits | None = None):
        self.repo = repo
        self.commands = commands
        self.alarms = alarms
        self.clock = clock
        self.requests = requests          # ReportRequestService: reports and customer information tracked
        self.limits = limits              # ItemsPerMessage / BytesPerMessage: requests split to fit
        self._master_pass: dict[str, tuple[str | None, float]] = {}    # cp id -> (group id, valid until)

    def next_request_id(self) -> int:
        return next_request_id()

    async def _requested(self, cp_id: str, command, params: dict) -> dict:
        return await self.requests.track(cp_id, type(command).__name__, command.request_id, params,
                                         lambda: self.commands.send(cp_id, command))

    # -- reports -----------------------------------------------------------------------------------
    async def get_base_report(self, cp_id: str, report_base: str) -> dict:
        return await self._requested(cp_id, p.GetBaseReport(report_base, self.next_request_id()),
                                     {"report_base": report_base})

    async def get_report(self, cp_id: str, component_criteria=(), component_variables=()) -> dict:
        criteria = tuple(component_criteria)
        parts = await self._split(cp_id, "GetReport", list(component_variables),
                                  lambda chunk: p.GetReport(0, criteria, tuple(chunk)))
        results = []
        for chunk in parts:          # one tracked request per part, each with its own requestId
            command = p.GetReport(self.next_request_id(), criteria, tuple(chunk))
            results.append(await self._requested(cp_id, command, {"component_criteria": list(criteria),
                                                                  "component_variables": _refs(chunk)}))
        if len(results) == 1:
            return results[0]
        statuses = {r["status"] for r in results}
        status = statuses.pop() if len(statuses) == 1 else ("Accepted" if "Accepted" in statuses else "Rejected")
        return {"status": status, "request_id": results[0]["request_id"],
                "request_ids": [r["request_id"] for r in results], "parts": results}

    async def _split(self, cp_id: str, request: str, items: list, make) -> list[list]:
        """``items`` in parts that fit the station's ItemsPerMessage / BytesPerMessage of ``request``."""
        if self.limits is None or not items:
            return [items]
        return await self.limits.split(cp_id, request, items, lambda chunk: self.commands.size(cp_id, make(chunk)))

    async def _send_split(self, cp_id: str, request: str, items: list, make) -> dict:
        """Send ``make(part)`` per part and merge the answers' results, in the order asked (B06.FR.05)."""
        results: list = []
        for part in await self._split(cp_id, request, items, make):
            results.extend((await self.commands.send(cp_id, make(part)))["results"])
        return {"status": "Accepted", "results": results}

    async def report_received(self, cp_id: str, variables: list[DeviceVariable], part: PartIn) -> None:
        """One NotifyReport part (of possibly many, tbc): its variables replace what was stored."""
        now = self.clock.now()
        await self.repo.put_variables([v if v.updated_at else _with_time(v, now) for v in variables])
        if any((v.component, v.variable) == MASTER_PASS for v in variables):
            self._master_pass.pop(cp_id, None)
        if self.limits is not None and any(self.limits.concerns(v.component, v.variable) for v in variables):
            self.limits.forget(cp_id)
        await self.requests.part_received(cp_id, "report", part)

    async def master_pass_group(self, cp_id: str) -> str | None:
        """The charge point's AuthCtrlr.MasterPassGroupId (Actual) as reported or set; None if it has
        none. Cached per charge point; a report or an accepted set/get of it refreshes the cache."""
        now = time.monotonic()
        hit = self._master_pass.get(cp_id)
        if hit is not None and hit[1] > now:
            return hit[0]
        page = await self.repo.variables(cp_id, component=MASTER_PASS[0], variable=MASTER_PASS[1], limit=20)
        value = next((v.value for v in page.items if v.attribute_type == "Actual" and not v.component_instance
                      and not v.variable_instance and not v.evse_id), None) or None
        self._master_pass[cp_id] = (value, now + MASTER_PASS_TTL)
        return value

    async def device_model(self, cp_id: str, *, component: str | None = None, variable: str | None = None,
                           limit: int = 500, offset: int = 0) -> Page:
        return await self.repo.variables(cp_id, component=component, variable=variable, limit=limit, offset=offset)

    # -- variables ---------------------------------------------------------------------------------
    async def set_variables(self, cp_id: str, command: p.SetVariables) -> dict:
        result = await self._send_split(cp_id, "SetVariables", list(command.variables),
                                        lambda part: p.SetVariables(tuple(part)))
        for item, sent in zip(result["results"], command.variables):
            if item["status"] == "Accepted":
                await self._store_value(cp_id, sent.ref, sent.value)
        return result

    async def get_variables(self, cp_id: str, command: p.GetVariables) -> dict:
        result = await self._send_split(cp_id, "GetVariables", list(command.variables),
                                        lambda part: p.GetVariables(tuple(part)))
        for item, ref in zip(result["results"], command.variables):
            if item["status"] == "Accepted" and item.get("value") is not None:
                await self._store_value(cp_id, ref, item["value"])
        return result

    async def _store_value(self, cp_id: str, ref: p.VariableRef, value: str) -> None:
        """The value a charge point accepted or told: updates the stored variable, or records it
        when no report has named it yet."""
        key = _ref_key(ref)
        if not await self.repo.set_value(cp_id, ref.component, ref.variable, value, **key):
            await self.repo.put_variables([DeviceVariable(cp_id, ref.component, ref.variable, value=value,
                                                          updated_at=self.clock.now(), **key)])
        if (ref.component, ref.variable) == MASTER_PASS:
            self._master_pass.pop(cp_id, None)
        if self.limits is not None and self.limits.concerns(ref.component, ref.variable):
            self.limits.forget(cp_id)

    # -- monitoring --------------------------------------------------------------------------------
    async def set_monitoring(self, cp_id: str, command: p.SetVariableMonitoring) -> dict:
        result = await self.commands.send(cp_id, command)
        kept = []
        for item, sent in zip(result["results"], command.monitors):
            if item["status"] == "Accepted" and item.get("id") is not None:
                kept.append(Monitor(cp_id, item["id"], sent.ref.component, sent.ref.variable, sent.type, sent.value,
                                    sent.severity, bool(sent.transaction), sent.ref.component_instance,
                                    sent.ref.variable_instance, sent.ref.evse_id, sent.ref.connector_id,
                                    self.clock.now()))
        if kept:
            await self.repo.put_monitors(kept)
        return result

    async def clear_monitoring(self, cp_id: str, command: p.ClearVariableMonitoring) -> dict:
        result = await self.commands.send(cp_id, command)
        gone = [r["id"] for r in result["results"] if r["status"] in ("Accepted", "NotFound")]
        if gone:
            await self.repo.delete_monitors(cp_id, gone)
        return result

    async def send(self, cp_id: str, command) -> dict:
        """Commands whose answer is only a status (SetMonitoringBase, SetMonitoringLevel)."""
        return await self.commands.send(cp_id, command)

    async def get_monitoring_report(self, cp_id: str, monitoring_criteria=(), component_variables=()) -> dict:
        command = p.GetMonitoringReport(self.next_request_id(), tuple(monitoring_criteria), tuple(component_variables))
        return await self._requested(cp_id, command, {"monitoring_criteria": list(monitoring_criteria),
                                                      "component_variables": _refs(component_variables)})

    async def monitoring_report_received(self, cp_id: str, monitors: list[Monitor], part: PartIn) -> None:
        await self.repo.put_monitors(monitors)
        await self.requests.part_received(cp_id, "monitoring_report", part)

    async def monitors(self, cp_id: str) -> list[Monitor]:
        return await self.repo.monitors(cp_id)

    # -- events ------------------------------------------------------------------------------------
    async def events_received(self, cp_id: str, events: list[DeviceEvent]) -> None:
        for event in events:
            if not await self.repo.add_event(event):
                continue                        # a retried NotifyEvent
            if not event.is_problem():
                continue
            if event.problem_active():
                await self.alarms.raise_(cp_id, "device_event", f"{event.component}.{event.variable}",
                                         f"{event.problem_key} = {event.actual_value}"
                                         + (f" ({event.tech_info})" if event.tech_info else ""),
                                         source_key=event.problem_key)
            else:
                await self.alarms.clear_key(cp_id, event.problem_key)

    async def events(self, cp_id: str, *, limit: int = 50, offset: int = 0) -> Page:
        return await self.repo.events(cp_id, limit=limit, offset=offset)

    # -- customer information ----------------------------------------------------------------------
    async def customer_information(self, cp_id: str, *, report: bool, clear: bool,
                                   customer_identifier: str | None = None, id_token: dict | None = None,
                                   customer_certificate: dict | None = None) -> dict:
        command = p.CustomerInformation(self.next_request_id(), report, clear, customer_identifier, id_token,
                                        customer_certificate)
        return await self._requested(cp_id, command, {
            "report": report, "clear": clear, "customer_identifier": customer_identifier,
            "id_token": id_token, "customer_certificate": customer_certificate})

    async def customer_information_received(self, cp_id: str, request_id: int, seq_no: int, data: str, tbc: bool,
                                            generated_at: datetime) -> None:
        await self.repo.add_customer_information(CustomerInformationPart(cp_id, request_id, seq_no, data, tbc,
                                                                         generated_at))
        await self.requests.part_received(cp_id, "customer_information", PartIn(request_id, seq_no, tbc, data))

    async def customer_information_parts(self, cp_id: str, request_id: int | None = None) -> list:
        return await self.repo.customer_information(cp_id, request_id=request_id)


def _with_time(v: DeviceVariable, at: datetime) -> DeviceVariable:
    return replace(v, updated_at=at)


def _refs(refs) -> list[dict]:
    """Variable references as the request's recorded parameters (what was asked, absent parts left out)."""
    return [{k: v for k, v in vars(r).items() if v is not None} for r in refs]
