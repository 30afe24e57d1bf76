"""OCPP 2.0.1 blocks H (reservation) and D (local authorization list): neutral commands -> CALLs and
answers back to the same neutral results as 1.6, and the inbound ReservationStatusUpdate."""

from __future__ import annotations

from csms.domain import reservations as r
from csms.ocpp.routing import CallContext
from csms.ocpp.frames import ocpp_time
from csms.services.reservations import ReservationService

_AUTH = {"Accepted", "Blocked", "ConcurrentTx", "Expired", "Invalid", "NoCredit", "NotAllowedTypeEVSE",
         "NotAtThisLocation", "NotAtThisTime", "Unknown"}


def _group(id_tag: str) -> dict:
    return {"idToken": id_tag, "type": "Central"}


def reserve_now(cmd: r.ReserveNow) -> tuple[str, dict]:
    payload: dict = {"id": cmd.reservation_id, "expiryDateTime": ocpp_time(cmd.expiry_date),
                     "idToken": {"idToken": cmd.id_tag, "type": cmd.token_type}}
    if cmd.connector_id:          # 0 = any EVSE: evseId left out
        payload["evseId"] = cmd.connector_id
    if cmd.connector_type:
        payload["connectorType"] = cmd.connector_type
    if cmd.parent_id_tag:
        payload["groupIdToken"] = _group(cmd.parent_id_tag)
    return "ReserveNow", payload


def cancel_reservation(cmd: r.CancelReservation) -> tuple[str, dict]:
    return "CancelReservation", {"reservationId": cmd.reservation_id}


def _entry(e: r.LocalAuthEntry) -> dict:
    out: dict = {"idToken": {"idToken": e.id_tag, "type": e.token_type}}
    if e.status is not None:      # no idTokenInfo in a Differential update: remove the token
        info: dict = {"status": e.status if e.status in _AUTH else "Invalid"}
        if e.expiry_date is not None:
            info["cacheExpiryDateTime"] = ocpp_time(e.expiry_date)
        if e.group_id:
            info["groupIdToken"] = _group(e.group_id)
        out["idTokenInfo"] = info
    return out


def send_local_list(cmd: r.SendLocalList) -> tuple[str, dict]:
    payload: dict = {"versionNumber": cmd.version, "updateType": cmd.update_type}
    if cmd.entries:               # the list has minItems 1: an empty Full list is sent without it
        payload["localAuthorizationList"] = [_entry(e) for e in cmd.entries]
    return "SendLocalList", payload


def _status(_cmd, resp: dict) -> dict:
    out = {"status": resp["status"]}
    if resp.get("statusInfo"):
        out["reason"] = resp["statusInfo"].get("reasonCode")
    return out


def _version(_cmd, resp: dict) -> dict:
    return {"status": "Accepted", "version": resp["versionNumber"]}


ENCODERS = {
    r.ReserveNow: (reserve_now, _status),
    r.CancelReservation: (cancel_reservation, _status),
    r.SendLocalList: (send_local_list, _status),
    r.GetLocalListVersion: (lambda cmd: ("GetLocalListVersion", {}), _version),
}


class V201ReservationHandlers:
    def __init__(self, reservations: ReservationService):
        self.reservations = reservations

    async def reservation_status_update(self, ctx: CallContext, req: dict) -> dict:
        await self.reservations.status_update(ctx.cp_id, req["reservationId"], req["reservationUpdateStatus"])
        return {}
