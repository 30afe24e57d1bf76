"""The console's files and endpoints (api/console.py) on a real server: a stand-in build in a
temporary directory, so these tests need neither Node nor a real build."""

from __future__ import annotations

import fastjsonschema
import pytest

INDEX = "<!doctype html><title>console</title><script type=module src=/console/assets/index-3f2a9c.js></script>"


@pytest.fixture
def built(tmp_path):
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text(INDEX)
    (root / "assets" / "index-3f2a9c.js").write_text("console.log('app')")
    (root / "favicon.svg").write_text("<svg/>")
    (tmp_path / "secret.txt").write_text("outside the build")
    return root


async def fetch(csms, path: str):
    async with csms.http.get(csms.api_url + path, allow_redirects=False) as resp:
        return resp.status, resp.headers, await resp.read()


async def test_assets_are_immutable_and_the_page_is_revalidated(csms_with, built):
    csms = await csms_with(**{"api.console_dir": str(built)})
    status, headers, body = await fetch(csms, "/console/assets/index-3f2a9c.js")
    assert (status, body) == (200, b"console.log('app')")
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "javascript" in headers["Content-Type"]

    for path in ("/console/", "/console/index.html"):
        status, headers, body = await fetch(csms, path)
        assert (status, body.decode(), headers["Cache-Control"]) == (200, INDEX, "no-cache")
        assert headers["Content-Type"].startswith("text/html")
    status, headers, _ = await fetch(csms, "/console/favicon.svg")
    assert (status, headers["Cache-Control"]) == (200, "no-cache")


async def test_client_routes_get_the_page_and_missing_files_a_404(csms_with, built):
    csms = await csms_with(**{"api.console_dir": str(built)})
    for route in ("/console/board", "/console/charge-points/CP-1", "/console/orders/12?tab=bill"):
        status, headers, body = await fetch(csms, route)
        assert (status, body.decode(), headers["Cache-Control"]) == (200, INDEX, "no-cache"), route
    for missing in ("/console/assets/index-000000.js", "/console/robots.txt"):
        status, _, body = await fetch(csms, missing)
        assert status == 404 and b'"not_found"' in body, missing
    status, _, body = await fetch(csms, "/console/%2e%2e/secret.txt")
    assert b"outside the build" not in body
    status, headers, _ = await fetch(csms, "/console")
    assert (status, headers["Location"]) == (308, "/console/")


async def test_no_build_is_a_503_that_says_how_to_make_one(csms_with, tmp_path):
    csms = await csms_with(**{"api.console_dir": str(tmp_path / "nothing-here")})
    status, body = await csms.get("/console/board", token=None)
    assert status == 503
    assert body["error"]["code"] == "console_not_built" and "make console" in body["error"]["message"]


async def test_config_is_public_and_carries_the_map_key(csms_with):
    plain = await csms_with()
    status, body = await plain.get("/api/v1/console/config", token=None)
    assert status == 200 and body["tencent_map_key"] is None and body["version"]
    keyed = await csms_with(**{"api.tencent_map_key": "ABCDE-KEY"})
    status, body = await keyed.get("/api/v1/console/config", token=None)
    assert (status, body["tencent_map_key"]) == (200, "ABCDE-KEY")


async def test_ocpp_schemas_are_the_ones_the_server_validates_with(csms):
    status, body = await csms.get("/api/v1/admin/ocpp-schemas/ocpp1.6")
    assert status == 200 and body["protocol"] == "ocpp1.6"
    assert {"RemoteStartTransaction", "Reset", "ChangeConfiguration"} <= set(body["actions"])
    assert "BootNotification" not in body["actions"]         # only charge points send it
    status, v201 = await csms.get("/api/v1/admin/ocpp-schemas/ocpp2.0.1")
    assert "RequestStartTransaction" in v201["actions"]

    status, schema = await csms.get("/api/v1/admin/ocpp-schemas/ocpp1.6/Reset")
    assert status == 200 and "$schema" not in schema
    check = fastjsonschema.compile(schema)
    assert check({"type": "Soft"}) == {"type": "Soft"}
    with pytest.raises(fastjsonschema.JsonSchemaValueException):
        check({"type": "Gentle"})
    status, schema = await csms.get("/api/v1/admin/ocpp-schemas/ocpp2.0.1/RequestStartTransaction")
    assert status == 200 and set(schema["required"]) == {"idToken", "remoteStartId"}

    for path in ("/api/v1/admin/ocpp-schemas/ocpp9", "/api/v1/admin/ocpp-schemas/ocpp1.6/BootNotification",
                 "/api/v1/admin/ocpp-schemas/ocpp1.6/NoSuchAction"):
        status, body = await csms.get(path)
        assert (status, body["error"]["code"]) == (404, "not_found"), path
    status, _ = await csms.get("/api/v1/admin/ocpp-schemas/ocpp1.6", token=None)
    assert status == 401


async def test_the_new_endpoints_are_in_the_openapi_document(csms):
    status, spec = await csms.get("/api/v1/openapi.json", token=None)
    assert status == 200
    assert {"/api/v1/console/config", "/api/v1/admin/ocpp-schemas/{protocol}",
            "/api/v1/admin/ocpp-schemas/{protocol}/{action}"} <= set(spec["paths"])
