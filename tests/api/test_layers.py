"""The HTTP API on a real PostGIS: health, catalog, features, admin, and its errors."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import box, shape

from tests.fixtures import squares_utm, write


@pytest.fixture
def zona(load, tmp_path: Path) -> gpd.GeoDataFrame:
    """Load 5 squares as layer 'zona' twice (v1: 3 squares, v2: 5); return v2 in EPSG:4326."""
    load(write(squares_utm(3), tmp_path / "v1.gpkg"), "zona", "zoning")
    src = squares_utm(5)
    load(write(src, tmp_path / "v2.gpkg"), "zona", "zoning", title="Zona uji")
    return src.to_crs(4326)


def test_health_reports_postgis(client: TestClient) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["database"] == "reachable" and body["postgis"].startswith("3.")


def test_layers_listing_detail_and_versions(client: TestClient, zona) -> None:
    layers = client.get("/layers").json()
    assert [(x["name"], x["kind"], x["version"], x["feature_count"]) for x in layers] == [
        ("zona", "zoning", 2, 5)
    ]
    detail = client.get("/layers/zona").json()
    assert detail["title"] == "Zona uji" and detail["versions"] == 2
    assert detail["field_map"] == {"code": "KODSZN", "name": "NAMSZN"}
    assert detail["report"]["written"] == 5
    assert detail["bounds"] == pytest.approx(list(zona.total_bounds), abs=1e-9)
    versions = client.get("/layers/zona/versions").json()
    assert [(v["version"], v["current"]) for v in versions] == [(2, True), (1, False)]
    assert client.get("/layers?kind=admin").json() == []


def test_features_paginate_with_next_link(client: TestClient, zona) -> None:
    r = client.get("/layers/zona/features", params={"limit": 2})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    page = r.json()
    assert page["type"] == "FeatureCollection" and page["numberReturned"] == 2
    seen = [f["properties"]["code"] for f in page["features"]]
    while nxt := [link["href"] for link in page["links"] if link["rel"] == "next"]:
        page = client.get(nxt[0]).json()
        seen += [f["properties"]["code"] for f in page["features"]]
    assert seen == list(zona["KODSZN"])
    first = client.get("/layers/zona/features").json()["features"][0]
    assert shapely.equals_exact(
        shapely.normalize(shape(first["geometry"])),
        shapely.normalize(shapely.multipolygons([zona.geometry.iloc[0]])),
        1e-7,
    )


def test_features_bbox_and_old_version(client: TestClient, zona) -> None:
    # A bbox over the 2nd and 3rd squares only, computed independently with shapely.
    b = zona.geometry.iloc[1].union(zona.geometry.iloc[2]).buffer(-1e-4).bounds
    expected = [
        c for c, g in zip(zona["KODSZN"], zona.geometry, strict=True) if g.intersects(box(*b))
    ]
    got = client.get("/layers/zona/features", params={"bbox": ",".join(map(str, b))}).json()
    assert [f["properties"]["code"] for f in got["features"]] == expected == ["K-1", "P-1"]
    old = client.get("/layers/zona/features", params={"version": 1}).json()
    assert old["version"] == 1 and old["numberReturned"] == 3


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({"bbox": "1,2,3"}, "4 numbers"),
        ({"bbox": "a,b,c,d"}, "not a number"),
        ({"bbox": "110,-7,109,-6"}, "must not exceed"),
        ({"bbox": "0,-95,1,1"}, "outside"),
        ({"limit": 1001}, "at most 1000"),
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
    ],
)
def test_features_bad_parameters_are_422(client: TestClient, zona, params, fragment) -> None:
    r = client.get("/layers/zona/features", params=params)
    assert r.status_code == 422
    assert fragment in r.json()["detail"]


def test_unknown_layer_and_version_are_404(client: TestClient, zona) -> None:
    for url in (
        "/layers/nope",
        "/layers/nope/versions",
        "/layers/nope/features",
        "/layers/zona/features?version=9",
    ):
        r = client.get(url)
        assert r.status_code == 404, url
        assert r.json()["error"] == "layer_not_found"


def test_admin_area_with_parents(client: TestClient, load, tmp_path: Path) -> None:
    kec = gpd.GeoDataFrame(
        {"KDCPUM": ["33.25.01"], "WADMKC": ["Wonotunggal"]},
        geometry=[box(109.70, -7.10, 109.80, -7.00)],
        crs="EPSG:4326",
    )
    desa = gpd.GeoDataFrame(
        {"KDEPUM": ["33.25.01.2001"], "NAMOBJ": ["Silurah"]},
        geometry=[box(109.70, -7.10, 109.75, -7.05)],
        crs="EPSG:4326",
    )
    load(write(kec, tmp_path / "kec.geojson"), "kecamatan", "admin")
    load(write(desa, tmp_path / "desa.geojson"), "desa", "admin")
    body = client.get("/admin/33.25.01.2001").json()
    assert (body["name"], body["level_name"], body["jenis"]) == ("Silurah", "desa", "desa")
    assert [(p["code"], p["name"]) for p in body["parents"]] == [
        ("33.25.01", "Wonotunggal"),
        ("33.25", None),
        ("33", None),
    ]
    assert body["geometry"]["type"] == "MultiPolygon"
    assert client.get("/admin/3325012001").json()["code"] == "33.25.01.2001"
    assert client.get("/admin/33.25.01").json()["level_name"] == "kecamatan"
    missing = client.get("/admin/33.25.09.2001")
    assert missing.status_code == 404 and "33.25.09.2001" in missing.json()["detail"]
    assert client.get("/admin/abc").status_code == 422
