"""Raster ingest (COG, versions, all or nothing) and point/zonal queries against direct reads.

Expected values come from rasterio/numpy reads of the *source* file and shapely tests of pixel
centres, or from hand arithmetic on the 4 x 4 raster, never from the code under test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
import shapely
from pyproj import Transformer
from rio_cogeo.cogeo import cog_validate
from shapely.geometry import Polygon, box
from sqlalchemy import Engine, text

from app.errors import (
    InvalidCRS,
    InvalidParameter,
    LoadError,
    OutsideRaster,
    PointOutsideRaster,
    RasterNotFound,
    SourceFileError,
)
from app.services.catalog import history
from app.services.rasters import catalog, ingest, query
from app.services.rasters.ingest import RasterReport, load_raster
from app.settings import RasterSettings, raster_settings
from tests.raster_fixture import (
    DEM_NODATA,
    DEM_ORIGIN,
    DEM_RES,
    TINY_ORIGIN,
    UTM,
    striped_dem,
    tiny_classes,
    write_geotiff,
)

TO_UTM = Transformer.from_crs("EPSG:4326", UTM, always_xy=True)
TO_LONLAT = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)


@pytest.fixture
def store(clean: Engine) -> Path:
    return raster_settings().dir


@pytest.fixture
def rload(clean: Engine):
    """Return a function loading a raster in its own transaction."""

    def _load(path: Path, name: str, **kw: object) -> RasterReport:
        with clean.begin() as conn:
            return load_raster(conn, path, name, settings=raster_settings(), **kw)  # type: ignore[arg-type]

    return _load


def record(engine: Engine, name: str, **kw: object):
    with engine.connect() as conn:
        return catalog.get_raster(conn, name, **kw)  # type: ignore[arg-type]


def files(store: Path) -> set[str]:
    return {p.relative_to(store).as_posix() for p in store.rglob("*") if p.is_file()}


def to_lonlat(geom):
    return shapely.transform(
        geom, lambda xy: np.column_stack(TO_LONLAT.transform(xy[:, 0], xy[:, 1]))
    )


# -- ingest -------------------------------------------------------------------------------------


def test_striped_utm_becomes_a_valid_cog_in_its_own_crs(rload, clean, store, tmp_path) -> None:
    src = striped_dem(tmp_path / "dem.tif")
    report = rload(src, "dem", unit="m", colormap="terrain", title="Ketinggian")
    assert report.status == "loaded" and report.version == 1 and report.kind == "continuous"
    rec = record(clean, "dem")
    assert rec.path == store / report.path and rec.path.is_file()
    assert report.path == f"_/dem/v1-{report.checksum[:12]}.tif"
    valid, errors, _ = cog_validate(str(rec.path), quiet=True)
    assert valid, errors
    with rasterio.open(src) as s, rasterio.open(rec.path) as c:
        assert s.profile.get("tiled", False) is False and s.compression is None  # the input
        assert c.crs == s.crs and c.transform == s.transform  # not reprojected
        assert c.profile["tiled"] and c.block_shapes[0] == (512, 512)
        assert c.compression.name.lower() == "deflate"
        assert c.overviews(1), "a 1100 x 900 raster gets overviews"
        assert c.nodata == DEM_NODATA == s.nodata
        assert c.dtypes[0] == "float32"
        assert np.array_equal(c.read(1), s.read(1))  # lossless
        arr = s.read(1)
    valid_px = arr[arr != DEM_NODATA].astype(np.float64)
    assert rec.stats["count"] == valid_px.size
    assert rec.stats["nodata_count"] == arr.size - valid_px.size
    assert rec.stats["min"] == pytest.approx(float(valid_px.min()))
    assert rec.stats["max"] == pytest.approx(float(valid_px.max()))
    assert rec.stats["mean"] == pytest.approx(float(valid_px.mean()), rel=1e-9)
    assert rec.stats["std"] == pytest.approx(float(valid_px.std()), rel=1e-6)
    assert rec.crs == UTM and rec.res == (DEM_RES, DEM_RES) and rec.dtype == "float32"
    assert (rec.width, rec.height, rec.bands) == (1100, 900, 1)
    assert rec.unit == "m" and rec.colormap == "terrain" and rec.title == "Ketinggian"
    # the footprint: the UTM corners in lon/lat lie on it
    west, south, east, north = rec.bounds_wgs84
    x0, y0 = DEM_ORIGIN
    for x, y in ((x0, y0), (x0 + 1100 * 30, y0 - 900 * 30)):
        lon, lat = TO_LONLAT.transform(x, y)
        assert west - 1e-9 <= lon <= east + 1e-9 and south - 1e-9 <= lat <= north + 1e-9
    with clean.connect() as conn:
        fp = conn.execute(text("SELECT ST_AsText(footprint) FROM raster_version")).scalar_one()
    assert shapely.from_wkt(fp).contains(shapely.Point(TO_LONLAT.transform(x0 + 500, y0 - 500)))


def test_reload_identical_is_unchanged_changed_is_version_2(rload, clean, store, tmp_path) -> None:
    src = striped_dem(tmp_path / "dem.tif")
    v1 = rload(src, "dem")
    again = rload(src, "dem")
    assert again.status == "unchanged" and again.version == 1
    assert files(store) == {v1.path}
    striped_dem(src, seed=8)  # the same name, other values
    v2 = rload(src, "dem")
    assert v2.status == "loaded" and v2.version == 2 and v2.checksum != v1.checksum
    assert files(store) == {v1.path, v2.path}
    assert record(clean, "dem").version == 2
    old = record(clean, "dem", version=1)
    assert old.path.is_file() and old.checksum == v1.checksum
    # other options make a new version too
    assert rload(src, "dem", unit="m").version == 3
    with clean.connect() as conn:
        events = history.events(conn, catalog.RASTER, "dem")
    assert [(e.from_version, e.to_version) for e in events] == [(None, 1), (1, 2), (2, 3)]
    with pytest.raises(RasterNotFound, match="no version 9"):
        record(clean, "dem", version=9)


def test_failed_loads_leave_the_previous_version_and_no_orphan(
    rload, clean, store, tmp_path, monkeypatch
) -> None:
    tif, csv = tiny_classes(tmp_path)
    v1 = rload(tif, "lahan", classes_csv=csv)
    before = files(store)
    changed = tiny_classes(tmp_path / "b", np.full((4, 4), 2, dtype=np.uint8))[0]
    # a class table with a missing colour
    bad = tmp_path / "bad.csv"
    bad.write_text("value,name_id,name_en,color\n1,Hutan,Forest,\n", encoding="utf-8")
    with pytest.raises(LoadError, match="line 2: color"):
        rload(changed, "lahan", classes_csv=bad)
    # a failure after the COG is written (the rename into place fails)
    real = ingest.os.replace

    def broken(*a: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(ingest.os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        rload(changed, "lahan", classes_csv=csv)
    monkeypatch.setattr(ingest.os, "replace", real)
    # the transaction fails after the load returned: its file is removed on rollback
    with pytest.raises(Exception, match="division by zero"), clean.begin() as conn:
        report = load_raster(conn, changed, "lahan", settings=raster_settings(), classes_csv=csv)
        assert (store / report.path).is_file() and report.version == 2
        conn.execute(text("SELECT 1 / 0"))
    assert files(store) == before == {v1.path}
    rec = record(clean, "lahan")
    assert rec.version == 1 and rec.checksum == v1.checksum
    with clean.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM raster_version")).scalar_one() == 1
    # and a good load afterwards is version 2
    assert rload(changed, "lahan", classes_csv=csv).version == 2


def test_bad_input_is_refused(rload, store, tmp_path) -> None:
    text_file = tmp_path / "notes.tif"
    text_file.write_text("this is not a raster\n", encoding="utf-8")
    with pytest.raises(SourceFileError, match="not a raster GDAL can read"):
        rload(text_file, "x")
    geojson = tmp_path / "a.geojson"
    geojson.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    with pytest.raises(SourceFileError, match="not a raster"):
        rload(geojson, "x")
    with pytest.raises(SourceFileError, match="does not exist"):
        rload(tmp_path / "missing.tif", "x")
    no_crs = write_geotiff(tmp_path / "nocrs.tif", np.ones((3, 3), "int16"), (0, 30), 10, -1, None)
    with pytest.raises(InvalidCRS, match="no CRS"):
        rload(no_crs, "x")
    with pytest.raises(InvalidCRS):
        rload(no_crs, "x", source_crs="EPSG:999999")
    with pytest.raises(LoadError, match="raster name"):
        rload(no_crs, "Bad-Name", source_crs=UTM)
    with pytest.raises(LoadError, match="colour map"):
        rload(no_crs, "x", source_crs=UTM, colormap="no_such_map")
    with pytest.raises(LoadError, match="class table"):
        rload(no_crs, "x", source_crs=UTM, kind="categorical")
    assert files(store) == set()  # nothing written by any of them
    report = rload(no_crs, "x", source_crs=UTM)
    assert report.crs == UTM and report.version == 1


def test_classes_and_unknown_values(rload, clean, tmp_path) -> None:
    data = np.array([[1, 4], [2, 0]], dtype=np.uint8)
    tif, csv = tiny_classes(tmp_path, data)
    report = rload(tif, "lahan", classes_csv=csv)
    assert report.kind == "categorical" and report.classes == 3
    assert any("no class" in w and "4" in w for w in report.warnings)
    rec = record(clean, "lahan")
    assert [(c.value, c.name_en, c.color) for c in rec.classes] == [
        (1, "Forest", "#228b22"),
        (2, "Rice field", "#f0e68c"),
        (3, "Settlement", "#ff0000"),
    ]


def test_names_are_per_region(rload, clean, tmp_path) -> None:
    tif, csv = tiny_classes(tmp_path)
    rload(tif, "lahan", classes_csv=csv, region="33.25")
    rload(tif, "lahan", classes_csv=csv, region="33.26")
    with pytest.raises(InvalidParameter, match="33.25, 33.26"):
        record(clean, "lahan")
    assert record(clean, "lahan", region="33.26").region_code == "33.26"
    with clean.connect() as conn:
        assert [r.region for r in catalog.list_rasters(conn)] == ["33.25", "33.26"]
        assert len(catalog.list_rasters(conn, "33.25")) == 1
    with pytest.raises(RasterNotFound):
        record(clean, "nope")


# -- queries ------------------------------------------------------------------------------------


def test_point_values_equal_a_direct_read_of_the_source(rload, clean, tmp_path) -> None:
    src = striped_dem(tmp_path / "dem.tif")
    rload(src, "dem", unit="m")
    rec = record(clean, "dem")
    x0, y0 = DEM_ORIGIN
    # inside, in the nodata edge, in the hole, near the far corner
    utm_points = [
        (x0 + 12_345.6, y0 - 7_891.2),
        (x0 + 100.0, y0 - 5_000.0),
        (x0 + 510 * 30 + 4.0, y0 - 305 * 30 - 4.0),
        (x0 + 1099 * 30 + 29.0, y0 - 899 * 30 - 29.0),
        (x0 + 33_000 - 1.0, y0 - 20_000.0),
    ]
    with rasterio.open(src) as s:
        for x, y in utm_points:
            lon, lat = TO_LONLAT.transform(x, y)
            ux, uy = TO_UTM.transform(lon, lat)
            expected = next(s.sample([(ux, uy)]))[0]
            got = query.point_value(rec, lon, lat)
            if expected == DEM_NODATA:
                assert got["value"] is None
            else:
                assert got["value"] == float(expected)
            assert got["unit"] == "m" and got["class"] is None
    with pytest.raises(PointOutsideRaster, match="outside raster 'dem'"):
        query.point_value(rec, *TO_LONLAT.transform(x0 - 10, y0 - 100))
    with pytest.raises(PointOutsideRaster):
        query.point_value(rec, 0.0, 0.0)


def _expected_zonal(src: Path, parcel_utm: Polygon) -> dict[str, float]:
    """Count, nodata, min, max, mean over pixel centres inside the parcel: numpy + shapely."""
    with rasterio.open(src) as s:
        arr = s.read(1).astype(np.float64)
        t = s.transform
    rows, cols = np.indices(arr.shape)
    cx = t.c + (cols + 0.5) * t.a
    cy = t.f + (rows + 0.5) * t.e
    inside = shapely.contains_xy(parcel_utm, cx, cy)
    valid = inside & (arr != DEM_NODATA)
    vals = arr[valid]
    return {
        "pixels": int(inside.sum()),
        "count": int(valid.sum()),
        "nodata_count": int((inside & ~valid).sum()),
        "min": float(vals.min()),
        "max": float(vals.max()),
        "mean": float(vals.mean()),
    }


def test_zonal_equals_numpy_over_pixel_centres(rload, clean, tmp_path) -> None:
    src = striped_dem(tmp_path / "dem.tif")
    rload(src, "dem")
    rec = record(clean, "dem")
    x0, y0 = DEM_ORIGIN
    # a parcel across the western nodata edge and the hole (vertices off the pixel centres)
    parcel = Polygon(
        [
            (x0 + 101.3, y0 - 8_900.7),
            (x0 + 16_020.2, y0 - 8_700.1),
            (x0 + 15_517.9, y0 - 9_577.7),
            (x0 + 9_011.4, y0 - 10_211.9),
            (x0 + 3_003.3, y0 - 9_703.3),
        ]
    )
    expected = _expected_zonal(src, parcel)
    got = query.zonal_stats(rec, to_lonlat(parcel))
    assert expected["nodata_count"] > 0 and expected["count"] > 1000
    assert got["rule"] == "pixel_centre"
    for key in ("pixels", "count", "nodata_count"):
        assert got[key] == expected[key], key
    assert got["min"] == pytest.approx(expected["min"])
    assert got["max"] == pytest.approx(expected["max"])
    assert got["mean"] == pytest.approx(expected["mean"], rel=1e-9)
    assert got["area_m2"] == pytest.approx(expected["count"] * 900.0)
    assert got["pixel_area_m2"] == pytest.approx(900.0)
    assert got["classes"] is None
    assert got["parcel_area_m2"] == pytest.approx(parcel.area, rel=2e-3)  # UTM scale ~0.9996


def test_class_shares_on_the_hand_made_raster(rload, clean, tmp_path) -> None:
    tif, csv = tiny_classes(tmp_path)
    rload(tif, "lahan", classes_csv=csv)
    rec = record(clean, "lahan")
    x0, y0 = TINY_ORIGIN
    # columns 0-2 and rows 0-2 (centres at 5, 15, 25 m): 1 1 2 / 1 1 2 / 3 3 3
    got = query.zonal_stats(rec, to_lonlat(box(x0 + 2, y0 - 28, x0 + 28, y0 - 2)))
    assert (got["pixels"], got["count"], got["nodata_count"]) == (9, 9, 0)
    assert [(c["value"], c["pixels"], c["area_m2"], c["share"]) for c in got["classes"]] == [
        (1, 4, pytest.approx(400.0), pytest.approx(4 / 9)),
        (2, 2, pytest.approx(200.0), pytest.approx(2 / 9)),
        (3, 3, pytest.approx(300.0), pytest.approx(3 / 9)),
    ]
    assert got["classes"][0]["name_id"] == "Hutan" and got["classes"][2]["color"] == "#ff0000"
    assert (got["min"], got["max"]) == (1, 3)
    assert got["mean"] == pytest.approx((4 * 1 + 2 * 2 + 3 * 3) / 9)
    # the whole raster: 16 pixels, the two nodata (0) pixels apart, shares of the 14 valid
    got = query.zonal_stats(rec, to_lonlat(box(x0 + 1, y0 - 39, x0 + 39, y0 - 1)))
    assert (got["pixels"], got["count"], got["nodata_count"]) == (16, 14, 2)
    assert [(c["value"], c["pixels"]) for c in got["classes"]] == [(1, 4), (2, 4), (3, 6)]
    assert [c["share"] for c in got["classes"]] == pytest.approx([4 / 14, 4 / 14, 6 / 14])
    assert got["area_m2"] == pytest.approx(1400.0)
    # a 3 x 3 m parcel holding no pixel centre: the pixel under it (row 1, column 2: class 2)
    got = query.zonal_stats(rec, to_lonlat(box(x0 + 21, y0 - 19, x0 + 24, y0 - 16)))
    assert got["rule"] == "representative_point"
    assert (got["count"], got["classes"][0]["value"], got["classes"][0]["share"]) == (1, 2, 1.0)
    # half outside the raster: counted inside, with a warning
    got = query.zonal_stats(rec, to_lonlat(box(x0 - 38, y0 - 18, x0 + 18, y0 - 2)))
    assert [(c["value"], c["pixels"]) for c in got["classes"]] == [(1, 4)]  # cols 0-1, rows 0-1
    assert any("outside the raster" in w for w in got["warnings"])
    # the point query returns the class
    lon, lat = TO_LONLAT.transform(x0 + 35, y0 - 5)
    assert query.point_value(rec, lon, lat)["class"]["name_en"] == "Rice field"
    lon, lat = TO_LONLAT.transform(x0 + 35, y0 - 35)
    assert query.point_value(rec, lon, lat)["value"] is None


def test_parcels_outside_or_too_large_are_refused(rload, clean, tmp_path) -> None:
    tif, csv = tiny_classes(tmp_path)
    rload(tif, "lahan", classes_csv=csv)
    rec = record(clean, "lahan")
    x0, y0 = TINY_ORIGIN
    with pytest.raises(OutsideRaster, match="entirely outside raster 'lahan'"):
        query.zonal_stats(rec, to_lonlat(box(x0 + 100, y0 - 100, x0 + 200, y0 - 50)))
    small = RasterSettings(max_zonal_pixels=4)
    from app.errors import TooLarge

    with pytest.raises(TooLarge, match="limit is 4"):
        query.zonal_stats(rec, to_lonlat(box(x0 + 1, y0 - 39, x0 + 39, y0 - 1)), small)
