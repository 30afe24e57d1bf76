"""OCPP 2.0.1 device model (part 1 section 4, part 2 chapter B), pure, no I/O: components (name, optional
instance, optional EVSE / connector) holding variables; each variable has an Actual attribute with a
mutability (ReadOnly / ReadWrite / WriteOnly) and characteristics (data type, unit, limits, values list).

It answers GetVariables (Accepted / UnknownComponent / UnknownVariable / NotSupportedAttributeType,
Rejected for write-only), applies SetVariables (Accepted / Rejected for read-only or invalid values /
RebootRequired for variables that take effect after a reboot) and selects the report data of
GetBaseReport and GetReport. The standard components of a simulated station are in v201_components.py.

Internally a variable is addressed with a dotted key as the central system's API writes it:
``"OCPPCommCtrlr.HeartbeatInterval"``, ``"OCPPCommCtrlr.MessageAttempts.TransactionEvent"`` (instance),
plus ``evse=`` / ``connector=`` for EVSE and connector components.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

DATA_TYPES = ("string", "decimal", "integer", "dateTime", "boolean", "OptionList", "SequenceList", "MemberList")
LISTS = ("OptionList", "SequenceList", "MemberList")
VALUE_SIZE = 1000  # DeviceDataCtrlr.ConfigurationValueSize: longest value SetVariables accepts


def _same(a: str | None, b: str | None) -> bool:
    return (a or "").lower() == (b or "").lower()


@dataclass(slots=True, eq=False)
class Variable:
    component: str
    name: str
    value: str = ""
    data_type: str = "string"
    mutability: str = "ReadWrite"
    evse: int | None = None
    connector: int | None = None
    component_instance: str | None = None
    instance: str | None = None
    unit: str | None = None
    values_list: tuple[str, ...] | None = None
    min_limit: float | None = None
    max_limit: float | None = None
    reboot_required: bool = False  # a SetVariables is answered RebootRequired (value stored)
    persistent: bool = True
    constant: bool = False
    getter: Callable[[], str] | None = None  # live value (availability state, clock ...)
    check: Callable[[str], bool] | None = None  # a station rule a new value must also pass (SetVariables)

    @property
    def actual(self) -> str:
        return self.getter() if self.getter is not None else self.value

    @property
    def key(self) -> str:
        return f"{self.component}.{self.name}" + (f".{self.instance}" if self.instance else "")

    @property
    def supports_monitoring(self) -> bool:
        """Live values (availability, problems, power, clock) can be monitored (2.0.1 block N)."""
        return self.getter is not None

    def valid(self, value: object) -> bool:
        """May ``value`` become this variable's Actual value (type, limits, values list, station rule)?"""
        return self._well_formed(value) and (self.check is None or self.check(self.normalize(value)))

    def _well_formed(self, value: object) -> bool:
        if not isinstance(value, str) or len(value) > VALUE_SIZE:
            return False
        text = value.strip()
        if self.data_type in ("integer", "decimal"):
            try:
                number = int(text) if self.data_type == "integer" else float(text)
            except ValueError:
                return False
            return (self.min_limit is None or number >= self.min_limit) and (
                self.max_limit is None or number <= self.max_limit)
        if self.data_type == "boolean":
            return text.lower() in ("true", "false")
        if self.data_type == "dateTime":
            try:
                datetime.fromisoformat(text)
            except ValueError:
                return False
            return True
        if self.data_type in LISTS:
            items = [item.strip() for item in text.split(",")] if text else []
            if self.data_type == "OptionList" and len(items) != 1:
                return False
            if len(set(items)) != len(items) or any(not item for item in items):
                return False
            return self.values_list is None or all(item in self.values_list for item in items)
        return self.max_limit is None or len(value) <= self.max_limit

    def normalize(self, value: str) -> str:
        text = value.strip() if self.data_type != "string" else value
        if self.data_type == "boolean":
            return text.lower()
        if self.data_type in LISTS:
            return ",".join(item.strip() for item in text.split(",")) if text else ""
        return text

    # ------------------------------------------------------------------ OCPP shapes
    def component_dict(self) -> dict:
        component: dict = {"name": self.component}
        if self.component_instance:
            component["instance"] = self.component_instance
        if self.evse is not None:
            component["evse"] = {"id": self.evse}
            if self.connector is not None:
                component["evse"]["connectorId"] = self.connector
        return component

    def variable_dict(self) -> dict:
        variable: dict = {"name": self.name}
        if self.instance:
            variable["instance"] = self.instance
        return variable

    def report_data(self) -> dict:
        """One ReportDataType of a NotifyReport (the value is left out for write-only variables)."""
        attribute: dict = {"type": "Actual", "mutability": self.mutability, "persistent": self.persistent,
                           "constant": self.constant}
        if self.mutability != "WriteOnly":
            attribute["value"] = self.actual[:2500]
        characteristics: dict = {"dataType": self.data_type, "supportsMonitoring": self.supports_monitoring}
        if self.unit:
            characteristics["unit"] = self.unit
        if self.min_limit is not None:
            characteristics["minLimit"] = self.min_limit
        if self.max_limit is not None:
            characteristics["maxLimit"] = self.max_limit
        if self.values_list:
            characteristics["valuesList"] = ",".join(self.values_list)
        return {"component": self.component_dict(), "variable": self.variable_dict(),
                "variableAttribute": [attribute], "variableCharacteristics": characteristics}


