"""Small polygons that skip ST_AsMVTGeom's validation: same tiles, valid, MVT winding.

The tile query passes a small polygon on with the affine map and snap of ST_AsMVTGeom but
without its validation when the polygon's minimum clearance proves snapping cannot make it
invalid (migration 0011). Each tile here is rendered twice, with that path and with every
feature through ST_AsMVTGeom (RTRW_TILES_SNAP_PROVEN=false): PostGIS's own answer is the
expected one.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import mapbox_vector_tile
import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Point, Polygon, box, shape
from sqlalchemy import Engine, text

from app.services.catalog import layers as catalog
from app.services.tiles.vector import SNAP_CLEARANCE, render_tile, resolve_source
from app.settings import TileSettings
from tests.fixtures import X0, Y0, write

UTM = 32749


def small_polygons(seed: int = 3) -> gpd.GeoDataFrame:
    """Return ~450 small polygons in EPSG:32749: jittered quads, stars, holes, two-part ones,
    slivers whose clearance is far too small to be snapped safely, and round plots of more
    coordinates than a clearance is kept for."""
    rng = np.random.default_rng(seed)
    geoms: list[Polygon | MultiPolygon] = []
    for i in range(12):  # a 12 x 12 lattice of ~40 m quads, vertices jittered by 20 %
        for j in range(12):
            x, y = X0 + 40 * i, Y0 + 40 * j
            pts = [(x + dx, y + dy) for dx, dy in ((0, 0), (40, 0), (40, 40), (0, 40))]
            geoms.append(
                Polygon([(a + rng.uniform(-8, 8), b + rng.uniform(-8, 8)) for a, b in pts])
            )
    for k in range(120):  # stars of 5-7 points, 10-60 m across
        cx, cy = X0 + 600 + (k % 12) * 70, Y0 + (k // 12) * 70
        n = int(rng.integers(5, 8))
        ring = []
        for m in range(2 * n):
            r = rng.uniform(10, 30) if m % 2 == 0 else rng.uniform(3, 9)
            t = math.pi * m / n
            ring.append((cx + r * math.cos(t), cy + r * math.sin(t)))
        geoms.append(Polygon(ring))
    for k in range(40):  # squares with a square hole, and pairs of squares as one feature
        cx, cy = X0 + (k % 10) * 60, Y0 + 600 + (k // 10) * 60
        if k % 2:
            geoms.append(
                box(cx, cy, cx + 40, cy + 40).difference(box(cx + 15, cy + 15, cx + 25, cy + 25))
            )
        else:
            geoms.append(
                MultiPolygon([box(cx, cy, cx + 15, cy + 15), box(cx + 25, cy, cx + 40, cy + 15)])
            )
    for k in range(40):  # slivers: 30 m long, 0.05-2 m wide
        cx, cy = X0 + 700 + (k % 10) * 40, Y0 + 800 + (k // 10) * 40
        w = rng.uniform(0.05, 2)
        geoms.append(
            Polygon([(cx, cy), (cx + 30, cy + w), (cx + 30, cy + 2 * w), (cx, cy + w * 0.5)])
        )
    for k in range(10):  # round plots of 33 coordinates: too many for a clearance
        geoms.append(Point(X0 + 1200 + k * 60, Y0 + 300).buffer(20, quad_segs=8))
    assert all(g.is_valid for g in geoms)
    n = len(geoms)
    return gpd.GeoDataFrame(
        {"NIB": [f"{33250000 + k}" for k in range(n)], "NAMA": [f"P{k:04d}" for k in range(n)]},
        geometry=geoms,
        crs=UTM,
    )


def tiles_over(frame: gpd.GeoDataFrame, z: int) -> list[tuple[int, int, int]]:
    """Return every XYZ tile at zoom z that the frame's bbox touches."""
    w, s, e, n = frame.to_crs(4326).total_bounds

    def xy(lon: float, lat: float) -> tuple[int, int]:
        k = 2**z
        return (
            int((lon + 180) / 360 * k),
            int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * k),
        )

    (x0, y0), (x1, y1) = xy(w, n), xy(e, s)
    return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def features(body: bytes) -> dict[str, dict]:
    """Return the tile's features by name, coordinates as in the tile (y down)."""
    if not body:
        return {}
    layer = mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})["plots"]
    return {f["properties"]["name"]: f["geometry"] for f in layer["features"]}


def shoelace(ring: list[list[float]]) -> float:
    """Return twice the signed area of a ring by the surveyor's formula (tile coordinates)."""
    return sum(
        ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1] for i in range(len(ring) - 1)
    )


def rings(geometry: dict) -> list[list[list[list[float]]]]:
    """Return the polygons of a decoded geometry, each a list of rings (exterior first)."""
    coords = geometry["coordinates"]
    return [coords] if geometry["type"] == "Polygon" else coords


@pytest.fixture
def plots(load, clean: Engine, tmp_path: Path) -> gpd.GeoDataFrame:
    frame = small_polygons()
    load(write(frame, tmp_path / "plots.gpkg"), "plots", "parcel")
    return frame


