"""One raster sampler, two paths: the zonal statistics and point query against the zoning check.

rio-tiler tests that `tile()` equals `part()` over the same bounds; here the same parcels and
points go through `/rasters/{name}/zonal` and `/point` (`query.zonal_stats`, `point_value`) and
through the zoning check (`check`, its raster findings), and both must give the same count,
min, max, mean, value and class. Both are also compared with numpy + shapely over the source
files' pixel centres (`expected`), written here from the rule, not from the sampler.

Three synthetic rasters over the hand-made planning area (tests/zoning_fixture.py, x 0..300,
y 0..100 m from X0, Y0 in EPSG:32749), each in another CRS than the parcels (EPSG:4326):
- `lahan`: categorical uint8, EPSG:32749, 10 m, x 50..250, y -20..120; nodata (0) at
  x 170..210, y 40..80;
- `tinggi`: continuous float32, EPSG:4326, 0.0001 degrees, from x -30 to about x 190; nodata
  (-9999) in one block and NaN in another;
- `indeks`: continuous int16 in a transverse Mercator without an EPSG code (stored as WKT),
  7 m pixels; nodata (-1) in one block.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
import shapely
from pyproj import CRS, Transformer
from rasterio.transform import from_origin
from shapely import affinity
from shapely.geometry import MultiPolygon, Point, Polygon, box, mapping
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine

from app.errors import OutsideRaster, PointOutsideRaster
from app.services import rules
from app.services.rasters import catalog, query
from app.services.rasters.ingest import load_raster
from app.services.rasters.sample import SHAPELY_MAX_PIXELS, centres_inside
from app.services.zoning.check import check
from app.settings import raster_settings
from tests.fixtures import X0, Y0
from tests.raster_fixture import CLASSES_CSV, UTM, write_geotiff
from tests.zoning_fixture import write_rules

TM = (
    "+proj=tmerc +lat_0=0 +lon_0=109.71 +k=0.9998 +x_0=250000 +y_0=1000000 "
    "+ellps=WGS84 +units=m +no_defs"
)
TO_WGS = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)
RASTER_RULES = (  # a note on each raster: always reported, no letter changes
    "raster,op,value,min_share,effect,itbx,activities,sectors,finding,finding_en,source,"
    "article,valid_from,valid_to\n"
    "lahan,>=,1,0,note,,,,Catatan lahan,Land note,,,,\n"
    "tinggi,>,-1000,0,note,,,,Catatan tinggi,Height note,,,,\n"
    "indeks,>=,0,0,note,,,,Catatan indeks,Index note,,,,\n"
)

# Parcels and points in metres from (X0, Y0), EPSG:32749; edges kept off the pixel centres.
PARCELS: dict[str, BaseGeometry] = {
    "plain": Polygon([(61.3, 12.7), (143.9, 18.2), (131.4, 77.6), (72.8, 64.1)]),
    "smaller_than_a_pixel": box(101.3, 31.4, 104.1, 34.2),
    "half_outside_lahan": box(20.3, 10.6, 80.3, 60.6),
    "tiny_across_lahan_edge": box(48.6, 50.2, 51.1, 52.9),
    "on_lahan_nodata": box(171.2, 41.3, 208.7, 78.9),
    "partly_nodata": box(150.4, 30.2, 232.6, 92.7),
    "across_tinggi_edge": box(160.3, 20.4, 290.2, 70.1),
    "outside_lahan": box(5.2, 5.3, 40.1, 40.7),
    "two_parts": MultiPolygon([box(55.2, 5.1, 75.6, 25.3), box(225.4, 60.2, 245.8, 95.7)]),
}
POINTS = {
    "lahan_class": (57.2, 43.1),
    "lahan_nodata": (185.5, 55.5),
    "west_of_lahan": (10.3, 50.2),
    "east_of_tinggi": (260.3, 90.1),
    "middle": (102.5, 32.5),
}


def _lonlat(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(
        affinity.translate(geom, X0, Y0),
        lambda xy: np.column_stack(TO_WGS.transform(xy[:, 0], xy[:, 1])),
    )


def _write_rasters(folder: Path) -> dict[str, Path]:
    """Write the three rasters (seeded values); return their paths."""
    rng = np.random.default_rng(17)
    lahan = rng.integers(1, 4, size=(14, 20)).astype(np.uint8)
    lahan[4:8, 12:16] = 0  # x 170..210, y 40..80
    tif = write_geotiff(folder / "lahan.tif", lahan, (X0 + 50, Y0 + 120), 10.0, 0)
    out = {"lahan": tif}

    west, north = TO_WGS.transform(X0 - 30, Y0 + 135)
    west, north = round(west, 4), round(north, 4)
    tinggi = (100 + 10 * rng.standard_normal(size=(14, 20))).astype(np.float32)
    tinggi[3:6, 10:14] = -9999.0
    tinggi[8:11, 2:6] = np.nan
    out["tinggi"] = write_geotiff(
        folder / "tinggi.tif", tinggi, (west, north), 0.0001, -9999.0, "EPSG:4326"
    )

    to_tm = Transformer.from_crs(UTM, CRS.from_proj4(TM), always_xy=True)
    left, top = (round(v) for v in to_tm.transform(X0 - 10, Y0 + 110))
    indeks = rng.integers(0, 1000, size=(18, 45)).astype(np.int16)
    indeks[5:9, 20:26] = -1
    path = folder / "indeks.tif"
    profile = {
        "driver": "GTiff", "width": 45, "height": 18, "count": 1, "dtype": "int16",
        "transform": from_origin(left, top, 7.0, 7.0), "nodata": -1,
        "crs": rasterio.crs.CRS.from_proj4(TM),
    }  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(indeks, 1)
    out["indeks"] = path
    return out


@pytest.fixture
def rastered(planning_area_with, tmp_path: Path) -> tuple[Engine, dict[str, Path]]:
    """The planning area with the three rasters and a note rule on each (loaded once for the
    tests that do not change them; each test gets the same files written afresh)."""
    paths = _write_rasters(tmp_path / "rasters")
    (tmp_path / "classes.csv").write_text(CLASSES_CSV, encoding="utf-8")

    def add(engine: Engine) -> None:
        folder = write_rules(tmp_path / "rules_raster", **{"raster_rules.csv": RASTER_RULES})
        with engine.begin() as conn:
            for name, path in paths.items():
                kind = "categorical" if name == "lahan" else "continuous"
                classes = tmp_path / "classes.csv" if name == "lahan" else None
                load_raster(conn, path, name, settings=raster_settings(), kind=kind,
                            classes_csv=classes)  # fmt: skip
            rules.load_rules(conn, folder)

    return planning_area_with("rasters", add), paths


def _plain(v: float) -> float | int:
    """The answer's rounding of a raster number (zoning/rasters.py): whole numbers as int."""
    f = float(v)
    return int(f) if f.is_integer() else round(f, 4)


