"""Variable monitoring of the simulated 2.0.1 charging station (block N: N02-N06): SetVariableMonitoring,
ClearVariableMonitoring, SetMonitoringBase, SetMonitoringLevel, GetMonitoringReport -> NotifyMonitoringReport.
Mixed into ChargePoint201.

``monitors``: id -> monitor (component, variable, type, value, severity, transaction, ``kind``
HardWired | Preconfigured | Custom). The factory monitors: a HardWired over-power monitor per EVSE
(EVSE.Power UpperThreshold at the maximum power) and a Preconfigured ChargingStation.Problem Delta
monitor. Custom monitors get ids from 100 on; only live variables (the ones with supportsMonitoring)
take monitors, thresholds only numeric ones. ``monitoring_base``: All (every monitor), FactoryDefault
(custom monitors removed, the preconfigured ones restored), HardWiredOnly (custom monitors removed,
preconfigured ones inactive). ``monitoring_level``: events of a severity above it are not reported.
"""

from __future__ import annotations

import itertools

from .device_model import Variable
from .protocol import CallError, utc_now
from .v201_components import _bool, _int, _ro

THRESHOLDS = ("UpperThreshold", "LowerThreshold")
CRITERIA = {"ThresholdMonitoring": THRESHOLDS, "DeltaMonitoring": ("Delta",),
            "PeriodicMonitoring": ("Periodic", "PeriodicClockAligned")}
BASES = ("All", "FactoryDefault", "HardWiredOnly")


def monitoring_variables(station) -> list[Variable]:
    ctrl = "MonitoringCtrlr"
    return [
        _bool(ctrl, "Available", True, "ReadOnly"),
        _bool(ctrl, "Enabled", True),
        _ro(ctrl, "ActiveMonitoringBase", "All", "OptionList", values_list=BASES,
            getter=lambda: station.monitoring_base, persistent=False),
        _int(ctrl, "ActiveMonitoringLevel", 9, mutability="ReadOnly", getter=lambda: str(station.monitoring_level),
             persistent=False),
        _int(ctrl, "ItemsPerMessage", 20, mutability="ReadOnly", instance="SetVariableMonitoring"),
        _int(ctrl, "ItemsPerMessage", 20, mutability="ReadOnly", instance="ClearVariableMonitoring"),
    ]


def _ref(component: dict, variable: dict) -> tuple:
    evse = component.get("evse") or {}
    return (component["name"].lower(), (component.get("instance") or "").lower(), evse.get("id"),
            evse.get("connectorId"), variable["name"].lower(), (variable.get("instance") or "").lower())


