"""POST /zoning/check/batch over HTTP: uploads, size caps, staff CSVs, columns, rounded numbers.

Expected values are hand arithmetic on tests/zoning_fixture.py: 100 m squares R-2 (x 0..100),
K-1 (100..200), PTP = P-1 (200..300), nothing zoned beyond x 300; LP2B over x 200..250.
"""

from __future__ import annotations

import csv
import inspect
import io
import json
import re

import pytest
from fastapi.testclient import TestClient
from pyproj import Transformer
from shapely.geometry import mapping
from sqlalchemy import Engine

from app.api import batch as batch_api
from app.services import rules
from tests.conftest import DEMO_PACK
from tests.fixtures import X0, Y0
from tests.zoning_fixture import utm_box

TO_WGS = Transformer.from_crs(32749, 4326, always_xy=True)
AS_OF = {"as_of": "2026-01-01"}
LONG_DECIMALS = re.compile(r"\d\.\d{5,}")


@pytest.fixture
def area(planning_area: Engine) -> Engine:
    return planning_area


def comma(value: float) -> str:
    return f"{value:.8f}".replace(".", ",")


def staff_csv() -> str:
    """Return a CSV as Excel in the Indonesian locale saves it: `;` and decimal commas."""
    lon, lat = TO_WGS.transform(X0 + 20, Y0 + 50)  # in R-2
    return (
        "ID;Bujur;Lintang;KBLI\r\n"
        f"P-1;{comma(lon)};{comma(lat)};47111\r\n"
        "P-2;;;47111\r\n"
        f"P-3;{comma(lon)};{comma(lat)};68111\r\n"
    )


def rows_of(r) -> list[dict]:
    assert r.status_code == 200, r.text
    return r.json()["rows"]


def test_semicolon_csv_with_decimal_commas(client: TestClient, area) -> None:
    r = client.post(
        "/zoning/check/batch",
        content=staff_csv().encode(),
        headers={"content-type": "text/csv"},
        params=AS_OF,
    )
    p1, p2, p3 = rows_of(r)
    assert (p1["id"], p1["verdict"], p1["zones"]) == ("P-1", "T", "R-2:1.0")
    assert p1["conditions"] == "R-2: hanya di jalan kolektor"
    assert (p3["verdict"], p3["kbli"]) == ("I", "68111")
    assert p2["error"] == "invalid_geometry"
    assert p2["detail"] == "row 3 (id P-2): no geometry: Bujur and Lintang are empty"
    assert p2["detail_id"] == "baris 3 (id P-2): tidak ada geometri: Bujur dan Lintang kosong"


def test_utm_x_y_columns(client: TestClient, area) -> None:
    body = f"id,X,Y,kbli\n1,{X0 + 250},{Y0 + 50},10631\n"
    r = client.post(
        "/zoning/check/batch",
        content=body,
        headers={"content-type": "text/csv"},
        params={"crs": "EPSG:32749", **AS_OF},
    )
    assert rows_of(r)[0]["verdict"] == "B"


def test_file_upload(client: TestClient, area) -> None:
    files = {"file": ("persil.csv", staff_csv().encode("cp1252"), "application/vnd.ms-excel")}
    rows = rows_of(client.post("/zoning/check/batch", files=files, params=AS_OF))
    assert [(r["id"], r["verdict"]) for r in rows] == [("P-1", "T"), ("P-2", None), ("P-3", "I")]
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": 0, "kbli": "10631"},
                "geometry": mapping(utm_box(250, 350)),
            }
        ],
    }
    upload = {"file": ("persil.geojson", json.dumps(fc).encode(), "application/octet-stream")}
    r = client.post(
        "/zoning/check/batch",
        files=upload,
        params={"crs": "EPSG:32749", "format": "csv", **AS_OF},
    )
    assert r.headers["content-type"].startswith("text/csv")
    (row,) = csv.DictReader(io.StringIO(r.text))
    assert (row["id"], row["verdict_shares"], row["no_plan_share"]) == (
        "0",
        "B:0.5;no_plan:0.5",
        "0.5",
    )


def test_bad_uploads_are_422(client: TestClient, area) -> None:
    r = client.post("/zoning/check/batch", files={"parcels": ("a.csv", b"id,wkt\n")})
    assert r.status_code == 422 and "field `file`" in r.json()["detail"]
    r = client.post("/zoning/check/batch", files={"file": ("a.xlsx", b"PK\x03\x04")})
    assert r.status_code == 422 and "save a spreadsheet as CSV" in r.json()["detail"]
    r = client.post("/zoning/check/batch", content=b"", headers={"content-type": "text/csv"})
    assert r.status_code == 422 and "empty" in r.json()["detail"]


