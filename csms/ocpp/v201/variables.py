"""OCPP 1.6 configuration keys <-> 2.0.1 device model components and variables, so one API body
serves both versions. Pure functions."""

from __future__ import annotations

# 1.6 configuration keys -> 2.0.1 (component, variable), so one API body serves both versions
KEY_ALIASES = {
    "HeartbeatInterval": ("OCPPCommCtrlr", "HeartbeatInterval"),
    "WebSocketPingInterval": ("OCPPCommCtrlr", "WebSocketPingInterval"),
    "MeterValueSampleInterval": ("SampledDataCtrlr", "TxUpdatedInterval"),
    "MeterValuesSampledData": ("SampledDataCtrlr", "TxUpdatedMeasurands"),
    "StopTxnSampledData": ("SampledDataCtrlr", "TxEndedMeasurands"),
    "ClockAlignedDataInterval": ("AlignedDataCtrlr", "Interval"),
    "MeterValuesAlignedData": ("AlignedDataCtrlr", "Measurands"),
    "ConnectionTimeOut": ("TxCtrlr", "EVConnectionTimeOut"),
    "StopTransactionOnEVSideDisconnect": ("TxCtrlr", "StopTxOnEVSideDisconnect"),
    "AuthorizeRemoteTxRequests": ("AuthCtrlr", "AuthorizeRemoteStart"),
    "LocalAuthorizeOffline": ("AuthCtrlr", "LocalAuthorizeOffline"),
    "LocalPreAuthorize": ("AuthCtrlr", "LocalPreAuthorize"),
    "AuthorizationCacheEnabled": ("AuthCacheCtrlr", "Enabled"),
    "LocalAuthListEnabled": ("LocalAuthListCtrlr", "Enabled"),
    "AuthorizationKey": ("SecurityCtrlr", "BasicAuthPassword"),
    "SecurityProfile": ("SecurityCtrlr", "SecurityProfile"),
    "ResetRetries": ("OCPPCommCtrlr", "ResetRetries"),
}


def component_variable(key: str) -> dict:
    """'HeartbeatInterval' | 'OCPPCommCtrlr.HeartbeatInterval' | 'EVSE/Power' | 'C.V.instance' ->
    {component: {name}, variable: {name[, instance]}}."""
    if key in KEY_ALIASES:
        comp, var = KEY_ALIASES[key]
        return {"component": {"name": comp}, "variable": {"name": var}}
    parts = key.replace("/", ".").split(".")
    if len(parts) == 1:
        return {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": parts[0]}}
    variable = {"name": parts[1]}
    if len(parts) > 2:
        variable["instance"] = ".".join(parts[2:])
    return {"component": {"name": parts[0]}, "variable": variable}


def key_of(component: dict, variable: dict) -> str:
    for alias, (comp, var) in KEY_ALIASES.items():
        if component.get("name") == comp and variable.get("name") == var and "instance" not in variable:
            return alias
    key = f"{component.get('name')}.{variable.get('name')}"
    return key + (f".{variable['instance']}" if variable.get("instance") else "")
