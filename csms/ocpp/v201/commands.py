"""Neutral commands -> OCPP 2.0.1 CALLs, and the answers back to neutral results (the same result
shapes as 1.6, so the API body and answer do not depend on the version)."""

from __future__ import annotations

from typing import Any, Callable

from csms.domain import commands as neutral
from csms.ocpp.shared_commands import data_transfer as _data_transfer
from csms.ocpp.shared_commands import data_transfer_result as _data_transfer_result
from csms.ocpp.shared_commands import remote_start_result as _remote_start_result
from csms.ocpp.shared_commands import status as _status
from csms.ocpp.v201.variables import component_variable, key_of
from csms.services.ids import next_request_id

Encoder = Callable[[Any], tuple[str, dict]]
Decoder = Callable[[Any, dict], dict]

_TRIGGER = {"DiagnosticsStatusNotification": "LogStatusNotification"}
_SET_STATUS = {"Accepted": "Accepted", "Rejected": "Rejected", "RebootRequired": "RebootRequired",
               "UnknownComponent": "NotSupported", "UnknownVariable": "NotSupported",
               "NotSupportedAttributeType": "NotSupported"}


def _remote_start(cmd: neutral.RemoteStart) -> tuple[str, dict]:
    payload: dict = {"idToken": {"idToken": cmd.id_tag, "type": "Central"}, "remoteStartId": cmd.remote_start_id}
    if cmd.connector_id is not None:
        payload["evseId"] = cmd.connector_id
    if cmd.charging_profile is not None:
        payload["chargingProfile"] = cmd.charging_profile
    return "RequestStartTransaction", payload


def _unlock(cmd: neutral.UnlockConnector) -> tuple[str, dict]:
    if cmd.evse_id is None:   # one body for both versions: a 1.6 connector is a 2.0.1 EVSE
        return "UnlockConnector", {"evseId": cmd.connector_id, "connectorId": 1}
    return "UnlockConnector", {"evseId": cmd.evse_id, "connectorId": cmd.connector_id}


def _unlock_result(cmd, resp: dict) -> dict:
    # 1.6 words: Unlocked | UnlockFailed | NotSupported
    status = {"Unlocked": "Unlocked", "UnlockFailed": "UnlockFailed", "OngoingAuthorizedTransaction": "UnlockFailed",
              "UnknownConnector": "NotSupported"}.get(resp["status"], resp["status"])
    return {"status": status, "ocpp_status": resp["status"]}


def _availability(cmd: neutral.ChangeAvailability) -> tuple[str, dict]:
    payload: dict = {"operationalStatus": "Operative" if cmd.operative else "Inoperative"}
    if cmd.connector_id:
        payload["evse"] = {"id": cmd.connector_id}
    return "ChangeAvailability", payload


def _get_variables(cmd: neutral.GetConfiguration) -> tuple[str, dict]:
    if not cmd.keys:
        return "GetBaseReport", {"requestId": next_request_id(), "reportBase": "ConfigurationInventory"}
    return "GetVariables", {"getVariableData": [component_variable(k) for k in cmd.keys]}


def _get_variables_result(cmd: neutral.GetConfiguration, resp: dict) -> dict:
    if "getVariableResult" not in resp:     # GetBaseReport: the values arrive in NotifyReport
        return {"status": resp["status"], "configuration": [], "unknown_keys": [], "report": "requested"}
    def ident(component: dict, variable: dict) -> tuple:
        return component.get("name"), component.get("instance"), variable.get("name"), variable.get("instance")

    asked = {ident(**component_variable(k)): k for k in cmd.keys}   # answer with the keys as asked
    configuration, unknown = [], []
    for r in resp["getVariableResult"]:
        key = asked.get(ident(r["component"], r["variable"])) or key_of(r["component"], r["variable"])
        if r["attributeStatus"] == "Accepted":
            configuration.append({"key": key, "value": r.get("attributeValue"), "readonly": None})
        else:
            unknown.append(key)
    return {"status": "Accepted", "configuration": configuration, "unknown_keys": unknown}


def _set_variables(cmd: neutral.ChangeConfiguration) -> tuple[str, dict]:
    return "SetVariables", {"setVariableData": [{"attributeValue": cmd.value, **component_variable(cmd.key)}]}


def _set_variables_result(cmd, resp: dict) -> dict:
    result = resp["setVariableResult"][0]
    return {"status": _SET_STATUS.get(result["attributeStatus"], "Rejected"), "ocpp_status": result["attributeStatus"]}


def _trigger(cmd: neutral.TriggerMessage) -> tuple[str, dict]:
    payload: dict = {"requestedMessage": _TRIGGER.get(cmd.message, cmd.message)}
    if cmd.connector_id:
        payload["evse"] = {"id": cmd.connector_id}
    return "TriggerMessage", payload


def _transaction_status(cmd: neutral.GetTransactionStatus) -> tuple[str, dict]:
    return "GetTransactionStatus", ({"transactionId": cmd.ocpp_tx_id} if cmd.ocpp_tx_id else {})


def _transaction_status_result(cmd, resp: dict) -> dict:
    out = {"status": "Accepted", "messages_in_queue": resp["messagesInQueue"]}
    if "ongoingIndicator" in resp:
        out["ongoing"] = resp["ongoingIndicator"]
    return out


ENCODERS: dict[type, tuple[Encoder, Decoder]] = {
    neutral.RemoteStart: (_remote_start, _remote_start_result),
    neutral.RemoteStop: (lambda cmd: ("RequestStopTransaction", {"transactionId": cmd.ocpp_tx_id}), _status),
    neutral.Reset: (lambda cmd: ("Reset", {"type": "Immediate" if cmd.type == "Hard" else "OnIdle"}), _status),
    neutral.UnlockConnector: (_unlock, _unlock_result),
    neutral.ChangeAvailability: (_availability, _status),
    neutral.GetConfiguration: (_get_variables, _get_variables_result),
    neutral.ChangeConfiguration: (_set_variables, _set_variables_result),
    neutral.TriggerMessage: (_trigger, _status),
    neutral.ClearCache: (lambda cmd: ("ClearCache", {}), _status),
    neutral.DataTransfer: (_data_transfer, _data_transfer_result),
    neutral.GetTransactionStatus: (_transaction_status, _transaction_status_result),
}
