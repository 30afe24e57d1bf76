"""Customer information of the simulated 2.0.1 charging station (block N: N09 report, N10 clear):
CustomerInformation -> NotifyCustomerInformation. Mixed into ChargePoint201.

What the station holds about a customer: the authorization cache entry of an id token, the transactions
of that token in ``transaction_log`` (v201_features.py), and ``customers`` (customer identifier -> id
token: customers the station knows by another name, e.g. registered on its display). A request names
the customer by idToken, customerIdentifier or customerCertificate (no ISO 15118 contract certificates
here: nothing is held for one); without any: Invalid; with neither report nor clear: Rejected. The
report is text, sent in parts of at most 512 characters (``tbc``); clear removes what the report shows
(after reporting it when both are asked). An empty report is one part with empty ``data``.
"""

from __future__ import annotations

from .protocol import utc_now

PART = 512


class CustomerInfo201:
    """Mixin; relies on the ChargePoint201 attributes (auth_cache, transaction_log, after_reply ...)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.customers: dict[str, str] = {}  # customer identifier -> id token

    async def on_CustomerInformation(self, payload: dict) -> dict:
        if not any(k in payload for k in ("idToken", "customerIdentifier", "customerCertificate")):
            return {"status": "Invalid"}
        if not payload["report"] and not payload["clear"]:
            return {"status": "Rejected"}
        token = (payload.get("idToken") or {}).get("idToken")
        identifier = payload.get("customerIdentifier")
        if token is None and identifier is not None:
            token = self.customers.get(identifier)
        text = self._customer_report(token, identifier) if payload["report"] else ""
        if payload["clear"]:
            self._clear_customer(token, identifier)
        self.after_reply(self._send_customer_information(payload["requestId"], text))
        return {"status": "Accepted"}

    def _customer_report(self, token: str | None, identifier: str | None) -> str:
        lines = []
        if identifier is not None and identifier in self.customers:
            lines.append(f"customer {identifier}: id token {self.customers[identifier]}")
        if token is not None:
            cached = self.auth_cache.get(token)
            if cached is not None:
                lines.append(f"id token {token}: authorization cache status {cached.get('status', 'Unknown')}")
            for record in self.transaction_log:
                if record["idToken"] == token:
                    lines.append(f"transaction {record['transactionId']} on EVSE {record['evseId']}: "
                                 f"{record['startTime']} - {record['stopTime']}, {record['energyWh']} Wh")
        return "\n".join(lines)

    def _clear_customer(self, token: str | None, identifier: str | None) -> None:
        if identifier is not None:
            self.customers.pop(identifier, None)
        if token is not None:
            self.auth_cache.pop(token, None)
            self.transaction_log[:] = [r for r in self.transaction_log if r["idToken"] != token]
            for name in [name for name, known in self.customers.items() if known == token]:
                del self.customers[name]
        self.notify()

    async def _send_customer_information(self, request_id: int, text: str) -> None:
        parts = [text[i:i + PART] for i in range(0, len(text), PART)] or [""]
        generated = utc_now()
        for seq, data in enumerate(parts):
            notice = {"data": data, "seqNo": seq, "generatedAt": generated, "requestId": request_id}
            if seq < len(parts) - 1:
                notice["tbc"] = True
            if await self._call_quiet("NotifyCustomerInformation", notice) is None:
                return
