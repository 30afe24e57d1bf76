"""OCPP 1.6 Reservation and Local Auth List Management profiles: neutral commands -> CALLs, and the
answers back to neutral results. Pure functions."""

from __future__ import annotations

from csms.domain import reservations as r
from csms.ocpp.frames import ocpp_time


def reserve_now(cmd: r.ReserveNow) -> tuple[str, dict]:
    payload = {"connectorId": cmd.connector_id, "expiryDate": ocpp_time(cmd.expiry_date), "idTag": cmd.id_tag,
               "reservationId": cmd.reservation_id}
    if cmd.parent_id_tag:
        payload["parentIdTag"] = cmd.parent_id_tag
    return "ReserveNow", payload


def cancel_reservation(cmd: r.CancelReservation) -> tuple[str, dict]:
    return "CancelReservation", {"reservationId": cmd.reservation_id}


def _entry(e: r.LocalAuthEntry) -> dict:
    out: dict = {"idTag": e.id_tag}
    if e.status is not None:      # no idTagInfo in a Differential update: remove the tag
        info: dict = {"status": e.status}
        if e.expiry_date is not None:
            info["expiryDate"] = ocpp_time(e.expiry_date)
        if e.group_id:
            info["parentIdTag"] = e.group_id
        out["idTagInfo"] = info
    return out


def send_local_list(cmd: r.SendLocalList) -> tuple[str, dict]:
    return "SendLocalList", {"listVersion": cmd.version, "updateType": cmd.update_type,
                             "localAuthorizationList": [_entry(e) for e in cmd.entries]}


def _status(_cmd, resp: dict) -> dict:
    return {"status": resp["status"]}


def _version(_cmd, resp: dict) -> dict:
    return {"status": "Accepted", "version": resp["listVersion"]}   # -1: no local list support


ENCODERS = {
    r.ReserveNow: (reserve_now, _status),
    r.CancelReservation: (cancel_reservation, _status),
    r.SendLocalList: (send_local_list, _status),
    r.GetLocalListVersion: (lambda cmd: ("GetLocalListVersion", {}), _version),
}