def test_clearance_is_the_web_mercator_one_and_only_for_small_polygons(
    plots: gpd.GeoDataFrame, clean: Engine
) -> None:
    with clean.connect() as conn:
        vid = catalog.resolve_version(conn, "plots")
        got = dict(
            conn.execute(
                text("SELECT name, clearance FROM feature WHERE version_id = :v"), {"v": vid}
            ).all()
        )
    to_web = Transformer.from_crs(UTM, 3857, always_xy=True)
    web = shapely.transform(
        plots.geometry.to_numpy(), lambda c: np.column_stack(to_web.transform(*c.T))
    )
    expected = shapely.minimum_clearance(web)
    kept = 0
    for name, geom, want in zip(plots["NAMA"], plots.geometry, expected, strict=True):
        if shapely.get_num_coordinates(geom) <= 16:
            assert got[name] == pytest.approx(want, rel=1e-6, abs=1e-6), name
            kept += 1
        else:
            assert got[name] is None, name
    assert kept == len(plots) - 10  # all but the ten round plots
    # A 40 m lattice quad in EPSG:3857 near 7 deg S: its clearance is at least the distance
    # between its closest vertices less the jitter, about 24 m x 1.0075 (the scale there)
    quads = [got[f"P{k:04d}"] for k in range(144)]
    assert min(quads) > 20 and max(quads) < 60


def inside(bbox: np.ndarray, cut: tuple[float, ...], pad: float) -> bool:
    """Return True when bbox lies within `cut` shrunk by `pad` (grown when negative)."""
    w, s, e, n = bbox
    return w >= cut[0] + pad and s >= cut[1] + pad and e <= cut[2] - pad and n <= cut[3] - pad


def asmvtgeom_calls(conn) -> int:
    """Return how many times ST_AsMVTGeom ran in this transaction (track_functions = all)."""
    return int(
        conn.execute(
            text(
                "SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions "
                "WHERE funcname = 'st_asmvtgeom'"
            )
        ).scalar_one()
    )


@pytest.mark.parametrize("z", [13, 15, 16, 17, 18])
def test_snapped_tiles_equal_st_asmvtgeom_and_keep_the_mvt_winding(
    plots: gpd.GeoDataFrame, clean: Engine, z: int
) -> None:
    proven = TileSettings(cache_dir=Path("/nonexistent"), snap_proven=True)
    every = TileSettings(cache_dir=Path("/nonexistent"), snap_proven=False)
    # Which polygons the proof should admit, worked out here: clearance and bbox in EPSG:3857
    # from pyproj and shapely, the tile grid from its definition.
    to_web = Transformer.from_crs(UTM, 3857, always_xy=True)
    web = shapely.transform(
        plots.geometry.to_numpy(), lambda c: np.column_stack(to_web.transform(*c.T))
    )
    small = shapely.get_num_coordinates(web) <= 16
    clear = np.where(small, shapely.minimum_clearance(web), 0.0)
    bounds = dict(zip(plots["NAMA"], shapely.bounds(web), strict=True))
    clearance = dict(zip(plots["NAMA"], clear, strict=True))
    half = 20_037_508.342789244
    size = 2 * half / 2**z
    unit = size / 4096
    seen = saved = sure = maybe = 0
    with clean.begin() as conn:
        conn.execute(text("SET LOCAL track_functions = 'all'"))
        source = resolve_source(conn, "plots")
        for _, x, y in tiles_over(plots, z):
            before = asmvtgeom_calls(conn)
            fast = features(render_tile(conn, source, z, x, y, proven))
            middle = asmvtgeom_calls(conn)
            slow = features(render_tile(conn, source, z, x, y, every))
            saved += (asmvtgeom_calls(conn) - middle) - (middle - before)
            assert fast.keys() == slow.keys(), (z, x, y)
            for name, geometry in fast.items():
                a, b = shape(geometry), shape(slow[name])
                assert a.is_valid, (name, z, x, y)
                # the same shape (ST_AsMVTGeom may drop a vertex left collinear by the snap)
                assert a.symmetric_difference(b).area == 0, (name, z, x, y)
                for polygon in rings(geometry):
                    assert shoelace(polygon[0]) > 0, (name, "an exterior ring is positive")
                    assert all(shoelace(hole) < 0 for hole in polygon[1:]), (name, "holes")
                seen += 1
                if clearance[name] < SNAP_CLEARANCE * unit:
                    continue
                # inside the tile and its 64-unit buffer, less the 2 m float margin?
                x0, y1 = -half + x * size, half - y * size
                edge = 64 * unit - 2.0
                cut = (x0 - edge, y1 - size - edge, x0 + size + edge, y1 + edge)
                if inside(bounds[name], cut, 2.0):
                    sure += 1
                elif inside(bounds[name], cut, -2.0):  # within float32 error: either way
                    maybe += 1
    assert seen > 0
    # ST_AsMVTGeom ran once less for each polygon the proof admitted, and for no other
    assert sure <= saved <= sure + maybe
    if z >= 15:  # a unit is 2.4 m or less: every quad, star, hole and pair qualifies
        assert sure > 100