@pytest.fixture
def small_cap(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(client.app.state.settings.zoning, "max_batch_bytes", 1000)  # type: ignore[attr-defined]
    return 1000


def test_body_over_the_cap_is_413(client: TestClient, area, small_cap: int) -> None:
    big = "id,lon,lat\n" + "".join(f"{i},109.75,-6.93\n" for i in range(100))
    assert len(big) > small_cap
    r = client.post("/zoning/check/batch", content=big, headers={"content-type": "text/csv"})
    assert r.status_code == 413
    assert r.json()["error"] == "body_too_large" and "1,000 bytes" in r.json()["detail"]

    def chunks():  # no Content-Length: the bytes are counted as they come
        for line in big.splitlines(keepends=True):
            yield line.encode()

    r = client.post("/zoning/check/batch", content=chunks(), headers={"content-type": "text/csv"})
    assert r.status_code == 413 and r.json()["error"] == "body_too_large"
    r = client.post("/zoning/check/batch", files={"file": ("big.csv", big.encode())})
    assert r.status_code == 413 and r.json()["error"] == "body_too_large"
    small = "id,lon,lat\n1,109.75,-6.93\n"
    r = client.post("/zoning/check/batch", content=small, headers={"content-type": "text/csv"})
    assert r.status_code == 200


def test_no_pooled_connection_while_the_body_is_read(
    client: TestClient, area, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not inspect.iscoroutinefunction(batch_api.post_batch)  # runs in the thread pool
    held: list[int] = []
    capped = batch_api._capped

    async def watching(stream, limit):
        async for chunk in capped(stream, limit):
            held.append(engine.pool.checkedout())  # type: ignore[attr-defined]
            yield chunk

    monkeypatch.setattr(batch_api, "_capped", watching)
    r = client.post("/zoning/check/batch", files={"file": ("p.csv", staff_csv().encode())})
    assert r.status_code == 200 and held and set(held) == {0}


def test_openapi_documents_json_csv_and_upload_bodies(client: TestClient) -> None:
    op = client.get("/openapi.json").json()["paths"]["/zoning/check/batch"]["post"]
    content = op["requestBody"]["content"]
    assert {"application/json", "text/csv", "multipart/form-data"} <= set(content)
    upload = content["multipart/form-data"]["schema"]
    assert upload["required"] == ["file"] and upload["properties"]["file"]["format"] == "binary"
    assert {p["name"] for p in op["parameters"]} == {"format", "crs", "as_of"}
    assert {"200", "413", "422"} <= set(op["responses"])


def test_geojson_odd_features_are_row_errors(client: TestClient, area) -> None:
    point = {"type": "Point", "coordinates": list(TO_WGS.transform(X0 + 20, Y0 + 50))}
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"id": 0, "kbli": "47111"}, "geometry": point},
            {"type": "Feature", "properties": ["47111"], "geometry": point},
            {"type": "Feature", "properties": "47111", "geometry": point},
        ],
    }
    first, second, third = rows_of(client.post("/zoning/check/batch", json=fc, params=AS_OF))
    assert (first["id"], first["verdict"]) == (0, "T")
    assert (second["id"], second["error"]) == (2, "invalid_feature")
    assert second["detail"].startswith("feature 2 (features[1]): properties must be an object")
    assert third["detail"].startswith("feature 3 (features[2])")


def test_csv_rows_carry_conditions_sources_and_envelope(client: TestClient, area) -> None:
    body = (
        "id,wkt,kbli,activity\n"
        f'a,"{utm_box(50, 150).wkt}",68111,\n'
        f'b,"{utm_box(0, 50).wkt}",,minimarket\n'
    )
    r = client.post(
        "/zoning/check/batch",
        content=body,
        headers={"content-type": "text/csv", "accept": "text/csv"},
        params={"crs": "EPSG:32749", **AS_OF},
    )
    a, b = csv.DictReader(io.StringIO(r.text))
    # x 50..150: rumah is I in R-2 and T (with a condition) in K-1, 5,000 m2 each.
    assert a["conditions"] == "K-1: maksimum 50% luas persil"
    assert a["conditions_en"] == "K-1: at most 50% of the plot"
    assert "Perda Uji No. 2 Tahun 2024 Pasal 11" in a["legal"].split(" | ")
    assert (a["max_footprint_m2"], a["max_floor_area_m2"]) == ("7000.0", "26000.0")
    assert (a["min_green_area_m2"], a["max_height_m"]) == ("1500.0", "12.0")
    # x 0..50 in R-2, 5,000 m2: minimarket is T there; the row sent no KBLI, so none is shown.
    assert (b["kbli"], b["activity"], b["verdict"]) == ("", "minimarket", "T")
    assert b["conditions"] == "R-2: hanya di jalan kolektor"
    assert (b["max_footprint_m2"], b["area_m2"]) == ("3000.0", "5000.0")


