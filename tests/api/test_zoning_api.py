"""The zoning endpoints over HTTP: answers, batch formats, parcels, and every bad input."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import geopandas as gpd
import pytest
from fastapi.testclient import TestClient
from pyproj import Transformer
from shapely.geometry import mapping
from sqlalchemy import Engine

from tests.fixtures import X0, Y0, write
from tests.zoning_fixture import utm_box, write_layers

TO_WGS = Transformer.from_crs(32749, 4326, always_xy=True)


@pytest.fixture
def area(planning_area_with, loader, tmp_path: Path) -> Engine:
    """The fixture planning area plus a parcel layer with two stored parcels (loaded once for
    the tests that do not change them)."""
    parcels = gpd.GeoDataFrame(
        {"NIB": ["11.01.0001", "11.01.0002"]},
        geometry=[utm_box(50, 150), utm_box(205, 245, 10, 90)],
        crs="EPSG:32749",
    )
    return planning_area_with(
        "bidang", lambda _: loader(write(parcels, tmp_path / "bidang.gpkg"), "bidang", "parcel")
    )


def body(geom, crs="EPSG:32749", **kw):
    return {"geometry": mapping(geom), "crs": crs, "as_of": "2026-01-01", **kw}


def test_check_parcel_over_http(client: TestClient, area) -> None:
    r = client.post("/zoning/check", json=body(utm_box(50, 150), kbli="68111"))
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["verdict"] == "mixed" and a["verdict_shares"] == pytest.approx({"I": 0.5, "T": 0.5})
    assert {z["code"]: z["class"] for z in a["zones"]} == {"R-2": "budidaya", "K-1": "budidaya"}
    assert a["activity"]["kbli"] == ["68111"]
    assert a["sources"]["rules"]["version"] == 1
    assert {s["layer"] for s in a["sources"]["layers"]} >= {"zona", "lp2b"}
    assert {c["article"] for c in a["sources"]["legal"]} >= {"Pasal 10", "Pasal 11"}


def test_point_at(client: TestClient, area) -> None:
    lon, lat = TO_WGS.transform(X0 + 20, Y0 + 50)
    a = client.get("/zoning/at", params={"lon": lon, "lat": lat, "kbli": "47111"}).json()
    assert [(z["code"], z["share"]) for z in a["zones"]] == [("R-2", 1.0)]
    assert a["verdict"] == "T" and "hanya di jalan kolektor" in a["summary"]["id"]


def test_activities_search(client: TestClient, area) -> None:
    by_code = client.get("/zoning/activities", params={"q": "106", "limit": 200}).json()
    assert all(a["code"].startswith("106") for a in by_code) and len(by_code) == 16
    assert [a["id"] for a in by_code if a["listed"]] == ["penggilingan_padi"]
    by_word = client.get("/zoning/activities", params={"q": "rice mill"}).json()
    assert [a["kbli"] for a in by_word] == [["10631"]]
    listed = client.get("/zoning/activities").json()  # no q: the codes the rules list
    assert [a["code"] for a in listed] == ["10631", "47111", "68111"]


def test_stored_parcel(client: TestClient, area) -> None:
    a = client.get("/parcels/11.01.0002/zoning", params={"kbli": "10631"}).json()
    assert a["verdict"] == "X" and a["parcel"]["layer"] == "bidang"
    assert client.get("/parcels/nope/zoning").status_code == 404


def test_a_point_far_outside_answers_outside_not_an_error(client: TestClient, area) -> None:
    r = client.post("/zoning/check", json={"geometry": {"type": "Point", "coordinates": [100, -1]}})
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["verdict"] == "outside" and a["zones"] == [] and a["warnings"][0]["code"] == "outside"
    assert "outside every loaded planning area" in a["summary"]["en"]


@pytest.mark.parametrize(
    "payload, status, fragment",
    [
        ({"geometry": {"type": "Polygon", "coordinates": "x"}}, 422, "malformed"),
        (
            {"geometry": {"type": "Point", "coordinates": [109.8, -6.95]}, "crs": "EPSG:0"},
            422,
            "unknown CRS",
        ),
        (
            {"geometry": {"type": "Point", "coordinates": [109.8, -6.95]}, "kbli": "1061"},
            422,
            "five digits",
        ),
        (
            {"geometry": {"type": "Point", "coordinates": [109.8, -6.95]}, "kbli": "99999"},
            422,
            "not a KBLI 2020 code; closest codes",
        ),
        ({"crs": "EPSG:4326"}, 422, "geometry"),
    ],
)
def test_bad_input_is_4xx_never_500(client: TestClient, area, payload, status, fragment) -> None:
    r = client.post("/zoning/check", json=payload)
    assert r.status_code == status, r.text
    assert fragment in r.json()["detail"]


def test_too_many_vertices_is_413(client: TestClient, area) -> None:
    from shapely.geometry import Point

    ring = Point(X0, Y0).buffer(50, quad_segs=3000)
    r = client.post("/zoning/check", json=body(ring))
    assert r.status_code == 413 and "10000" in r.json()["detail"]


def test_parcel_over_1000_ha_is_422(client: TestClient, area) -> None:
    r = client.post("/zoning/check", json=body(utm_box(0, 3200, 0, 3200)))
    assert r.status_code == 422 and "1,000 ha" in r.json()["detail"]


def test_malformed_json_is_422(client: TestClient, area) -> None:
    r = client.post(
        "/zoning/check", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422


def test_batch_formats_match_single_checks(client: TestClient, area) -> None:
    geoms = [utm_box(50, 150), utm_box(250, 350), utm_box(205, 245, 10, 90)]
    wgs = [gpd.GeoSeries([g], crs=32749).to_crs(4326).iloc[0] for g in geoms]
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": f"p{i}", "kbli": "10631"},
                "geometry": mapping(g),
            }
            for i, g in enumerate(wgs)
        ],
    }
    rows = client.post("/zoning/check/batch", json=fc, params={"as_of": "2026-01-01"}).json()[
        "rows"
    ]
    for row, g in zip(rows, wgs, strict=True):
        single = client.post(
            "/zoning/check", json={"geometry": mapping(g), "kbli": "10631", "as_of": "2026-01-01"}
        ).json()
        assert row["verdict"] == single["verdict"]
        assert row["area_m2"] == pytest.approx(single["area_m2"], abs=1e-3)
        assert row["summary_en"] == single["summary"]["en"]
    geo = client.post("/zoning/check/batch", json=fc, params={"format": "geojson"})
    assert geo.headers["content-type"].startswith("application/geo+json")
    assert [f["properties"]["verdict"] for f in geo.json()["features"]] == [
        r["verdict"] for r in rows
    ]
    text_csv = "id,wkt,kbli\n" + "".join(f'p{i},"{g.wkt}",10631\n' for i, g in enumerate(wgs))
    text_csv += "bad,POLYGON((,10631\n"
    out = client.post(
        "/zoning/check/batch",
        content=text_csv,
        headers={"content-type": "text/csv", "accept": "text/csv"},
    )
    assert out.headers["content-type"].startswith("text/csv")
    parsed = list(csv.DictReader(io.StringIO(out.text)))
    assert [p["verdict"] for p in parsed[:3]] == [r["verdict"] for r in rows]
    assert parsed[3]["id"] == "bad" and parsed[3]["error"] == "invalid_geometry"
    lon, lat = TO_WGS.transform(X0 + 20, Y0 + 50)
    lonlat = f"id,lon,lat,kbli\na,{lon},{lat},47111\n"
    pts = client.post("/zoning/check/batch", content=lonlat, headers={"content-type": "text/csv"})
    assert pts.json()["rows"][0]["verdict"] == "T"


def test_batch_errors(client: TestClient, area, monkeypatch) -> None:
    r = client.post("/zoning/check/batch", json={"type": "Feature"})
    assert r.status_code == 422 and "FeatureCollection" in r.json()["detail"]
    r = client.post(
        "/zoning/check/batch", content="a,b\n1,2\n", headers={"content-type": "text/csv"}
    )
    assert r.status_code == 422 and "wkt" in r.json()["detail"]
    r = client.post(
        "/zoning/check/batch",
        json={"type": "FeatureCollection", "features": []},
        params={"format": "xml"},
    )
    assert r.status_code == 422


def test_two_apps_apply_their_own_limits(engine, area) -> None:
    """Settings are passed, not fetched: an app built with other limits uses them, beside an
    app with the defaults, in the same process."""
    from app.main import create_app
    from app.settings import ZoningSettings, load_settings

    point = {"type": "Point", "coordinates": [109.8, -6.95]}
    fc = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {}, "geometry": point}] * 3,
    }
    square = body(utm_box(10, 40))["geometry"]  # 30 x 100 m: 5 vertices, 3,000 m2
    tight = load_settings(zoning=ZoningSettings(max_batch=2, max_vertices=4, max_area_ha=0.2))
    with TestClient(create_app(tight, engine=engine)) as small, TestClient(
        create_app(engine=engine)
    ) as usual:
        r = small.post("/zoning/check/batch", json=fc)
        assert r.status_code == 413 and "limit is 2" in r.json()["detail"]
        assert usual.post("/zoning/check/batch", json=fc).status_code == 200
        geometry = {"geometry": square, "crs": "EPSG:32749"}
        r = small.post("/zoning/check", json=geometry)
        assert r.status_code == 413 and r.json()["error"] == "too_many_vertices"
        assert usual.post("/zoning/check", json=geometry).status_code == 200
        wide = load_settings(zoning=ZoningSettings(max_area_ha=0.2))
        with TestClient(create_app(wide, engine=engine)) as narrow:
            r = narrow.post("/zoning/check", json=geometry)
            assert r.status_code == 422 and r.json()["error"] == "too_large"


def test_kbli_without_rules_is_409(client: TestClient, clean, load, tmp_path: Path) -> None:
    load(write_layers(tmp_path)["zona"], "zona", "zoning")
    r = client.post("/zoning/check", json=body(utm_box(50, 150), kbli="68111"))
    assert r.status_code == 409 and "rtrw rules load" in r.json()["detail"]


ODD_BODIES = [
    {
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[1e20, 1e20], [1e20, 2e20], [2e20, 2e20], [1e20, 1e20]]],
        },
        "crs": "EPSG:32749",
    },
    {"geometry": {"type": "Polygon", "coordinates": [[["a", "b"], [1, 2], [3, 4], ["a", "b"]]]}},
    {"geometry": {"type": "Polygon", "coordinates": None}},
    {"geometry": {"type": "Polygon", "coordinates": [[]]}},
    {
        "geometry": {
            "type": "MultiPolygon",
            "coordinates": [
                [[[109.8, -6.95], [109.81, -6.95], [109.81, -6.94], [109.8, -6.95]]],
                [],
            ],
        }
    },
    {"geometry": {"type": "Point", "coordinates": [109.8]}},
    {"geometry": {"type": "Point", "coordinates": [109.8, -6.95]}, "kbli": 123456},
    {"geometry": {"type": "Point", "coordinates": [109.8, -6.95]}, "activity": ""},
    {"geometry": {"type": "Point", "coordinates": [109.8, -6.95]}, "as_of": "2026-13-01"},
    {"geometry": {"type": "GeometryCollection", "geometries": []}},
    {"geometry": {"type": "Polygon", "coordinates": [[[109.8, -6.95]] * 4]}},
    [],
    "x",
]


@pytest.mark.parametrize("payload", ODD_BODIES)
def test_odd_bodies_are_4xx_with_a_message(client: TestClient, area, payload) -> None:
    r = client.post("/zoning/check", json=payload)
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["detail"]


def test_odd_paths_and_batch_rows(client: TestClient, area) -> None:
    assert client.get("/layers/x%00/features").status_code == 422
    assert client.get("/parcels/%00/zoning").status_code == 422
    r = client.post(
        "/zoning/check/batch", content="id,lon,lat\n1,abc,2\n", headers={"content-type": "text/csv"}
    )
    row = r.json()["rows"][0]
    assert (
        row["error"] == "invalid_geometry"
        and row["detail"].startswith("row 2 (id 1): ")  # the header is row 1
        and "abc" in row["detail"]
    )