def expected(src: Path, parcel: BaseGeometry) -> dict[str, Any] | str:
    """Count, min, max, mean over the source's pixel centres strictly inside the parcel (lon/lat
    moved here with pyproj); none inside: the pixel under a representative point of the part on
    the grid. "outside" when no area lies on the grid, "no_data" when no pixel counted holds a
    value (nodata or NaN)."""
    with rasterio.open(src) as s:
        arr = s.read(1).astype(np.float64)
        t, nodata, crs = s.transform, s.nodata, s.crs
        grid = box(*s.bounds)
    tr = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    geom = shapely.transform(parcel, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
    part = geom.intersection(grid)
    if part.area == 0:
        return "outside"
    rows, cols = np.indices(arr.shape)
    inside = shapely.contains_xy(geom, t.c + (cols + 0.5) * t.a, t.f + (rows + 0.5) * t.e)
    if not inside.any():
        p = part.representative_point()
        inside[int((t.f - p.y) // -t.e), int((p.x - t.c) // t.a)] = True
    valid = inside & ~np.isnan(arr) & (arr != nodata)
    vals = arr[valid]
    if not vals.size:
        return "no_data"
    return {"count": int(vals.size), "min": _plain(vals.min()), "max": _plain(vals.max()),
            "mean": _plain(vals.mean())}  # fmt: skip


def zonal_numbers(rec: Any, parcel: BaseGeometry) -> dict[str, Any] | str:
    """The zonal path: /rasters/{name}/zonal's numbers, rounded as the answer rounds them."""
    try:
        z = query.zonal_stats(rec, parcel)
    except OutsideRaster:
        return "outside"
    assert z["pixels"] == z["count"] + z["nodata_count"]
    if not z["count"]:
        return "no_data"
    return {k: _plain(z[k]) for k in ("count", "min", "max", "mean")}


def check_numbers(finding: dict[str, Any]) -> dict[str, Any] | str:
    """The zoning-check path: a raster finding's numbers, or why it has none."""
    if finding["note"] is not None:
        return {"outside the raster": "outside", "no data here": "no_data"}[finding["note"]["en"]]
    return finding["stats"]


def test_zonal_and_the_zoning_check_count_the_same_pixels(rastered) -> None:
    engine, paths = rastered
    with engine.connect() as conn:
        records = {name: catalog.get_raster(conn, name) for name in paths}
        answers = {
            key: check(conn, mapping(_lonlat(parcel))).to_json() for key, parcel in PARCELS.items()
        }
    assert records["indeks"].crs.startswith("PROJCS")  # stored as WKT: no EPSG code
    seen: dict[str, set] = {name: set() for name in paths}
    for key, parcel in PARCELS.items():
        findings = {f["raster"]: f for f in answers[key]["rasters"]}
        assert set(findings) == set(paths), key
        for name, rec in records.items():
            want = expected(paths[name], _lonlat(parcel))
            zonal = zonal_numbers(rec, _lonlat(parcel))
            checked = check_numbers(findings[name])
            assert zonal == want, (key, name)
            assert checked == zonal, (key, name)
            seen[name].add(want if isinstance(want, str) else "numbers")
    # every case happened on each raster where its layout makes it possible
    assert seen["lahan"] == {"numbers", "outside", "no_data"}
    assert "numbers" in seen["tinggi"] and "numbers" in seen["indeks"]


def test_a_parcel_smaller_than_a_pixel_takes_the_pixel_under_it(rastered) -> None:
    """101.3..104.1 x 31.4..34.2 lies in `lahan`'s column 5 (x 100..110), row 8 (y 30..40);
    48.6..51.1 x 50.2..52.9 crosses its west edge: its part on the raster is in column 0,
    row 6 (y 50..60)."""
    engine, paths = rastered
    with rasterio.open(paths["lahan"]) as s:
        band = s.read(1)
    with engine.connect() as conn:
        rec = catalog.get_raster(conn, "lahan")
        for key, (row, col) in {"smaller_than_a_pixel": (8, 5),
                                "tiny_across_lahan_edge": (6, 0)}.items():  # fmt: skip
            z = query.zonal_stats(rec, _lonlat(PARCELS[key]))
            assert z["rule"] == "representative_point" and z["pixels"] == 1, key
            assert z["min"] == z["max"] == int(band[row, col]), key


def test_a_rule_share_counts_only_the_part_on_the_raster(rastered) -> None:
    """box x 20.3..80.3 over `lahan` starting at x 50 (every pixel there holds a class): 30.3
    of its 60 m width lies on the raster, so `>= 1` holds on 0.505 of its area, not all of it."""
    engine, _ = rastered
    with engine.connect() as conn:
        half = check(conn, mapping(_lonlat(PARCELS["half_outside_lahan"]))).to_json()
        whole = check(conn, mapping(_lonlat(PARCELS["plain"]))).to_json()
    share = {f["raster"]: f["rules"][0]["share"] for f in half["rasters"] if f["rules"]}
    assert share["lahan"] == pytest.approx(30.3 / 60, abs=1e-4)
    assert {f["raster"]: f["rules"][0]["share"] for f in whole["rasters"]}["lahan"] == 1.0


def test_points_read_the_same_pixel_both_ways(rastered) -> None:
    engine, paths = rastered
    with engine.connect() as conn:
        records = {name: catalog.get_raster(conn, name) for name in paths}
        cases = []
        for key, (x, y) in POINTS.items():
            lon, lat = TO_WGS.transform(X0 + x, Y0 + y)
            answer = check(conn, {"type": "Point", "coordinates": [lon, lat]}).to_json()
            findings = {f["raster"]: f for f in answer["rasters"]}
            for name, rec in records.items():
                try:
                    p = query.point_value(rec, lon, lat)
                except PointOutsideRaster:
                    got: Any = "outside"
                else:
                    got = "no_data" if p["value"] is None else (_plain(p["value"]), p["class"])
                f = findings[name]
                if f["note"] is not None:
                    want: Any = check_numbers(f)
                else:
                    cls = f["class"]
                    want = (f["value"], cls and {
                        "value": cls["value"], "name_id": cls["name"], "name_en": cls["name_en"],
                        "color": cls["colour"],
                    })  # fmt: skip
                assert got == want, (key, name)
                cases.append((key, name, got if isinstance(got, str) else "value"))
    assert ("lahan_class", "lahan", "value") in cases
    assert ("lahan_nodata", "lahan", "no_data") in cases
    assert ("west_of_lahan", "lahan", "outside") in cases
    assert ("east_of_tinggi", "tinggi", "outside") in cases
    # the class under (57.2, 43.1): column 0 (x 50..60), row 7 (y 40..50) of the source
    with rasterio.open(paths["lahan"]) as s:
        value = int(s.read(1)[7, 0])
    with engine.connect() as conn:
        lon, lat = TO_WGS.transform(X0 + 57.2, Y0 + 43.1)
        p = query.point_value(catalog.get_raster(conn, "lahan"), lon, lat)
    assert p["value"] == value
    assert p["class"]["name_id"] == ("Hutan", "Sawah", "Permukiman")[value - 1]


def test_large_windows_take_the_same_pixel_centres_as_shapely() -> None:
    """Over SHAPELY_MAX_PIXELS GDAL fills the interior; the pixels must still be exactly those
    whose centre shapely finds strictly inside, also with edges and vertices on the centres."""
    rng = np.random.default_rng(5)
    size = 160
    assert size * size > SHAPELY_MAX_PIXELS
    xs, ys = np.meshgrid(np.arange(size) + 0.5, size - (np.arange(size) + 0.5))
    shapes = [
        Polygon([(0.5, 0.5), (120.5, 0.5), (120.5, 80.5), (0.5, 80.5)]),  # edges on centres
        Point(80, 80).buffer(70.5, 64),
        Polygon([(10.5, 10.5), (150.5, 40.5), (60.5, 150.5)]),
        box(5, 5, 155, 155).difference(box(40.5, 40.5, 90.5, 90.5)),  # a hole
    ]
    for _ in range(20):
        pts = rng.integers(0, size, size=(8, 2)) + rng.choice([0.0, 0.5], size=(8, 2))
        shapes.append(shapely.MultiPoint(pts).convex_hull)
    for geom in shapes:
        if geom.area == 0:
            continue
        got = centres_inside(geom, 0.0, float(size), 1.0, 1.0, size, size)
        assert (got == shapely.contains_xy(geom, xs, ys)).all()


def test_demo_rasters_agree_both_ways(demo_region: Engine) -> None:
    """On the demo pack's four COGs (tiled, compressed, EPSG:32749) and parcels of several sizes
    on its zoning polygons: the check's findings equal the zonal statistics and point values."""
    with demo_region.connect() as conn:
        names = [n for (n,) in conn.exec_driver_sql("SELECT name FROM raster ORDER BY name")]
        records = {n: catalog.get_raster(conn, n) for n in names}
        spots = conn.exec_driver_sql(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(f.geom) AS p "
            "FROM feature f JOIN layer_version v ON v.id = f.version_id "
            "JOIN layer l ON l.current_version_id = v.id WHERE l.kind = 'zoning' "
            "ORDER BY f.fid LIMIT 4) s"
        ).all()
        assert len(spots) == 4
        with_numbers = 0
        for lon, lat in spots:
            for half in (0.00002, 0.0004, 0.003):  # ~2 m, ~45 m, ~330 m
                parcel = box(lon - half, lat - half, lon + half * 1.3, lat + half * 0.8)
                answer = check(conn, mapping(parcel)).to_json()
                for f in answer["rasters"]:
                    got = check_numbers(f)
                    assert got == zonal_numbers(records[f["raster"]], parcel)
                    with_numbers += not isinstance(got, str)
            answer = check(conn, {"type": "Point", "coordinates": [lon, lat]}).to_json()
            for f in answer["rasters"]:
                p = query.point_value(records[f["raster"]], lon, lat)
                assert f["value"] == (None if p["value"] is None else _plain(p["value"]))
                assert (f["class"] or {}).get("value") == (p["class"] or {}).get("value")
                with_numbers += f["value"] is not None
    assert with_numbers >= len(names) * 4 * 4 * 0.9  # nearly all on land, with values
