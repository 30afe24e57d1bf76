"""What can go wrong with a command sent to a charge point, in the services' words. The OCPP layer
raises these (csms/ocpp/gateway.py); services and the API decide what each means for them."""

from __future__ import annotations


class CommandFailed(Exception):
    """A command to a charge point did not get a usable answer."""


class NotConnected(CommandFailed):
    """The charge point has no live connection (on any node)."""


class CallTimeout(CommandFailed):
    """The charge point did not answer in time (or went away before answering)."""


class CallErrorReceived(CommandFailed):
    """The charge point answered with an OCPP CALLERROR."""

    def __init__(self, code: str, description: str, details: dict | None = None):
        super().__init__(f"{code}: {description}")
        self.code, self.description, self.details = code, description, details or {}


class CommandNotSent(CommandFailed):
    """Refused before it left: the charge point's version has no such action or command
    (``code`` NotImplemented / NotSupported), or the payload breaks the version's schema (``code``
    the schema rule, e.g. TypeConstraintViolation)."""

    def __init__(self, code: str, description: str, details: dict | None = None):
        super().__init__(f"{code}: {description}")
        self.code, self.description, self.details = code, description, details or {}

    @property
    def unsupported(self) -> bool:
        return self.code in ("NotImplemented", "NotSupported")
