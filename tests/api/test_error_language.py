"""Every error body says what went wrong in Bahasa Indonesia (`message.id`) and English."""

from __future__ import annotations

import csv
import inspect
import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app import errors
from app.errors import FALLBACK_ID, VALIDATION_ID, RtrwError, validation_id
from tests.zoning_fixture import utm_box

POINT = {"type": "Point", "coordinates": [109.8, -6.95]}


def message_of(r, status: int, code: str, *details: str) -> str:
    """Assert a two-language error body whose Indonesian text names `details`; return it."""
    assert r.status_code == status, r.text
    body = r.json()
    assert body["error"] == code, body
    message = body["message"]
    assert set(message) == {"id", "en"} and message["en"] == body["detail"], body
    assert message["id"].strip() and message["id"] != message["en"], body
    for detail in details:
        assert detail in message["id"], (detail, message["id"])
    return message["id"]


def error_classes() -> list[type[RtrwError]]:
    return [
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, RtrwError) and cls.__module__ == errors.__name__
    ]


def test_every_error_code_has_an_indonesian_fallback() -> None:
    classes = error_classes()
    assert RtrwError in classes and len(classes) > 10
    for cls in classes:
        assert FALLBACK_ID.get(cls.code, "").strip(), f"{cls.__name__} ({cls.code}) has none"
    for code in ("invalid_request", "internal_error", "not_found", "method_not_allowed"):
        assert FALLBACK_ID.get(code, "").strip(), code


def test_a_raise_without_indonesian_text_gets_the_fallback_and_the_particulars() -> None:
    exc = errors.LayerNotFound("no layer named 'zonna'", name="zonna")
    assert exc.message_id.startswith(FALLBACK_ID["layer_not_found"])
    assert "'zonna'" in exc.message_id and exc.extra == {"name": "zonna"}
    given = errors.InvalidParameter("bad", message_id="Parameter salah", limit=3)
    assert (given.message_id, given.extra) == ("Parameter salah", {"limit": 3})
    again = type(given)(f"again: {given.message}", **given.extra)  # how wrappers re-raise
    assert again.extra == {"limit": 3} and again.message_id


def test_database_faults_are_worded_in_both_languages() -> None:
    import sqlalchemy.exc

    mapped = errors.database_error(sqlalchemy.exc.TimeoutError("pool"))
    assert mapped is not None and mapped.code == "database_unavailable"
    assert "basis data" in mapped.message_id.lower() and mapped.message_id != mapped.message


def test_unknown_layer(client: TestClient) -> None:
    message_of(client.get("/layers/tidak_ada_lapisan"), 404, "layer_not_found", "tidak_ada_lapisan")


def test_unknown_admin_code(client: TestClient) -> None:
    text = message_of(client.get("/admin/33.99"), 404, "admin_area_not_found", "33.99")
    assert "Wilayah administrasi" in text


@pytest.mark.parametrize("kbli", ["47300", "4711"])
def test_unknown_kbli(client: TestClient, planning_area: Engine, kbli: str) -> None:
    body = {"geometry": POINT, "kbli": kbli}
    r = client.post("/zoning/check", json=body)
    if r.status_code == 422 and r.json()["error"] == "invalid_request":
        message_of(r, 422, "invalid_request", "kbli")  # the schema refused it first
        return
    text = message_of(r, 422, "unknown_activity", kbli)
    assert "KBLI" in text


def test_bad_geometry(client: TestClient) -> None:
    far = {"type": "Point", "coordinates": [500000.0, 9230000.0]}  # UTM sent as lon/lat
    r = client.post("/zoning/check", json={"geometry": far})
    message_of(r, 422, "invalid_geometry", "EPSG:4326", "Koordinat")


def test_bad_polygon_in_a_batch_row(client: TestClient, planning_area: Engine) -> None:
    body = "id;bujur;lintang\nA;abc;-6,95\nB;109,8;\n"
    r = client.post(
        "/zoning/check/batch",
        content=body,
        headers={"content-type": "text/csv", "accept": "text/csv"},
    )
    assert r.status_code == 200, r.text
    rows = list(csv.DictReader(io.StringIO(r.text)))
    a, b = rows
    assert a["error"] == "invalid_geometry" and "abc" in a["detail_id"], a
    assert a["detail_id"].startswith("baris 2 (id A): ") and a["detail_id"] != a["detail"]
    assert "lintang" in b["detail_id"] and "kosong" in b["detail_id"], b


def test_bad_geometry_in_a_batch_is_worded_like_the_single_check(
    client: TestClient, planning_area: Engine
) -> None:
    polygon = {"type": "Polygon", "coordinates": [list(utm_box(0, 50).exterior.coords)]}
    features = [{"type": "Feature", "properties": {"id": "x"}, "geometry": polygon}]
    r = client.post(
        "/zoning/check/batch",
        json={"type": "FeatureCollection", "features": features},
    )
    assert r.status_code == 200, r.text
    row = r.json()["rows"][0]
    assert row["error"] == "invalid_geometry" and "EPSG:4326" in row["detail_id"], row
    assert row["detail_id"] != row["detail"]


def test_validation_errors_name_the_fields(client: TestClient) -> None:
    r = client.post("/zoning/check", json={"KBLI": "10631"})
    text = message_of(r, 422, "invalid_request", "KBLI", "geometry", VALIDATION_ID["missing"])
    assert VALIDATION_ID["extra_forbidden"] in text
    r = client.get("/zoning/at", params={"lon": "abc", "lat": -6.95})
    message_of(r, 422, "invalid_request", "lon", "angka")


def test_invalid_json_body(client: TestClient) -> None:
    r = client.post(
        "/zoning/check", content=b'{"geometry": ', headers={"content-type": "application/json"}
    )
    message_of(r, 422, "invalid_request", VALIDATION_ID["json_invalid"])


def test_validation_phrases_fill_their_limits() -> None:
    assert "200" in validation_id({"type": "less_than_equal", "ctx": {"le": 200}})
    literal = validation_id({"type": "literal_error", "ctx": {"expected": "'a' or 'b'"}})
    assert "'a' atau 'b'" in literal
    unknown = validation_id({"type": "some_new_pydantic_type", "msg": "needs x"})
    custom = validation_id({"type": "value_error", "msg": "Value error, needs y"})
    assert unknown.replace("needs x", "") == custom.replace("needs y", "")
    assert "90" in validation_id({"type": "less_than_equal", "ctx": {"le": 90.0}})
    assert "90.0" not in validation_id({"type": "less_than_equal", "ctx": {"le": 90.0}})


def test_unrouted_path(client: TestClient) -> None:
    message_of(client.get("/layer"), 404, "not_found", "/layer", "/docs")


def test_wrong_method(client: TestClient) -> None:
    message_of(client.delete("/layers"), 405, "method_not_allowed", "DELETE", "/layers", "GET")
