"""A charge point's HTTP Basic password kept in step with the charge point, whatever path changed it:
``commands/rotate-password``, the typed ``change-configuration`` (AuthorizationKey) and ``set-variables``
(SecurityCtrlr.BasicAuthPassword), or a raw ``calls/{Action}``. The new password is stored (hashed) only
once the charge point has answered Accepted (csms/services/station_passwords.py), so no API locks a charger out by accident (1.6 security
whitepaper 4.1 / OCPP 2.0.1 A01: the charge point uses the new password from its next connection)."""

from __future__ import annotations

from typing import Any, Protocol

from csms.domain import commands as c
from csms.domain import provisioning as p
from csms.domain.repositories import ChargePointRepository

# the neutral names of the password: the 1.6 key, and its 2.0.1 component.variable
PASSWORD_KEYS = ("AuthorizationKey", "SecurityCtrlr.BasicAuthPassword")


class Hashes(Protocol):
    async def hash(self, password: str) -> str: ...


class Forgets(Protocol):
    passwords: Hashes       # csms/services/station_passwords.py StationPasswords

    def forget(self, cp_id: str) -> None: ...


class ChargerPasswords:
    def __init__(self, charge_points: ChargePointRepository, chargers: Forgets):
        self.charge_points = charge_points
        self.chargers = chargers       # ChargerService: drops its cached state of the changed record

    async def accepted(self, cp_id: str, password: str) -> None:
        await self.charge_points.update(cp_id, password_hash=await self.chargers.passwords.hash(password))
        self.chargers.forget(cp_id)


def changed_password(command: Any, result: dict) -> str | None:
    """The password a neutral command set, if the charge point accepted it (rotate-password stores its own)."""
    if isinstance(command, c.ChangeConfiguration):
        if command.key in PASSWORD_KEYS and result.get("status") == "Accepted":
            return command.value
        return None
    if isinstance(command, p.SetVariables):
        for sent, answer in zip(command.variables, result.get("results", ())):
            ref = sent.ref
            if ((ref.component, ref.variable) == ("SecurityCtrlr", "BasicAuthPassword") and not ref.component_instance
                    and not ref.variable_instance and ref.evse_id is None and ref.attribute_type in (None, "Actual")
                    and answer.get("status") == "Accepted"):
                return sent.value
    return None
