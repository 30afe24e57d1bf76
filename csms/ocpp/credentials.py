"""The password a raw CALL (``calls/{Action}``) set on a charge point, read from the version's payloads:
1.6 ChangeConfiguration AuthorizationKey, 2.0.1 SetVariables SecurityCtrlr.BasicAuthPassword. Pure."""

from __future__ import annotations


def accepted_password(version: str | None, action: str, payload: dict, response: dict) -> str | None:
    """The new password if this CALL set one and the charge point answered Accepted, else None."""
    if version == "ocpp1.6":
        if (action == "ChangeConfiguration" and str(payload.get("key", "")).lower() == "authorizationkey"
                and response.get("status") == "Accepted"):
            return payload.get("value")
        return None
    if action != "SetVariables":
        return None
    for item in payload.get("setVariableData", ()):
        component, variable = item.get("component", {}), item.get("variable", {})
        if not _password_variable(component, variable, item.get("attributeType", "Actual")):
            continue
        for result in response.get("setVariableResult", ()):   # matched by name: the order may differ
            if (_password_variable(result.get("component", {}), result.get("variable", {}),
                                   result.get("attributeType", "Actual"))
                    and result.get("attributeStatus") == "Accepted"):
                return item.get("attributeValue")
    return None


def _password_variable(component: dict, variable: dict, attribute_type: str) -> bool:
    return (component.get("name") == "SecurityCtrlr" and "instance" not in component and "evse" not in component
            and variable.get("name") == "BasicAuthPassword" and "instance" not in variable
            and attribute_type == "Actual")
