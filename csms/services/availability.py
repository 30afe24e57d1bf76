"""What a driver can do with a connector right now, from its OCPP status: one rule for the map,
the scan page and the start of a session."""

from __future__ import annotations

from typing import Iterable

FREE = frozenset({"Available", "Preparing", "Unknown"})   # Preparing: plugged in first, then scanned
PLUGGED = frozenset({"Occupied"})                          # 2.0.1: a cable is in; free unless a transaction runs
BUSY = frozenset({"Charging", "SuspendedEV", "SuspendedEVSE", "Finishing"})
FAULTED = frozenset({"Faulted"})
UNAVAILABLE = frozenset({"Unavailable"})


def connector_availability(statuses: Iterable[str], *, online: bool, active_transaction: bool,
                           reserved: bool, mine: bool = False) -> str:
    """free | occupied | reserved | faulted | offline | unavailable for the connectors of one EVSE.
    ``reserved``: held for someone else; ``mine``: held for the asking driver (then it is free to them)."""
    statuses = list(statuses)
    if not online:
        return "offline"
    if statuses and all(s in FAULTED for s in statuses):
        return "faulted"
    if statuses and all(s in UNAVAILABLE | FAULTED for s in statuses):
        return "unavailable"
    if active_transaction or any(s in BUSY for s in statuses):
        return "occupied"
    if reserved or (not mine and any(s == "Reserved" for s in statuses)):
        return "reserved"
    if any(s in FREE | PLUGGED or (mine and s == "Reserved") for s in statuses):
        return "free"
    return "unavailable"
