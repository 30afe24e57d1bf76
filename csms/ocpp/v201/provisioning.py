"""OCPP 2.0.1 blocks B (provisioning) and N (diagnostics: monitoring, events, customer information):
inbound NotifyReport, NotifyMonitoringReport, NotifyEvent, NotifyCustomerInformation, and the
encoders of the neutral provisioning commands. Pure translation onto ProvisioningService."""

from __future__ import annotations

from csms.domain import provisioning as p
from csms.domain.requests import PartIn
from csms.ocpp.routing import CallContext
from csms.ocpp.frames import parse_time
from csms.services.provisioning import ProvisioningService


# -- 2.0.1 <-> neutral ---------------------------------------------------------------------------------
def _where(component: dict, variable: dict | None) -> dict:
    evse = component.get("evse") or {}
    return dict(component=component["name"], component_instance=component.get("instance"),
                evse_id=evse.get("id"), connector_id=evse.get("connectorId"),
                variable=(variable or {}).get("name"), variable_instance=(variable or {}).get("instance"))


def component_of(ref: p.VariableRef) -> dict:
    out: dict = {"name": ref.component}
    if ref.component_instance:
        out["instance"] = ref.component_instance
    if ref.evse_id is not None:
        out["evse"] = {"id": ref.evse_id, **({"connectorId": ref.connector_id} if ref.connector_id else {})}
    return out


def variable_of(ref: p.VariableRef) -> dict:
    return {"name": ref.variable, **({"instance": ref.variable_instance} if ref.variable_instance else {})}


def component_variable(ref: p.VariableRef) -> dict:
    out = {"component": component_of(ref)}
    if ref.variable:
        out["variable"] = variable_of(ref)
    return out


def _result_where(r: dict) -> dict:
    w = _where(r["component"], r.get("variable"))
    return {k: v for k, v in w.items() if v is not None}


def variables_of_report(cp_id: str, req: dict) -> list[p.DeviceVariable]:
    out = []
    for item in req.get("reportData") or ():
        where = _where(item["component"], item["variable"])
        characteristics = {k: v for k, v in (item.get("variableCharacteristics") or {}).items() if k != "customData"}
        for attr in item["variableAttribute"]:
            out.append(p.DeviceVariable(
                charge_point_id=cp_id, attribute_type=attr.get("type", "Actual"), value=attr.get("value"),
                mutability=attr.get("mutability", "ReadWrite"), persistent=attr.get("persistent", False),
                constant=attr.get("constant", False), characteristics=characteristics or None,
                request_id=req["requestId"], **where))
    return out


def monitors_of_report(cp_id: str, req: dict) -> list[p.Monitor]:
    out = []
    for item in req.get("monitor") or ():
        where = _where(item["component"], item["variable"])
        for m in item["variableMonitoring"]:
            out.append(p.Monitor(cp_id, m["id"], type=m["type"], value=m["value"], severity=m["severity"],
                                 transaction=m["transaction"], **where))
    return out


def events_of(cp_id: str, req: dict, received_at) -> list[p.DeviceEvent]:
    out = []
    for e in req["eventData"]:
        out.append(p.DeviceEvent(
            cp_id, e["eventId"], parse_time(e["timestamp"]), e["trigger"], e["actualValue"],
            e["eventNotificationType"], cause=e.get("cause"), tech_code=e.get("techCode"),
            tech_info=e.get("techInfo"), cleared=e.get("cleared", False), transaction_id=e.get("transactionId"),
            variable_monitoring_id=e.get("variableMonitoringId"), received_at=received_at,
            **_where(e["component"], e["variable"])))
    return out


def _part(req: dict, field: str) -> PartIn:
    return PartIn(req["requestId"], req.get("seqNo"), bool(req.get("tbc", False)), req.get(field))


class V201ProvisioningHandlers:
    def __init__(self, provisioning: ProvisioningService):
        self.provisioning = provisioning

    async def notify_report(self, ctx: CallContext, req: dict) -> dict:
        await self.provisioning.report_received(ctx.cp_id, variables_of_report(ctx.cp_id, req),
                                                _part(req, "reportData"))
        return {}

    async def notify_monitoring_report(self, ctx: CallContext, req: dict) -> dict:
        await self.provisioning.monitoring_report_received(ctx.cp_id, monitors_of_report(ctx.cp_id, req),
                                                           _part(req, "monitor"))
        return {}

    async def notify_event(self, ctx: CallContext, req: dict) -> dict:
        await self.provisioning.events_received(ctx.cp_id, events_of(ctx.cp_id, req, ctx.received_at))
        return {}

    async def notify_customer_information(self, ctx: CallContext, req: dict) -> dict:
        await self.provisioning.customer_information_received(ctx.cp_id, req["requestId"], req["seqNo"], req["data"],
                                                              req.get("tbc", False), parse_time(req["generatedAt"]))
        return {}


# -- encoders --------------------------------------------------------------------------------------
def _status(cmd, resp: dict) -> dict:
    out = {"status": resp["status"]}
    if resp.get("statusInfo"):
        out["status_info"] = resp["statusInfo"]
    return out


