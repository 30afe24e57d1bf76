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


class Availability:
    """A connector's verdict from what the CSMS knows: its statuses, whether its charge point is
    connected, reservations (and who holds them), running transactions and open orders."""

    def __init__(self, *, charge_point_repo, connector_repo, reservation_repo, driver_reservation_repo,
                 transaction_repo, order_repo, gateway):
        self.charge_points = charge_point_repo
        self.connectors = connector_repo
        self.reservations = reservation_repo
        self.driver_reservations = driver_reservation_repo
        self.transactions = transaction_repo
        self.orders = order_repo
        self.gateway = gateway

    def protocol_of(self, cp_id: str) -> str | None:
        """The OCPP version the charge point is connected with now (None: offline)."""
        return self.gateway.protocol_of(cp_id)

    async def __call__(self, cp_id: str, connector_id: int, user_id: int | None = None) -> tuple[str, str | None]:
        """(state, reservation id tag of this driver or None): free|occupied|reserved|faulted|offline|
        unavailable|unknown_connector. One rule for the scan page and the start."""
        cp = await self.charge_points.get(cp_id)
        if cp is None:
            return "unknown_connector", None
        online = self.gateway.protocol_of(cp_id) is not None
        known = await self.connectors.list_for(cp_id)
        evse = [x for x in known if x.evse_id == connector_id and x.connector_id > 0]
        if not evse and cp.protocol == "ocpp1.6":
            evse = [x for x in known if x.connector_id == connector_id]
        if not evse:     # a charge point that never reported its connectors cannot tell: offline it is
            return ("offline" if not online and not [x for x in known if x.connector_id > 0]
                    else "unknown_connector"), None
        my_tag = None
        reserved_other = False
        for r in await self.reservations.accepted(charge_point_id=cp_id):
            if r.connector_id in (connector_id, 0):
                holder = await self.driver_reservations.holder(r.id)
                if user_id is not None and holder == user_id:
                    my_tag = r.id_tag
                else:
                    reserved_other = True
        busy = bool(await self.transactions.active_on(cp_id, connector_id))
        busy = busy or bool(await self.orders.open_orders(charge_point_id=cp_id, connector_id=connector_id))
        state = connector_availability([x.status for x in evse], online=online,
                                       active_transaction=busy, reserved=reserved_other and my_tag is None,
                                       mine=my_tag is not None)
        return state, my_tag
