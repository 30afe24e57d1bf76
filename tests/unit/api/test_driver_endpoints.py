"""The contract's table of driver endpoints (docs/contract.md "Driver endpoints: signature and success
status") is the route table's: which are signed and what each answers on success; and the OpenAPI
document says what the money figures mean."""

from __future__ import annotations

import re
from pathlib import Path

from api.app import route_table
from api.openapi import document

CONTRACT = Path(__file__).resolve().parents[3] / "docs" / "contract.md"


def test_the_contract_says_which_driver_endpoints_are_signed_and_their_success_status():
    text = CONTRACT.read_text()
    table = text[text.index("<!-- driver-endpoints:begin -->"):text.index("<!-- driver-endpoints:end -->")]
    listed = {(m.group(1), m.group(2)): (m.group(3) == "yes", int(m.group(4)))
              for m in re.finditer(r"^\| `(GET|POST|PUT|PATCH|DELETE) ([^`]+)` \| (yes|no) \| (\d+) \|", table, re.M)}
    declared = {(r.method, r.path): (r.signed, r.status) for r in route_table().routes
                if r.auth == "driver" or r.path.startswith(("/api/v1/driver", "/api/v1/pay"))}
    assert listed == declared
    # the three the issue names, as the contract states them
    assert listed[("POST", "/api/v1/driver/payments/{id}/sync")] == (False, 200)
    assert listed[("POST", "/api/v1/driver/payments/{id}/cancel")] == (True, 200)
    assert listed[("POST", "/api/v1/driver/sessions/{id}/stop")] == (True, 202)


def test_the_openapi_document_describes_the_money_figures():
    paths = document(route_table())["paths"]
    order = paths["/api/v1/driver/orders/{id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert "1597 of a 3000 prepayment" in order["properties"]["paid_fen"]["description"]
    assert "unused prepayment" in order["properties"]["refunded_fen"]["description"]
    session = paths["/api/v1/driver/sessions/{id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert "running cost" in session["properties"]["cost_fen"]["description"]
    assert "wallet balance" in session["properties"]["funds_fen"]["description"]