def test_answers_carry_no_long_decimals(client: TestClient, area) -> None:
    odd = utm_box(37.1, 263.3, 11.7, 93.9)
    one = {"geometry": mapping(odd), "crs": "EPSG:32749", "kbli": "10631", **AS_OF}
    r = client.post("/zoning/check", json=one)
    assert r.status_code == 200 and LONG_DECIMALS.findall(r.text) == []
    whole = client.post(
        "/zoning/check",
        json={"geometry": mapping(utm_box(10, 90)), "crs": "EPSG:32749", **AS_OF},
    ).json()
    assert whole["zones"][0]["share"] == 1.0 and whole["no_plan_share"] == 0.0
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"kbli": "10631"}, "geometry": mapping(odd)}
        ],
    }
    for fmt in ("json", "csv", "geojson"):
        r = client.post(
            "/zoning/check/batch", json=fc, params={"crs": "EPSG:32749", "format": fmt, **AS_OF}
        )
        text = r.text if fmt != "geojson" else json.dumps(r.json()["features"][0]["properties"])
        assert r.status_code == 200 and LONG_DECIMALS.findall(text) == [], fmt


@pytest.fixture
def demo_rules_area(planning_area: Engine) -> Engine:
    """The planning area with the demo pack's rule tables loaded over its own (newest wins)."""
    with planning_area.begin() as conn:
        rules.load_rules(conn, DEMO_PACK / "rules")
    return planning_area


def test_activity_in_words_is_refused_with_suggestions(client: TestClient, demo_rules_area) -> None:
    with (DEMO_PACK / "rules" / "activities.csv").open(encoding="utf-8", newline="") as f:
        acts = {a["id"]: a for a in csv.DictReader(f)}
    # Expected from the data: the activities whose name has the word `hotel`, by KBLI code.
    named = sorted(
        (a for a in acts.values() if "hotel" in re.findall(r"[a-z]+", a["name"].lower())),
        key=lambda a: a["kbli"],
    )
    assert [a["id"] for a in named] == ["hotel_bintang", "hotel_melati"]
    point = {"type": "Point", "coordinates": list(TO_WGS.transform(X0 + 20, Y0 + 50))}
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": "H-1", "activity": "hotel"},
                "geometry": point,
            },
            {"type": "Feature", "properties": {"activity": "hotel_bintang"}, "geometry": point},
        ],
    }
    refused, taken = rows_of(client.post("/zoning/check/batch", json=fc, params=AS_OF))
    assert (refused["error"], taken["error"], taken["activity"]) == (
        "unknown_activity",
        None,
        "hotel_bintang",
    )
    en = ", ".join(f"{a['id']} ({a['name_en']})" for a in named)
    id_ = ", ".join(f"{a['id']} ({a['name']})" for a in named)
    assert refused["detail"].startswith(
        f"feature 1 (features[0], id H-1): unknown activity id 'hotel'; did you mean {en}, "
    )
    assert refused["detail_id"].startswith(
        f"fitur 1 (features[0], id H-1): Kode kegiatan 'hotel' tidak dikenal; maksud Anda {id_}, "
    )
    suggestions = refused["suggestions"]
    assert [s["activity"] for s in suggestions[:2]] == [a["id"] for a in named]
    assert suggestions[0]["kbli"] == acts["hotel_bintang"]["kbli"].split(";")
    assert suggestions[0]["name_en"] == acts["hotel_bintang"]["name_en"]
    # The rest come from the synonyms table: `hotel` stands for golongan 551 (accommodation).
    assert all(c.startswith("551") for s in suggestions for c in s["kbli"])
    assert len(suggestions) <= 5 and "suggestions" not in taken
    # A CSV says the same in its detail cells; the CSV columns stay the same.
    body = f"id,lon,lat,activity\nH-1,{point['coordinates'][0]},{point['coordinates'][1]},hotel\n"
    r = client.post(
        "/zoning/check/batch",
        content=body,
        headers={"content-type": "text/csv", "accept": "text/csv"},
        params=AS_OF,
    )
    (row,) = csv.DictReader(io.StringIO(r.text))
    assert row["detail"].startswith(
        f"row 2 (id H-1): unknown activity id 'hotel'; did you mean {en}"
    )
    assert row["detail_id"].startswith("baris 2 (id H-1): Kode kegiatan 'hotel' tidak dikenal")
    assert "suggestions" not in row