def _get_report(cmd: p.GetReport) -> tuple[str, dict]:
    payload: dict = {"requestId": cmd.request_id}
    if cmd.component_criteria:
        payload["componentCriteria"] = list(cmd.component_criteria)
    if cmd.component_variables:
        payload["componentVariable"] = [component_variable(r) for r in cmd.component_variables]
    return "GetReport", payload


def _set_variables(cmd: p.SetVariables) -> tuple[str, dict]:
    data = []
    for v in cmd.variables:
        item = {"attributeValue": v.value, "component": component_of(v.ref), "variable": variable_of(v.ref)}
        if v.ref.attribute_type:
            item["attributeType"] = v.ref.attribute_type
        data.append(item)
    return "SetVariables", {"setVariableData": data}


def _set_variables_result(cmd, resp: dict) -> dict:
    results = []
    for r in resp["setVariableResult"]:
        results.append({**_result_where(r), "attribute_type": r.get("attributeType", "Actual"),
                        "status": r["attributeStatus"],
                        **({"status_info": r["attributeStatusInfo"]} if r.get("attributeStatusInfo") else {})})
    return {"status": "Accepted", "results": results}


def _get_variables(cmd: p.GetVariables) -> tuple[str, dict]:
    data = []
    for ref in cmd.variables:
        item = {"component": component_of(ref), "variable": variable_of(ref)}
        if ref.attribute_type:
            item["attributeType"] = ref.attribute_type
        data.append(item)
    return "GetVariables", {"getVariableData": data}


def _get_variables_result(cmd, resp: dict) -> dict:
    results = []
    for r in resp["getVariableResult"]:
        results.append({**_result_where(r), "attribute_type": r.get("attributeType", "Actual"),
                        "status": r["attributeStatus"], "value": r.get("attributeValue"),
                        **({"status_info": r["attributeStatusInfo"]} if r.get("attributeStatusInfo") else {})})
    return {"status": "Accepted", "results": results}


def _set_monitoring(cmd: p.SetVariableMonitoring) -> tuple[str, dict]:
    data = []
    for m in cmd.monitors:
        item = {"value": m.value, "type": m.type, "severity": m.severity, "component": component_of(m.ref),
                "variable": variable_of(m.ref)}
        if m.id is not None:
            item["id"] = m.id
        if m.transaction is not None:
            item["transaction"] = m.transaction
        data.append(item)
    return "SetVariableMonitoring", {"setMonitoringData": data}


def _set_monitoring_result(cmd, resp: dict) -> dict:
    results = [{**_result_where(r), "id": r.get("id"), "type": r["type"], "severity": r["severity"],
                "status": r["status"], **({"status_info": r["statusInfo"]} if r.get("statusInfo") else {})}
               for r in resp["setMonitoringResult"]]
    return {"status": "Accepted", "results": results}


def _clear_monitoring_result(cmd, resp: dict) -> dict:
    return {"status": "Accepted", "results": [{"id": r["id"], "status": r["status"]}
                                              for r in resp["clearMonitoringResult"]]}


def _monitoring_report(cmd: p.GetMonitoringReport) -> tuple[str, dict]:
    payload: dict = {"requestId": cmd.request_id}
    if cmd.monitoring_criteria:
        payload["monitoringCriteria"] = list(cmd.monitoring_criteria)
    if cmd.component_variables:
        payload["componentVariable"] = [component_variable(r) for r in cmd.component_variables]
    return "GetMonitoringReport", payload


def _customer_information(cmd: p.CustomerInformation) -> tuple[str, dict]:
    payload: dict = {"requestId": cmd.request_id, "report": cmd.report, "clear": cmd.clear}
    if cmd.customer_identifier is not None:
        payload["customerIdentifier"] = cmd.customer_identifier
    if cmd.id_token is not None:
        payload["idToken"] = cmd.id_token
    if cmd.customer_certificate is not None:
        payload["customerCertificate"] = cmd.customer_certificate
    return "CustomerInformation", payload


ENCODERS = {
    p.GetBaseReport: (lambda cmd: ("GetBaseReport", {"requestId": cmd.request_id, "reportBase": cmd.report_base}),
                      _status),
    p.GetReport: (_get_report, _status),
    p.SetVariables: (_set_variables, _set_variables_result),
    p.GetVariables: (_get_variables, _get_variables_result),
    p.SetVariableMonitoring: (_set_monitoring, _set_monitoring_result),
    p.ClearVariableMonitoring: (lambda cmd: ("ClearVariableMonitoring", {"id": list(cmd.ids)}),
                                _clear_monitoring_result),
    p.SetMonitoringBase: (lambda cmd: ("SetMonitoringBase", {"monitoringBase": cmd.monitoring_base}), _status),
    p.SetMonitoringLevel: (lambda cmd: ("SetMonitoringLevel", {"severity": cmd.severity}), _status),
    p.GetMonitoringReport: (_monitoring_report, _status),
    p.CustomerInformation: (_customer_information, _status),
}
