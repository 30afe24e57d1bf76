"""The roles as the route table declares them (docs/contract.md "Roles"): which permission each
role grants, which routes need which, and that the contract lists every staff endpoint with it."""

from __future__ import annotations

import re
from pathlib import Path

from api.app import route_table
from api.auth import GRANTS, ROLES, allows
from api.openapi import document
from api.routing import STAFF, audited

ROUTES = route_table().routes
STAFF_ROUTES = [r for r in ROUTES if r.auth in STAFF]
CONTRACT = Path(__file__).resolve().parents[3] / "docs" / "contract.md"


def test_the_roles_grant_nested_permissions_with_operator_and_finance_side_by_side():
    assert ROLES == ("viewer", "operator", "finance", "admin")
    assert all("viewer" in GRANTS[role] for role in ROLES) and GRANTS["admin"] == frozenset(STAFF)
    assert "finance" not in GRANTS["operator"] and "operator" not in GRANTS["finance"]
    assert allows({"kind": "operator", "role": "finance"}, "finance")
    assert not allows({"kind": "operator", "role": "operator"}, "finance")
    assert not allows({"kind": "driver", "role": "admin"}, "viewer")           # a driver's token is no staff token
    assert not allows({"kind": "operator", "role": "root"}, "viewer")


def test_reads_are_open_to_every_role_except_money_and_staff_records_and_changes_are_audited():
    assert {r.auth for r in STAFF_ROUTES if r.method == "GET"} == {"viewer", "finance", "admin"}
    assert {r.path for r in STAFF_ROUTES if r.method == "GET" and r.auth == "finance"} == {
        "/api/v1/admin/payments", "/api/v1/admin/reconciliation", "/api/v1/admin/invoices",
        "/api/v1/admin/invoices/{id}"}
    assert all(audited(r) == (r.method != "GET") for r in STAFF_ROUTES)
    assert not any(audited(r) for r in ROUTES if r.auth not in STAFF)
    money = {r.path for r in STAFF_ROUTES if r.auth == "finance" and r.method == "POST"}
    assert money == {"/api/v1/admin/orders/{id}/refund", "/api/v1/admin/users/{id}/wallet/adjustments",
                     "/api/v1/admin/order-reviews/{id}/adjust", "/api/v1/admin/order-reviews/{id}/refund",
                     "/api/v1/admin/invoices/{id}/issue", "/api/v1/admin/invoices/{id}/reject"}


def test_the_openapi_document_names_each_operations_permission_and_roles():
    spec = document(route_table())
    op = spec["paths"]["/api/v1/admin/orders/{id}/refund"]["post"]
    assert (op["x-permission"], op["x-roles"]) == ("finance", ["finance", "admin"])
    assert "Audited" in op["description"]
    read = spec["paths"]["/api/v1/admin/stations"]["get"]
    assert (read["x-permission"], read["x-roles"]) == ("viewer", list(ROLES))


def test_the_contract_lists_every_staff_endpoint_with_its_permission():
    text = CONTRACT.read_text()
    table = text[text.index("<!-- roles:begin -->"):text.index("<!-- roles:end -->")]
    listed = {(m.group(1), m.group(2)): m.group(3)
              for m in re.finditer(r"^\| `(GET|POST|PUT|PATCH|DELETE) ([^`]+)` \| (\w+) \|", table, re.M)}
    declared = {(r.method, r.path): r.auth for r in STAFF_ROUTES}
    assert listed == declared