class DeviceModel:
    def __init__(self, variables: Iterable[Variable] = ()):
        self.variables: list[Variable] = []
        self.listeners: list[Callable[[Variable], None]] = []  # called after a SetVariables changed a value
        for variable in variables:
            self.add(variable)

    def add(self, variable: Variable) -> Variable:
        if variable.data_type not in DATA_TYPES:
            raise ValueError(f"unknown data type {variable.data_type!r}")
        self.variables.append(variable)
        return variable

    def __len__(self) -> int:
        return len(self.variables)

    def __contains__(self, key: str) -> bool:
        return self.find_key(key) is not None

    # ------------------------------------------------------------------ lookup
    def _components(self, component: dict) -> list[Variable]:
        evse = component.get("evse") or {}
        return [v for v in self.variables
                if _same(v.component, component.get("name")) and _same(v.component_instance, component.get("instance"))
                and v.evse == evse.get("id") and v.connector == evse.get("connectorId")]

    def lookup(self, component: dict, variable: dict) -> tuple[str, Variable | None]:
        """(status, variable) for an OCPP component / variable pair: Accepted, UnknownComponent or
        UnknownVariable."""
        candidates = self._components(component)
        if not candidates:
            return "UnknownComponent", None
        for v in candidates:
            if _same(v.name, variable.get("name")) and _same(v.instance, variable.get("instance")):
                return "Accepted", v
        return "UnknownVariable", None

    def find_key(self, key: str, *, evse: int | None = None, connector: int | None = None) -> Variable | None:
        component, _, rest = key.partition(".")
        name, _, instance = rest.partition(".")
        evse_ref = {} if evse is None else {"id": evse, **({} if connector is None else {"connectorId": connector})}
        _, found = self.lookup({"name": component, "evse": evse_ref}, {"name": name, "instance": instance or None})
        return found

    def get(self, key: str, default: str | None = None, **where) -> str | None:
        variable = self.find_key(key, **where)
        return variable.actual if variable is not None else default

    def get_int(self, key: str, default: int = 0, **where) -> int:
        try:
            return int(float(self.get(key, str(default), **where)))
        except (TypeError, ValueError):
            return default

    def get_bool(self, key: str, default: bool = False, **where) -> bool:
        value = self.get(key, None, **where)
        return default if value is None else value.strip().lower() == "true"

    def get_list(self, key: str, **where) -> list[str]:
        return [item.strip() for item in (self.get(key, "", **where) or "").split(",") if item.strip()]

    def set(self, key: str, value: str | int | bool, **where) -> None:
        """Set from the station's own side (read-only variables included); the key must exist."""
        variable = self.find_key(key, **where)
        if variable is None:
            raise KeyError(key)
        variable.value = str(value).lower() if isinstance(value, bool) else str(value)

    # ------------------------------------------------------------------ GetVariables / SetVariables
    def get_variables(self, requests: list[dict]) -> list[dict]:
        """GetVariableResult entries for GetVariablesRequest.getVariableData."""
        results = []
        for item in requests:
            component, variable = item["component"], item["variable"]
            status, found = self.lookup(component, variable)
            result: dict = {"attributeStatus": status, "component": component, "variable": variable}
            if "attributeType" in item:
                result["attributeType"] = item["attributeType"]
            if found is not None:
                if item.get("attributeType", "Actual") != "Actual":
                    result["attributeStatus"] = "NotSupportedAttributeType"
                elif found.mutability == "WriteOnly":
                    result["attributeStatus"] = "Rejected"
                    result["attributeStatusInfo"] = {"reasonCode": "WriteOnly"}
                else:
                    result["attributeValue"] = found.actual[:2500]
            results.append(result)
        return results

    def set_variables(self, requests: list[dict]) -> list[dict]:
        """SetVariableResult entries for SetVariablesRequest.setVariableData; listeners see each change."""
        results, changed = [], []
        for item in requests:
            component, variable = item["component"], item["variable"]
            status, found = self.lookup(component, variable)
            result: dict = {"attributeStatus": status, "component": component, "variable": variable}
            if "attributeType" in item:
                result["attributeType"] = item["attributeType"]
            if found is not None:
                value = item["attributeValue"]
                if item.get("attributeType", "Actual") != "Actual":
                    result["attributeStatus"] = "NotSupportedAttributeType"
                elif found.mutability == "ReadOnly" or found.getter is not None:
                    result["attributeStatus"] = "Rejected"
                    result["attributeStatusInfo"] = {"reasonCode": "ReadOnly"}
                elif not found.valid(value):
                    result["attributeStatus"] = "Rejected"
                    result["attributeStatusInfo"] = {"reasonCode": "InvalidValue"}
                else:
                    found.value = found.normalize(value)
                    result["attributeStatus"] = "RebootRequired" if found.reboot_required else "Accepted"
                    changed.append(found)
            results.append(result)
        for variable in changed:
            for listener in self.listeners:
                listener(variable)
        return results

    # ------------------------------------------------------------------ reports
    def base_report(self, report_base: str) -> list[dict]:
        """Report data of GetBaseReport: ConfigurationInventory (what the CSMS may set), FullInventory
        (everything), SummaryInventory (availability and problems)."""
        if report_base == "ConfigurationInventory":
            chosen = [v for v in self.variables if v.mutability != "ReadOnly"]
        elif report_base == "SummaryInventory":
            chosen = [v for v in self.variables if v.name in ("AvailabilityState", "Problem")]
        else:
            chosen = list(self.variables)
        return [v.report_data() for v in chosen]

    def report(self, component_variables: list[dict] | None = None, criteria: list[str] | None = None) -> list[dict]:
        """Report data of GetReport: variables of the listed components (all EVSEs when a component has
        no evse) / variables, of components meeting every criterion (Active / Available / Enabled /
        Problem = a variable of that name is true)."""
        chosen = list(self.variables)
        if component_variables:
            chosen = [v for v in chosen if any(self._selected(v, cv) for cv in component_variables)]
        for criterion in criteria or ():
            flagged = {self._component_key(v) for v in self.variables
                       if v.name == criterion and v.actual.strip().lower() == "true"}
            chosen = [v for v in chosen if self._component_key(v) in flagged]
        return [v.report_data() for v in chosen]

    @staticmethod
    def _component_key(v: Variable) -> tuple:
        return v.component, v.component_instance, v.evse, v.connector

    @staticmethod
    def _selected(v: Variable, cv: dict) -> bool:
        component, variable = cv["component"], cv.get("variable")
        evse = component.get("evse")
        if not (_same(v.component, component["name"]) and
                ("instance" not in component or _same(v.component_instance, component["instance"]))):
            return False
        if evse is not None and (v.evse != evse["id"] or ("connectorId" in evse and v.connector != evse["connectorId"])):
            return False
        if variable is None:
            return True
        return _same(v.name, variable["name"]) and ("instance" not in variable or _same(v.instance, variable["instance"]))
