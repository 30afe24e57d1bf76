"""OCPP-J RPC errors."""

from __future__ import annotations


class OcppError(Exception):
    """Becomes a CALLERROR frame: [4, id, code, description, details]."""

    def __init__(self, code: str, description: str = "", details: dict | None = None):
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.details = details or {}


class CallErrorReceived(Exception):
    """The charge point answered our CALL with a CALLERROR."""

    def __init__(self, code: str, description: str, details: dict | None = None):
        super().__init__(f"{code}: {description}")
        self.code, self.description, self.details = code, description, details or {}


class CallTimeout(Exception):
    """The charge point did not answer our CALL in time."""


class NotConnected(Exception):
    """The charge point has no live connection on this node."""


def version_code(version: str, code: str) -> str:
    """Spell an error code as the version does (1.6 has FormationViolation / Occurence...)."""
    if version == "ocpp1.6":
        return {"FormatViolation": "FormationViolation",
                "OccurrenceConstraintViolation": "OccurenceConstraintViolation"}.get(code, code)
    return {"FormationViolation": "FormatViolation",
            "OccurenceConstraintViolation": "OccurrenceConstraintViolation"}.get(code, code)
