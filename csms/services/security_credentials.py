"""Charge point credentials, version-neutral: rotating the HTTP Basic password and raising the
security profile. The new value is stored only once the charge point has answered Accepted."""

from __future__ import annotations

import secrets
from typing import Any, Protocol

from csms.domain.repositories import ChargePointRepository
from csms.domain.security import SetBasicAuthPassword, UpgradeSecurityProfile
from csms.services.charger_passwords import ChargerPasswords

PASSWORD_CHARS = 32


# RebootRequired: accepted, effective after the charge point's next reboot (2.0.1 SetVariables)
_DONE = ("Accepted", "RebootRequired")

class Commands(Protocol):
    async def send(self, cp_id: str, command: Any) -> dict: ...


class ProfileRefused(Exception):
    """The requested profile cannot be set (a downgrade, or a password the profile needs is missing)."""


def new_password() -> str:
    """32 characters, 128 bits of entropy; hexadecimal, so it is also a valid 1.6 AuthorizationKey
    for charge points that read that key as a hex-encoded octet string."""
    return secrets.token_hex(PASSWORD_CHARS // 2)


class CredentialService:
    def __init__(self, charge_points: ChargePointRepository, commands: Commands, chargers,
                 passwords: ChargerPasswords):
        self.charge_points = charge_points
        self.commands = commands
        self.chargers = chargers       # ChargerService: forget() its cached state of a changed record
        self.passwords = passwords

    async def rotate_password(self, cp_id: str, password: str | None = None) -> dict:
        password = password or new_password()
        result = await self.commands.send(cp_id, SetBasicAuthPassword(password))
        if result["status"] != "Accepted":
            return {**result, "password": None}
        await self.passwords.accepted(cp_id, password)
        return {**result, "password": password}

    async def upgrade_security_profile(self, cp_id: str, command: UpgradeSecurityProfile) -> dict:
        cp = await self.charge_points.get(cp_id)
        if command.security_profile < cp.security_profile:
            raise ProfileRefused(f"security profile {cp.security_profile} may not be lowered to "
                                 f"{command.security_profile}")
        if command.security_profile in (1, 2) and not cp.password_hash:
            raise ProfileRefused(f"security profile {command.security_profile} needs a password: rotate one first")
        # a version may need more than one CALL (2.0.1: SetNetworkProfile, then the slot priority):
        # the answer carries the follow-up commands, sent while the charge point keeps accepting
        pending: list = [command]
        steps: list[dict] = []
        result: dict = {"status": "Rejected"}
        while pending:
            result = dict(await self.commands.send(cp_id, pending.pop(0)))
            pending.extend(result.pop("next", ()))
            steps.append(result)
            if result["status"] not in _DONE:
                break
        if result["status"] in _DONE:
            await self.charge_points.update(cp_id, security_profile=command.security_profile)
            self.chargers.forget(cp_id)
        return {**result, "security_profile": command.security_profile, "steps": steps}
