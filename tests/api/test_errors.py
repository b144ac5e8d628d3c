"""One error shape everywhere, and strict parameters: unknown keys, kinds, control characters."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from app.models.catalog import LAYER_KINDS
from tests.fixtures import squares_utm, write

POINT = {"type": "Point", "coordinates": [109.8, -6.95]}
INT4_MAX = 2**31 - 1
INT8_MAX = 2**63 - 1


def assert_error(r, status: int, code: str, *fragments: str) -> dict:
    """Assert an `{"error", "detail", "message"}` body with `status` and `code`; return it."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert {"error", "detail", "message"} <= set(body) and body["error"] == code, body
    assert body["message"]["en"] == body["detail"] and body["message"]["id"], body
    for fragment in fragments:
        assert fragment in body["detail"], (fragment, body["detail"])
    return body


def test_unrouted_path_is_an_error_body(client: TestClient) -> None:
    body = assert_error(client.get("/layer"), 404, "not_found", "/layer", "/docs")
    assert set(body) == {"error", "detail", "message"}
    assert_error(client.get("/zoning/check/nope"), 404, "not_found")


def test_wrong_method_is_405_with_allow(client: TestClient) -> None:
    r = client.delete("/layers")
    assert_error(r, 405, "method_not_allowed", "DELETE", "/layers")
    assert r.headers["allow"] == "GET"
    assert_error(client.get("/zoning/check"), 405, "method_not_allowed", "POST")


def test_unknown_body_key_is_refused_by_name(client: TestClient) -> None:
    r = client.post("/zoning/check", json={"geometry": POINT, "KBLI": "10631"})
    body = assert_error(r, 422, "invalid_request", "KBLI", "Extra inputs are not permitted")
    issues = [(e["loc"], e["type"]) for e in body["errors"]]
    assert issues == [(["body", "KBLI"], "extra_forbidden")]


def test_unknown_layer_kind_lists_the_kinds(client: TestClient) -> None:
    body = assert_error(client.get("/layers", params={"kind": "zonning"}), 422, "invalid_request")
    for kind in LAYER_KINDS:
        assert f"'{kind}'" in body["detail"]
    assert client.get("/layers", params={"kind": "parcel"}).status_code == 200


def test_openapi_lists_kinds_and_documents_every_error_as_error_body(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["components"]["schemas"]["LayerKind"]["enum"] == list(LAYER_KINDS)
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for status, response in op["responses"].items():
                if not status.startswith(("4", "5")):  # 2xx, and 304 of a tile
                    continue
                assert list(response["content"]) == ["application/json"], (method, path, status)
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, status)


CONTROL = ["\x00", "\x01", "\t", "\n", "\x1b", "\x7f"]
AT = {"lon": 109.8, "lat": -6.95}


@pytest.mark.parametrize("char", CONTROL, ids=[f"0x{ord(c):02x}" for c in CONTROL])
@pytest.mark.parametrize(
    "method, url, params, field",
    [
        ("GET", "/zoning/at", {**AT, "kbli": "1063{c}"}, "kbli"),
        ("GET", "/zoning/at", {**AT, "activity": "padi{c}"}, "activity"),
        ("GET", "/zoning/activities", {"q": "pa{c}di"}, "q"),
        ("GET", "/layers", {"kind": "zoning{c}"}, "kind"),
        ("GET", "/layers/zo{c}na", {}, "name"),
        ("GET", "/layers/zona{c}/features", {}, "name"),
        ("GET", "/layers/zona{c}/versions", {}, "name"),
        ("GET", "/admin/33.25{c}", {}, "code"),
        ("GET", "/parcels/11.01{c}0001/zoning", {}, "parcel_id"),
        ("GET", "/parcels/11.01.0001/zoning", {"kbli": "{c}10631"}, "kbli"),
        ("POST", "/zoning/check", {"geometry": POINT, "kbli": "1063{c}"}, "kbli"),
        ("POST", "/zoning/check", {"geometry": POINT, "activity": "pa{c}di"}, "activity"),
        ("POST", "/zoning/check", {"geometry": POINT, "crs": "EPSG:4326{c}"}, "crs"),
    ],
)
def test_control_characters_in_text_are_422(
    client: TestClient, char: str, method: str, url: str, params: dict, field: str
) -> None:
    filled = {k: v.format(c=char) if isinstance(v, str) else v for k, v in params.items()}
    if method == "POST":
        r = client.post(url, json=filled)
    else:
        r = client.get(url.format(c=quote(char)), params=filled)
    # NUL anywhere in a JSON body is refused before the schema is read (app.api.guards)
    code = "invalid_parameter" if method == "POST" and char == "\x00" else "invalid_request"
    body = assert_error(r, 422, code, field)
    assert any(field in e["loc"] for e in body["errors"]), body


def test_integers_beyond_postgresql_ranges_are_422_and_the_edges_work(
    client: TestClient, load, tmp_path: Path
) -> None:
    load(write(squares_utm(2), tmp_path / "zona.gpkg"), "zona", "zoning")
    url = "/layers/zona/features"
    assert_error(client.get(url, params={"offset": INT8_MAX + 1}), 422, "invalid_request", "offset")
    assert_error(client.get(url, params={"version": INT4_MAX + 1}), 422, "invalid_request")
    edge = client.get(url, params={"offset": INT8_MAX})
    assert edge.status_code == 200 and edge.json()["numberReturned"] == 0
    assert_error(client.get(url, params={"version": INT4_MAX}), 404, "layer_not_found")


@pytest.mark.parametrize("as_of", [0, 1_700_000_000, "1700000000", "2026-1-1", "today"])
def test_as_of_is_a_written_date(client: TestClient, as_of: int | str) -> None:
    # pydantic alone would take 0 or a Unix time for 1970-01-01 and after.
    r = client.get("/zoning/at", params={**AT, "as_of": as_of})
    assert_error(r, 422, "invalid_request", "as_of", "YYYY-MM-DD")
    r = client.post("/zoning/check", json={"geometry": POINT, "as_of": as_of})
    assert_error(r, 422, "invalid_request", "as_of", "YYYY-MM-DD")


@pytest.mark.parametrize(
    "geometry, fragment",
    [
        ({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}, "LineString"),
        ({"type": "Point", "coordinates": ["109.8", "-6.95"]}, "malformed GeoJSON Point"),
        ({"type": "Point", "coordinates": [109.8, -6.95, 0, 0]}, "malformed GeoJSON Point"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}, "malformed"),
        ({"type": "MultiPolygon", "coordinates": []}, "malformed GeoJSON MultiPolygon"),
    ],
)
def test_geometry_shape_is_checked_before_the_database(
    client: TestClient, geometry: dict, fragment: str
) -> None:
    r = client.post("/zoning/check", json={"geometry": geometry})
    assert_error(r, 422, "invalid_request", "geometry", fragment)
