"""Vector tiles below the HTTP layer: the grid, the cache, and the tile SQL on real PostGIS."""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import geopandas as gpd
import mapbox_vector_tile
import pandas as pd
import pytest
import shapely
from shapely.geometry import box
from sqlalchemy import Engine

from app.errors import InvalidParameter, LayerNotFound
from app.services.tiles import grid
from app.services.tiles.cache import MemoryLRU, TileCache
from app.services.tiles.catalog import CatalogListener, SourceCache
from app.services.tiles.server import TileRequest, TileServer
from app.services.tiles.vector import (
    VectorTiles,
    largest_feature,
    render_tile,
    resolve_source,
    tile_key,
)
from app.settings import TileSettings
from tests.fixtures import X0, Y0, squares_utm, write


def lonlat_to_tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The slippy-map tile of a point (the OSM wiki formula, written out independently)."""
    n = 2**z
    lat_r = math.radians(lat)
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(lat_r)) / math.pi) / 2 * n)


def tile_box(z: int, x: int, y: int, margin: float = 0.0) -> shapely.Polygon:
    """The tile (grown by `margin` of its side) as a lon/lat box, from the inverse formula."""
    n = 2**z

    def lon(i: float) -> float:
        return i / n * 360 - 180

    def lat(j: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * j / n))))

    return box(lon(x - margin), lat(y + 1 + margin), lon(x + 1 + margin), lat(y - margin))


# --- the grid ----------------------------------------------------------------------------------


def test_check_tile_accepts_the_grid_and_refuses_the_rest() -> None:
    grid.check_tile(0, 0, 0, 0, 22)
    grid.check_tile(3, 7, 7, 0, 22)
    for z, x, y in [(23, 0, 0), (3, 8, 0), (3, 0, 8), (0, 1, 0)]:
        with pytest.raises(InvalidParameter):
            grid.check_tile(z, x, y, 0, 22)
    with pytest.raises(InvalidParameter, match="outside the served range 5..22"):
        grid.check_tile(4, 0, 0, 5, 22)


def test_tile_bounds_and_tolerance() -> None:
    west, south, east, north = grid.tile_bounds(0, 0, 0)
    assert (west, east) == (-180, 180)
    assert north == pytest.approx(85.0511287798, abs=1e-9) and south == pytest.approx(-north)
    assert shapely.equals_exact(
        box(*grid.tile_bounds(12, 3297, 2127)), tile_box(12, 3297, 2127), 1e-12
    )
    # one pixel of 4096 at z12 near the equator: 360 / 2^12 / 4096 degrees of longitude
    tol = grid.simplify_tolerance(12, 2127, 4096, 1.0)
    assert 0 < tol <= 360 / 4096 / 4096 and tol == pytest.approx(360 / 4096 / 4096, rel=0.01)
    assert grid.simplify_tolerance(12, 2127, 4096, 0) == 0


# --- the cache ---------------------------------------------------------------------------------


def test_memory_lru_drops_least_recently_used() -> None:
    lru = MemoryLRU(max_bytes=30)
    lru.put("a", b"x" * 10)
    lru.put("b", b"x" * 10)
    lru.put("c", b"x" * 10)
    assert lru.get("a") is not None  # a is now the most recent
    lru.put("d", b"x" * 10)
    assert lru.get("b") is None and lru.get("a") and lru.get("c") and lru.get("d")
    lru.put("big", b"x" * 31)  # larger than the bound: not kept
    assert lru.get("big") is None and len(lru) == 3


def test_disk_cache_is_shared_atomic_and_bounded(tmp_path: Path) -> None:
    one = TileCache(tmp_path, max_bytes=200_000, memory_bytes=0)
    two = TileCache(tmp_path, max_bytes=200_000, memory_bytes=1_000)  # another process
    one.put("ab" + "0" * 62, b"tile")
    one.put("cd" + "0" * 62, b"")  # an empty tile is cached too
    assert two.get("ab" + "0" * 62) == b"tile" and two.get("cd" + "0" * 62) == b""
    assert two.get("ef" + "0" * 62) is None
    assert not list(tmp_path.glob("*/.tmp-*"))  # nothing half-written left behind
    # 100 tiles of 10 kB: a sweep over the bound keeps the newest under 90 % of it (a background
    # sweep may have trimmed to 90 % before the last puts, leaving the last sweep under the bound
    # with nothing to do: so the bound, not 90 %, is what holds in every interleaving)
    keys = [f"{i:02x}" + f"{i:062x}" for i in range(100)]
    for i, key in enumerate(keys):
        one.put(key, bytes(10_000))
        os.utime(one.path(key), (time.time() - 1000 + i, time.time() - 1000 + i))
    while one._sweeping:  # a background sweep the puts started holds the lock: let it end
        time.sleep(0.01)
    total = one.sweep()
    on_disk = sum(p.stat().st_size + 512 for p in tmp_path.glob("*/*.mvt"))
    assert total == on_disk <= 200_000
    assert one.path(keys[-1]).exists() and not one.path(keys[0]).exists()


# --- the catalog epoch --------------------------------------------------------------------------


def test_source_cache_answers_only_in_its_epoch_and_with_the_listener_up() -> None:
    listener = CatalogListener("postgresql://unused")  # not started: driven by hand
    sources = SourceCache(listener)
    source = object()
    assert sources.epoch() is None  # not connected: nothing is filed
    sources.put("k", source, sources.epoch())  # type: ignore[arg-type]
    assert sources.get("k") is None
    listener.connected, listener.epoch = True, 1
    sources.put("k", source, sources.epoch())  # type: ignore[arg-type]
    assert sources.get("k") is source
    listener.epoch = 2  # a notification: what epoch 1 read is gone
    assert sources.get("k") is None
    sources.put("k", source, 1)  # a query that started before it is not trusted either
    assert sources.get("k") is None
    sources.put("k", source, 2)  # type: ignore[arg-type]
    listener.connected = False  # the listener is down: every lookup queries
    assert sources.get("k") is None and SourceCache(None).get("k") is None


# --- the tile SQL on PostGIS ---------------------------------------------------------------------


@pytest.fixture
def zona(load, tmp_path: Path):
    """Five 1 km squares as zoning layer 'zona'; return them in EPSG:4326."""
    src = squares_utm(5)
    load(write(src, tmp_path / "zona.gpkg"), "zona", "zoning")
    return src.to_crs(4326)


def test_tile_features_match_an_independent_count(clean: Engine, zona) -> None:
    settings = TileSettings()
    margin = settings.buffer / settings.extent
    west, south, east, north = zona.total_bounds
    z = 14
    (x0, y0), (x1, y1) = lonlat_to_tile(west, north, z), lonlat_to_tile(east, south, z)
    assert (x1 - x0, y1 - y0) == (2, 1)  # the squares straddle six tiles
    seen = 0
    with clean.connect() as conn:
        source = resolve_source(conn, "zona")
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                data = render_tile(conn, source, z, x, y, settings)
                grown = tile_box(z, x, y, margin)
                expected = sorted(
                    c
                    for c, g in zip(zona["KODSZN"], zona.geometry, strict=True)
                    if g.intersects(grown)
                )
                plain = conn.exec_driver_sql(
                    "SELECT count(*) FROM feature WHERE version_id = %s AND ST_Intersects(geom, "
                    "ST_Transform(ST_TileEnvelope(%s, %s, %s), 4326))",
                    (source.version_id, z, x, y),
                ).scalar_one()
                feats = mapbox_vector_tile.decode(data)["zona"]["features"] if data else []
                assert sorted(f["properties"]["code"] for f in feats) == expected
                assert len(feats) >= plain
                seen += len(feats)
    assert seen >= 5


def test_tile_geometry_and_attributes(clean: Engine, zona) -> None:
    settings = TileSettings()
    z, x, y = 12, 3297, 2127
    with clean.connect() as conn:
        source = resolve_source(conn, "zona")
        data = render_tile(conn, source, z, x, y, settings)
    layer = mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})["zona"]
    assert layer["extent"] == 4096
    got = {f["properties"]["code"]: f for f in layer["features"]}
    assert sorted(got) == sorted(zona["KODSZN"])
    first = got["R-2"]
    assert first["properties"] == {"code": "R-2", "name": "Sub-zona R-2"} | (
        {"plan": source.plan} if source.plan else {}
    )
    # The square's corners in tile units, by hand from the Web Mercator formulas.
    w, s, e, n = zona.geometry.iloc[0].bounds
    tw, ts, te, tn = tile_box(z, x, y).bounds

    def merc_y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    def ux(lon: float) -> float:
        return (lon - tw) / (te - tw) * 4096

    def uy(lat: float) -> float:
        return (merc_y(tn) - merc_y(lat)) / (merc_y(tn) - merc_y(ts)) * 4096

    coords = shapely.geometry.shape(first["geometry"]).bounds
    assert coords == pytest.approx((ux(w), uy(n), ux(e), uy(s)), abs=1.5)


def test_feature_cap_is_deterministic(clean: Engine, zona) -> None:
    settings = TileSettings(max_features=2)
    with clean.connect() as conn:
        source = resolve_source(conn, "zona")
        a = render_tile(conn, source, 12, 3297, 2127, settings)
        b = render_tile(conn, source, 12, 3297, 2127, settings)
    feats = mapbox_vector_tile.decode(a)["zona"]["features"]
    assert len(feats) == 2 and a == b
    # equal areas: fid order, i.e. the first two squares of the file
    assert [f["properties"]["code"] for f in feats] == list(zona["KODSZN"][:2])


def test_features_under_a_pixel_are_left_out(load, clean: Engine, tmp_path: Path) -> None:
    """A 1 km square, a 25 m square and a 2 m x 300 m sliver: the small square is under a
    pixel (1/256 of the tile) at z12 and over it at z13; the sliver is long enough always."""
    big = squares_utm(1)
    small = gpd.GeoDataFrame(
        [
            big.iloc[0].to_dict()
            | {"KODSZN": "K-1", "geometry": box(X0 + 1100, Y0 + 100, X0 + 1125, Y0 + 125)},
            big.iloc[0].to_dict()
            | {"KODSZN": "P-1", "geometry": box(X0 + 1200, Y0 + 100, X0 + 1202, Y0 + 400)},
        ],
        crs=big.crs,
    )
    src = gpd.GeoDataFrame(pd.concat([big, small], ignore_index=True), crs=big.crs)
    load(write(src, tmp_path / "zona.gpkg"), "zona", "zoning")
    lonlat = src.to_crs(4326)
    lon, lat = lonlat.geometry.iloc[0].centroid.coords[0]
    settings = TileSettings()
    with clean.connect() as conn:
        source = resolve_source(conn, "zona")
        for z, want in ((12, ["P-1", "R-2"]), (13, ["K-1", "P-1", "R-2"])):
            x, y = lonlat_to_tile(lon, lat, z)
            pixel_m = 2 * math.pi * 6_378_137 / 2**z / 256 * math.cos(math.radians(lat))
            sides = src.geometry.bounds
            seen = sorted(
                c
                for c, (w, h), g in zip(
                    src["KODSZN"],
                    zip(sides.maxx - sides.minx, sides.maxy - sides.miny, strict=True),
                    lonlat.geometry,
                    strict=True,
                )
                if max(w, h) >= pixel_m and g.intersects(tile_box(z, x, y))
            )
            assert seen == want  # the independent rule agrees with the hand-made expectation
            data = render_tile(conn, source, z, x, y, settings)
            assert (
                sorted(
                    f["properties"]["code"]
                    for f in mapbox_vector_tile.decode(data)["zona"]["features"]
                )
                == want
            )
            everything = render_tile(conn, source, z, x, y, TileSettings(min_feature_px=0))
            assert len(mapbox_vector_tile.decode(everything)["zona"]["features"]) >= len(want)


def test_a_version_all_under_a_pixel_has_empty_tiles(load, clean: Engine, tmp_path: Path) -> None:
    src = squares_utm(3, size=25.0)  # 25 m squares: under a pixel at z12, over it at z13
    load(write(src, tmp_path / "tiny.gpkg"), "tiny", "zoning")
    lon, lat = src.to_crs(4326).geometry.iloc[0].centroid.coords[0]
    with clean.connect() as conn:
        source = resolve_source(conn, "tiny")
        assert largest_feature(conn, source) == pytest.approx(25 / 111_000, rel=0.05)
        assert render_tile(conn, source, 12, *lonlat_to_tile(lon, lat, 12), TileSettings()) == b""
        data = render_tile(conn, source, 13, *lonlat_to_tile(lon, lat, 13), TileSettings())
        assert len(mapbox_vector_tile.decode(data)["tiny"]["features"]) == 3


def test_get_tile_uses_the_cache_and_the_etag(clean: Engine, zona, tmp_path: Path) -> None:
    settings = TileSettings(cache_dir=tmp_path / "cache")
    cache = TileCache(settings.cache_dir, 10_000_000, 1_000_000)
    # no Database: `get` runs on the connection it is given
    server = TileServer(None, cache, SourceCache(None), settings, [VectorTiles(settings)])  # type: ignore[arg-type]

    def tile(z: int, x: int, y: int, name: str = "zona", **kw: object) -> TileRequest:
        return TileRequest("vector", name, z, x, y, **kw)  # type: ignore[arg-type]

    with clean.connect() as conn:
        first = server.get(conn, tile(12, 3297, 2127))
        source = resolve_source(conn, "zona")
        assert cache.get(tile_key(source, 12, 3297, 2127, settings)) == first.data
        again = server.get(conn, tile(12, 3297, 2127, if_none_match=first.etag))
        assert again.not_modified and again.etag == first.etag
        empty = server.get(conn, tile(12, 0, 0))
        assert empty.data == b""
        with pytest.raises(LayerNotFound, match="no version 9"):
            server.get(conn, tile(12, 3297, 2127, version=9))
        with pytest.raises(LayerNotFound):
            server.get(conn, tile(12, 3297, 2127, name="nope"))
