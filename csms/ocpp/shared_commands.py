"""Encoders and decoders that are the same in OCPP 1.6 and 2.0.1."""

from __future__ import annotations

from csms.domain import commands as neutral


def data_transfer(cmd: neutral.DataTransfer) -> tuple[str, dict]:
    payload: dict = {"vendorId": cmd.vendor_id}
    if cmd.message_id is not None:
        payload["messageId"] = cmd.message_id
    if cmd.data is not None:
        payload["data"] = cmd.data
    return "DataTransfer", payload


def data_transfer_result(_cmd, resp: dict) -> dict:
    return {"status": resp["status"], **({"data": resp["data"]} if "data" in resp else {})}


def status(_cmd, resp: dict) -> dict:
    return {"status": resp["status"]}


def remote_start_result(cmd: neutral.RemoteStart, resp: dict) -> dict:
    out = {"status": resp["status"], "remote_start_id": cmd.remote_start_id}
    if resp.get("transactionId"):          # 2.0.1 may name the transaction at once
        out["ocpp_transaction_id"] = resp["transactionId"]
    return out
