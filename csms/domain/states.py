"""Lifecycles as explicit state machines: every allowed transition is listed here, once."""

from __future__ import annotations

from enum import Enum


class IllegalTransition(Exception):
    def __init__(self, machine: str, current: str, target: str):
        super().__init__(f"{machine}: {current} -> {target} is not allowed")
        self.machine, self.current, self.target = machine, current, target


class StateMachine:
    def __init__(self, name: str, transitions: dict[str, set[str]]):
        self.name = name
        self.transitions = transitions
        self.states = set(transitions) | {t for ts in transitions.values() for t in ts}

    def can(self, current: str, target: str) -> bool:
        return current == target or target in self.transitions.get(current, set())

    def check(self, current: str, target: str) -> str:
        if not self.can(current, target):
            raise IllegalTransition(self.name, current, target)
        return target


class ConnectorStatus(str, Enum):
    """Neutral connector status (1.6 ChargePointStatus; 2.0.1 ConnectorStatus maps onto it)."""
    AVAILABLE = "Available"
    PREPARING = "Preparing"
    CHARGING = "Charging"
    SUSPENDED_EV = "SuspendedEV"
    SUSPENDED_EVSE = "SuspendedEVSE"
    FINISHING = "Finishing"
    RESERVED = "Reserved"
    UNAVAILABLE = "Unavailable"
    FAULTED = "Faulted"
    OCCUPIED = "Occupied"            # 2.0.1 only: plugged in, no finer detail
    UNKNOWN = "Unknown"              # never reported yet


# The charge point is the authority on its connector state: every reported status is accepted
# (a missed notification must not wedge us), but transitions outside this table are counted as
# anomalies in metrics. Faulted/Unavailable/Unknown may go anywhere.
_ANY = {s.value for s in ConnectorStatus}
CONNECTOR = StateMachine("connector", {
    "Unknown": _ANY,
    "Available": {"Preparing", "Charging", "SuspendedEV", "SuspendedEVSE", "Reserved",
                  "Unavailable", "Faulted", "Occupied"},
    "Preparing": {"Available", "Charging", "SuspendedEV", "SuspendedEVSE", "Finishing",
                  "Unavailable", "Faulted"},
    "Charging": {"Available", "SuspendedEV", "SuspendedEVSE", "Finishing", "Unavailable", "Faulted"},
    "SuspendedEV": {"Available", "Charging", "SuspendedEVSE", "Finishing", "Unavailable", "Faulted"},
    "SuspendedEVSE": {"Available", "Charging", "SuspendedEV", "Finishing", "Unavailable", "Faulted"},
    "Finishing": {"Available", "Preparing", "Unavailable", "Faulted"},
    "Reserved": {"Available", "Preparing", "Unavailable", "Faulted", "Occupied"},
    "Occupied": {"Available", "Reserved", "Unavailable", "Faulted"},
    "Unavailable": _ANY,
    "Faulted": _ANY,
})

FREE_STATES = frozenset({"Available"})
BUSY_STATES = frozenset({"Preparing", "Charging", "SuspendedEV", "SuspendedEVSE", "Finishing", "Occupied"})


class TransactionStatus(str, Enum):
    ACTIVE = "Active"
    COMPLETED = "Completed"
    ABANDONED = "Abandoned"          # a new transaction started on the connector without a stop


TRANSACTION = StateMachine("transaction", {
    "Active": {"Completed", "Abandoned"},
    "Completed": set(),
    "Abandoned": {"Completed"},      # a late StopTransaction still closes it properly
})


class RegistrationStatus(str, Enum):
    ACCEPTED = "Accepted"
    PENDING = "Pending"
    REJECTED = "Rejected"


class IdTagStatus(str, Enum):
    ACCEPTED = "Accepted"
    BLOCKED = "Blocked"
    EXPIRED = "Expired"
    INVALID = "Invalid"
    CONCURRENT_TX = "ConcurrentTx"
    UNKNOWN = "Unknown"              # never heard of it (1.6 answers Invalid)
