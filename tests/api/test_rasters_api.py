"""The raster routes: catalog, the value at a point, zonal statistics, and their errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from fastapi.testclient import TestClient
from pyproj import Transformer
from sqlalchemy import Engine

from app.services.rasters.ingest import load_raster
from app.settings import raster_settings
from tests.raster_fixture import DEM_NODATA, DEM_ORIGIN, TINY_ORIGIN, UTM, striped_dem, tiny_classes

TO_LONLAT = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)


@pytest.fixture
def rasters(clean: Engine, tmp_path: Path) -> dict[str, Path]:
    dem = striped_dem(tmp_path / "dem.tif")
    tif, csv = tiny_classes(tmp_path)
    with clean.begin() as conn:
        load_raster(conn, dem, "dem", settings=raster_settings(), unit="m", colormap="terrain")
        load_raster(conn, tif, "lahan", settings=raster_settings(), classes_csv=csv)
    return {"dem": dem, "lahan": tif}


def ring(*utm: tuple[float, float]) -> list[list[float]]:
    pts = [list(TO_LONLAT.transform(x, y)) for x, y in utm]
    return [*pts, pts[0]]


def square(x0: float, y0: float, x1: float, y1: float) -> dict:
    return {"type": "Polygon", "coordinates": [ring((x0, y0), (x1, y0), (x1, y1), (x0, y1))]}


def test_catalog(client: TestClient, rasters) -> None:
    listed = client.get("/rasters").json()
    assert [r["name"] for r in listed] == ["dem", "lahan"]
    dem = client.get("/rasters/dem").json()
    assert dem["crs"] == UTM and dem["kind"] == "continuous" and dem["unit"] == "m"
    assert dem["tilejson"] == "/rasters/dem.json" and dem["versions"] == 1
    assert dem["nodata"] == DEM_NODATA and dem["res"] == [30.0, 30.0]
    assert dem["report"]["status"] == "loaded"
    lahan = client.get("/rasters/lahan").json()
    assert [c["name_id"] for c in lahan["classes"]] == ["Hutan", "Sawah", "Permukiman"]
    versions = client.get("/rasters/lahan/versions").json()
    assert [(v["version"], v["current"]) for v in versions] == [(1, True)]
    r = client.get("/rasters/nope")
    assert r.status_code == 404 and r.json()["error"] == "raster_not_found"
    assert "tidak ditemukan" in r.json()["message"]["id"]
    assert client.get("/rasters/dem", params={"version": 2}).status_code == 404


def test_point(client: TestClient, rasters) -> None:
    x, y = DEM_ORIGIN[0] + 4_321.7, DEM_ORIGIN[1] - 2_345.6
    lon, lat = TO_LONLAT.transform(x, y)
    with rasterio.open(rasters["dem"]) as s:
        ux, uy = Transformer.from_crs("EPSG:4326", UTM, always_xy=True).transform(lon, lat)
        expected = float(next(s.sample([(ux, uy)]))[0])
    body = client.get("/rasters/dem/point", params={"lon": lon, "lat": lat}).json()
    assert body["value"] == expected and body["unit"] == "m" and body["class"] is None
    lon, lat = TO_LONLAT.transform(DEM_ORIGIN[0] + 50, DEM_ORIGIN[1] - 50)  # the nodata edge
    assert client.get("/rasters/dem/point", params={"lon": lon, "lat": lat}).json()["value"] is None
    lon, lat = TO_LONLAT.transform(TINY_ORIGIN[0] + 5, TINY_ORIGIN[1] - 25)
    body = client.get("/rasters/lahan/point", params={"lon": lon, "lat": lat}).json()
    assert body["value"] == 3 and body["class"]["name_en"] == "Settlement"
    r = client.get("/rasters/lahan/point", params={"lon": 109.0, "lat": -7.5})
    assert r.status_code == 404 and r.json()["error"] == "point_outside_raster"
    assert "di luar cakupan raster" in r.json()["message"]["id"]
    r = client.get("/rasters/lahan/point", params={"lon": 200, "lat": 0})
    assert r.status_code == 422


def test_zonal(client: TestClient, rasters) -> None:
    x0, y0 = TINY_ORIGIN
    geom = square(x0 + 2, y0 - 28, x0 + 28, y0 - 2)
    for body in (geom, {"type": "Feature", "properties": {}, "geometry": geom}):
        r = client.post("/rasters/lahan/zonal", json=body)
        assert r.status_code == 200, r.text
        got = r.json()
        assert got["rule"] == "pixel_centre" and (got["count"], got["nodata_count"]) == (9, 0)
        assert [(c["value"], c["pixels"]) for c in got["classes"]] == [(1, 4), (2, 2), (3, 3)]
        assert [c["share"] for c in got["classes"]] == pytest.approx([4 / 9, 2 / 9, 3 / 9])
        assert [c["area_m2"] for c in got["classes"]] == pytest.approx([400, 200, 300])
    r = client.post("/rasters/lahan/zonal", json=square(x0 + 100, y0 - 100, x0 + 200, y0 - 50))
    assert r.status_code == 422 and r.json()["error"] == "outside_raster"
    r = client.post("/rasters/lahan/zonal", json={"type": "Point", "coordinates": [109, -7]})
    assert r.status_code == 422 and r.json()["error"] == "invalid_request"
    r = client.post("/rasters/nope/zonal", json=geom)
    assert r.status_code == 404
    # the DEM: count and mean against numpy over the pixel centres inside a rectangle
    dx0, dy0 = DEM_ORIGIN
    r = client.post(
        "/rasters/dem/zonal", json=square(dx0 + 1.1, dy0 - 301.3, dx0 + 901.7, dy0 - 2.2)
    )
    got = r.json()
    with rasterio.open(rasters["dem"]) as s:
        block = s.read(1)[0:10, 0:30].astype(np.float64)  # centres 15..285 m down, 15..885 across
    valid = block != DEM_NODATA
    assert (got["pixels"], got["count"]) == (300, int(valid.sum()))
    assert got["mean"] == pytest.approx(float(block[valid].mean()), rel=1e-9)
