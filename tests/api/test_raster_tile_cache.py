"""Raster tiles on the warm path: no query while the catalog is unchanged, never stale after.

The record a raster name resolves to is kept in memory under the catalog epoch (migration 0010
notifies on raster changes, as 0006 does for layers): a warm tile runs no SQL, and a reload
is seen once its commit's notification arrives.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import morecantile
import numpy as np
import pytest
import rasterio
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.main import create_app
from app.services.rasters.ingest import load_raster
from app.settings import TileSettings, load_settings, raster_settings
from tests.api.test_tiles import listening, statements
from tests.services.test_raster_rules import lonlat, slope_tif

Z = 15


@pytest.fixture
def tiles_client(engine: Engine, tmp_path: Path) -> Iterator[TestClient]:
    """A TestClient whose tile cache lives in tmp_path."""
    settings = load_settings(tiles=TileSettings(cache_dir=tmp_path / "tiles", max_age_s=60))
    with TestClient(create_app(settings=settings, engine=engine)) as c:
        yield c


def tile_url() -> str:
    lon, lat = lonlat(150, 50)  # the middle of the fixture raster
    t = morecantile.tms.get("WebMercatorQuad").tile(lon, lat, Z)
    return f"/rasters/lereng/tiles/{t.z}/{t.x}/{t.y}.png"


def test_warm_tile_runs_no_query_and_a_reload_is_never_served_stale(
    clean: Engine, tiles_client: TestClient, tmp_path: Path
) -> None:
    first_file = slope_tif(tmp_path / "v1.tif")
    with clean.begin() as conn:
        load_raster(conn, first_file, "lereng", settings=raster_settings(), unit="%")
    listening(tiles_client)
    url = tile_url()
    first = tiles_client.get(url)
    assert first.status_code == 200 and first.headers["content-type"] == "image/png"
    with statements(clean) as seen:
        warm = tiles_client.get(url)
    assert warm.status_code == 200 and warm.content == first.content
    assert seen == [], seen
    # version 2: the same grid, every value doubled (another file, another checksum)
    second_file = tmp_path / "v2.tif"
    with rasterio.open(first_file) as src:
        profile, data = src.profile, src.read(1)
    data = np.where(data == src.nodata, data, data * 2)
    with rasterio.open(second_file, "w", **profile) as dst:
        dst.write(data, 1)
    with clean.begin() as conn:
        load_raster(conn, second_file, "lereng", settings=raster_settings(), unit="%")
    deadline = time.monotonic() + 2.0
    while True:
        after = tiles_client.get(url)
        if after.headers["etag"] != first.headers["etag"] or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert after.headers["etag"] != first.headers["etag"], "a stale tile after the reload"
    old = tiles_client.get(url, params={"version": 1})
    assert old.headers["etag"] == first.headers["etag"]