class Monitoring201:
    """Mixin; relies on the ChargePoint201 attributes (config, connectors, after_reply, _call_quiet ...)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.monitors: dict[int, dict] = {}
        self.monitoring_base = "All"
        self.monitoring_level = 9
        self._monitor_ids = itertools.count(100)

    def _init_feature_variables(self) -> None:
        super()._init_feature_variables()
        for variable in monitoring_variables(self):
            self.config.add(variable)
        self._restore_factory_monitors()

    def _factory_monitors(self) -> list[dict]:
        out = [{"id": evse, "kind": "HardWired", "component": {"name": "EVSE", "evse": {"id": evse}},
                "variable": {"name": "Power"}, "type": "UpperThreshold", "value": float(self.max_power_w),
                "severity": 2, "transaction": False} for evse in range(1, len(self.connectors))]
        out.append({"id": len(self.connectors), "kind": "Preconfigured", "component": {"name": "ChargingStation"},
                    "variable": {"name": "Problem"}, "type": "Delta", "value": 1.0, "severity": 3,
                    "transaction": False})
        return out

    def _restore_factory_monitors(self) -> None:
        self.monitors = {m["id"]: m for m in self.monitors.values() if m["kind"] == "Custom"}
        for monitor in self._factory_monitors():
            self.monitors[monitor["id"]] = monitor

    def active_monitors(self) -> list[dict]:
        """The monitors the current monitoring base keeps active, by id."""
        return [m for _, m in sorted(self.monitors.items())
                if self.monitoring_base != "HardWiredOnly" or m["kind"] == "HardWired"]

    def _monitoring_enabled(self) -> bool:
        return self.config.get_bool("MonitoringCtrlr.Enabled", True)

    def _monitor_limit(self, kind: str, count: int) -> None:
        limit = self.config.get_int(f"MonitoringCtrlr.ItemsPerMessage.{kind}", 0)
        if limit and count > limit:
            raise CallError("OccurrenceConstraintViolation", f"more than ItemsPerMessage{kind} = {limit} items")

    # ------------------------------------------------------------------ N04 SetVariableMonitoring
    async def on_SetVariableMonitoring(self, payload: dict) -> dict:
        data = payload["setMonitoringData"]
        self._monitor_limit("SetVariableMonitoring", len(data))
        results = []
        for item in data:
            status, monitor_id = self._set_monitor(item)
            result = {"status": status, "type": item["type"], "severity": item["severity"],
                      "component": item["component"], "variable": item["variable"]}
            if monitor_id is not None:
                result["id"] = monitor_id
            results.append(result)
        self.notify()
        return {"setMonitoringResult": results}

    def _set_monitor(self, item: dict) -> tuple[str, int | None]:
        """(status, id of the monitor set) for one SetMonitoringData."""
        if not self._monitoring_enabled():
            return "Rejected", None
        status, variable = self.config.lookup(item["component"], item["variable"])
        if variable is None:
            return status, None
        kind, value = item["type"], item["value"]
        if not variable.supports_monitoring:
            return "UnsupportedMonitorType", None
        if kind in THRESHOLDS and variable.data_type not in ("integer", "decimal"):
            return "UnsupportedMonitorType", None
        if not 0 <= item["severity"] <= 9 or value < 0 or (kind in CRITERIA["PeriodicMonitoring"] and value == 0):
            return "Rejected", None
        replaced = self.monitors.get(item["id"]) if "id" in item else None
        if "id" in item and (replaced is None or replaced["kind"] == "HardWired"):
            return "Rejected", None  # an id only replaces an existing monitor, never a hard-wired one
        where = _ref(item["component"], item["variable"])
        for other in self.monitors.values():
            if (other is not replaced and _ref(other["component"], other["variable"]) == where
                    and other["type"] == kind and other["severity"] == item["severity"]):
                return "Duplicate", None
        monitor_id = replaced["id"] if replaced is not None else next(self._monitor_ids)
        self.monitors[monitor_id] = {
            "id": monitor_id, "kind": "Custom", "component": item["component"], "variable": item["variable"],
            "type": kind, "value": float(value), "severity": item["severity"],
            "transaction": bool(item.get("transaction", False))}
        return "Accepted", monitor_id

    # ------------------------------------------------------------------ N06 ClearVariableMonitoring
    async def on_ClearVariableMonitoring(self, payload: dict) -> dict:
        self._monitor_limit("ClearVariableMonitoring", len(payload["id"]))
        results = []
        for monitor_id in payload["id"]:
            monitor = self.monitors.get(monitor_id)
            if monitor is None:
                status = "NotFound"
            elif monitor["kind"] == "HardWired":
                status = "Rejected"
            else:
                del self.monitors[monitor_id]
                status = "Accepted"
            results.append({"id": monitor_id, "status": status})
        self.notify()
        return {"clearMonitoringResult": results}

    # ------------------------------------------------------------------ N03 base, N05 level
    async def on_SetMonitoringBase(self, payload: dict) -> dict:
        if not self._monitoring_enabled():
            return {"status": "Rejected"}
        base = payload["monitoringBase"]
        if base in ("FactoryDefault", "HardWiredOnly"):
            self.monitors = {i: m for i, m in self.monitors.items() if m["kind"] != "Custom"}
        if base == "FactoryDefault":
            self._restore_factory_monitors()
        self.monitoring_base = base
        self.notify()
        return {"status": "Accepted"}

    async def on_SetMonitoringLevel(self, payload: dict) -> dict:
        if not self._monitoring_enabled() or not 0 <= payload["severity"] <= 9:
            return {"status": "Rejected"}
        self.monitoring_level = payload["severity"]
        self.notify()
        return {"status": "Accepted"}

    # ------------------------------------------------------------------ N02 GetMonitoringReport
    async def on_GetMonitoringReport(self, payload: dict) -> dict:
        selection = payload.get("componentVariable") or []
        if selection:
            self._items_limit("GetReport", len(selection))
        types = {t for name in payload.get("monitoringCriteria") or CRITERIA for t in CRITERIA[name]}
        chosen = [m for m in self.active_monitors() if m["type"] in types
                  and (not selection or any(self._selects(m, cv) for cv in selection))]
        if not chosen:
            return {"status": "EmptyResultSet"}
        self.after_reply(self._send_monitoring_report(payload["requestId"], chosen))
        return {"status": "Accepted"}

    @staticmethod
    def _selects(monitor: dict, cv: dict) -> bool:
        component, variable = cv["component"], cv.get("variable")
        mine = _ref(monitor["component"], monitor["variable"])
        evse = component.get("evse")
        if mine[0] != component["name"].lower():
            return False
        if "instance" in component and mine[1] != component["instance"].lower():
            return False
        if evse is not None and (mine[2] != evse["id"] or ("connectorId" in evse and mine[3] != evse["connectorId"])):
            return False
        if variable is None:
            return True
        return mine[4] == variable["name"].lower() and ("instance" not in variable
                                                         or mine[5] == variable["instance"].lower())

    async def _send_monitoring_report(self, request_id: int, chosen: list[dict]) -> None:
        grouped: dict[tuple, dict] = {}
        for m in chosen:
            entry = grouped.setdefault(_ref(m["component"], m["variable"]), {
                "component": m["component"], "variable": m["variable"], "variableMonitoring": []})
            entry["variableMonitoring"].append({"id": m["id"], "transaction": m["transaction"], "value": m["value"],
                                                "type": m["type"], "severity": m["severity"]})
        items = list(grouped.values())
        per_message = max(1, self.config.get_int("DeviceDataCtrlr.ItemsPerMessage.GetReport", 20))
        parts = [items[i:i + per_message] for i in range(0, len(items), per_message)]
        generated = utc_now()
        for seq, part in enumerate(parts):
            report = {"requestId": request_id, "seqNo": seq, "generatedAt": generated, "monitor": part}
            if seq < len(parts) - 1:
                report["tbc"] = True
            if await self._call_quiet("NotifyMonitoringReport", report) is None:
                return
