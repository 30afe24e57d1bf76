"""Neutral commands -> OCPP 1.6 CALLs, and the answers back to neutral results."""

from __future__ import annotations

from typing import Any, Callable

from csms.domain import commands as neutral
from csms.ocpp.shared_commands import data_transfer as _data_transfer
from csms.ocpp.shared_commands import data_transfer_result as _data_transfer_result
from csms.ocpp.shared_commands import remote_start_result as _remote_start_result
from csms.ocpp.shared_commands import status as _status

Encoder = Callable[[Any], tuple[str, dict]]
Decoder = Callable[[Any, dict], dict]


def _remote_start(cmd: neutral.RemoteStart) -> tuple[str, dict]:
    payload: dict = {"idTag": cmd.id_tag}
    if cmd.connector_id is not None:
        payload["connectorId"] = cmd.connector_id
    if cmd.charging_profile is not None:
        payload["chargingProfile"] = cmd.charging_profile
    return "RemoteStartTransaction", payload


def _get_configuration(cmd: neutral.GetConfiguration) -> tuple[str, dict]:
    return "GetConfiguration", ({"key": list(cmd.keys)} if cmd.keys else {})


def _trigger(cmd: neutral.TriggerMessage) -> tuple[str, dict]:
    payload: dict = {"requestedMessage": cmd.message}
    if cmd.connector_id is not None:
        payload["connectorId"] = cmd.connector_id
    return "TriggerMessage", payload


def _configuration(_cmd, resp: dict) -> dict:
    return {
        "status": "Accepted",
        "configuration": [{"key": k["key"], "value": k.get("value"), "readonly": k["readonly"]}
                          for k in resp.get("configurationKey", [])],
        "unknown_keys": list(resp.get("unknownKey", [])),
    }


ENCODERS: dict[type, tuple[Encoder, Decoder]] = {
    neutral.RemoteStart: (_remote_start, _remote_start_result),
    neutral.RemoteStop: (lambda cmd: ("RemoteStopTransaction", {"transactionId": cmd.transaction_id}), _status),
    neutral.Reset: (lambda cmd: ("Reset", {"type": cmd.type}), _status),
    neutral.UnlockConnector: (lambda cmd: ("UnlockConnector", {"connectorId": cmd.connector_id}), _status),
    neutral.ChangeAvailability: (lambda cmd: ("ChangeAvailability", {
        "connectorId": cmd.connector_id, "type": "Operative" if cmd.operative else "Inoperative"}), _status),
    neutral.GetConfiguration: (_get_configuration, _configuration),
    neutral.ChangeConfiguration: (lambda cmd: ("ChangeConfiguration", {"key": cmd.key, "value": cmd.value}), _status),
    neutral.TriggerMessage: (_trigger, _status),
    neutral.ClearCache: (lambda cmd: ("ClearCache", {}), _status),
    neutral.DataTransfer: (_data_transfer, _data_transfer_result),
}
