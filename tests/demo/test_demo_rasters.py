"""The demo rasters: same bytes every run, a plausible terrain, slope and hazard classes.

Expectations are computed here from the written files (finite differences by hand, the
real kabupaten outline for the coast), not by the generator's own functions.
"""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from pyproj import Transformer

from app.demo import generate as g
from app.demo.rasters import write_rasters

pytestmark = pytest.mark.slow  # generates the demo's rasters

SOURCE = Path(__file__).resolve().parents[2] / "layers" / "batang-demo" / "source"
RASTERS = ("dem.tif", "lereng.tif", "rawan_banjir.tif", "rawan_longsor.tif")
CLASS_TABLES = ("rawan_banjir_kelas.csv", "rawan_longsor_kelas.csv")


@pytest.fixture(scope="module")
def inputs() -> tuple:
    """The metric land, coast and rivers, built as `generate` builds them."""
    admin = g.read_boundaries()
    kab = admin.kabupaten.geometry.iloc[0]
    land, coast = g._build_land(kab)
    rivers = g._build_rivers(g._Coast(kab), land, g._rngs(3325)["rivers"])
    return land, coast, [r[1] for r in rivers]


@pytest.fixture(scope="module")
def out(inputs: tuple, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("rasters")
    write_rasters(folder, *inputs, seed=3325)
    return folder


def _read(path: Path) -> tuple[np.ndarray, rasterio.profiles.Profile]:
    with rasterio.open(path) as src:
        return src.read(1), src.profile


def test_same_bytes_every_run(out: Path, inputs: tuple, tmp_path: Path) -> None:
    write_rasters(tmp_path, *inputs, seed=3325)
    for name in (*RASTERS, *CLASS_TABLES):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name
    other = tmp_path / "other"
    write_rasters(other, *inputs, seed=1)
    assert (other / "dem.tif").read_bytes() != (out / "dem.tif").read_bytes()


def test_grid_types_and_sizes(out: Path) -> None:
    profiles = {}
    for name in RASTERS:
        assert (out / name).stat().st_size < 4_000_000, name  # small enough to ship in seconds
        _, profiles[name] = _read(out / name)
    for name, p in profiles.items():
        assert p["crs"].to_epsg() == 32749 and p["count"] == 1, name
        assert (p["transform"].a, p["transform"].e) == (30.0, -30.0), name
        assert (p["width"], p["height"]) == (profiles["dem.tif"]["width"],
                                             profiles["dem.tif"]["height"])  # fmt: skip
        assert p["tiled"] and p["compress"] == "deflate", name
    assert profiles["dem.tif"]["dtype"] == "float32" and profiles["dem.tif"]["nodata"] == -9999
    assert profiles["rawan_banjir.tif"]["dtype"] == "uint8"
    assert profiles["rawan_banjir.tif"]["nodata"] == 0


def test_terrain_rises_from_coast_to_highlands(out: Path) -> None:
    dem, p = _read(out / "dem.tif")
    valid = dem != -9999
    assert dem[valid].min() >= 0 and 2000 < dem[valid].max() < 3000
    third = dem.shape[0] // 3
    north, south = dem[:third][valid[:third]], dem[-third:][valid[-third:]]
    assert north.mean() < 150 and south.mean() > 900 and north.mean() < south.mean() / 5
    # the kabupaten's real outline: sea north of it is nodata, its coastal plain is low
    kab = gpd.read_file(SOURCE / "batas_kabupaten_batang.geojson").geometry.iloc[0]
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32749", always_xy=True)
    inv = ~p["transform"]
    for lon in (109.76, 109.85, 109.95, 110.02):
        coast_lat = max(y for x, y in kab.exterior.coords if abs(x - lon) < 0.004)
        for dlat, expect_sea in ((0.012, True), (-0.012, False)):
            col, row = (int(v) for v in inv * to_utm.transform(lon, coast_lat + dlat))
            assert (dem[row, col] == -9999) == expect_sea, (lon, dlat)
            if not expect_sea:
                assert dem[row, col] < 10, (lon, dem[row, col])  # 1.3 km inland: a low plain


def test_slope_matches_finite_differences(out: Path) -> None:
    dem, _ = _read(out / "dem.tif")
    slope, _ = _read(out / "lereng.tif")
    assert ((slope == -9999) == (dem == -9999)).all()
    rng = np.random.default_rng(0)
    checked = 0
    while checked < 40:
        r, c = int(rng.integers(1, dem.shape[0] - 1)), int(rng.integers(1, dem.shape[1] - 1))
        block = dem[r - 1 : r + 2, c - 1 : c + 2].astype(np.float64)
        if (block == -9999).any():
            continue
        dzdx = (block[1, 2] - block[1, 0]) / 60.0  # central differences over 2 x 30 m
        dzdy = (block[2, 1] - block[0, 1]) / 60.0
        expected = 100.0 * (dzdx**2 + dzdy**2) ** 0.5
        assert slope[r, c] == pytest.approx(expected, abs=0.051), (r, c)
        checked += 1
    assert np.percentile(slope[slope != -9999], 99) > 40  # steep highland slopes exist


def test_hazard_classes(out: Path) -> None:
    dem, _ = _read(out / "dem.tif")
    slope, _ = _read(out / "lereng.tif")
    land = dem != -9999
    for name in ("rawan_banjir.tif", "rawan_longsor.tif"):
        cls, _ = _read(out / name)
        assert set(np.unique(cls[land])) == {1, 2, 3, 4, 5}, name
        assert (cls[~land] == 0).all(), name
    flood, _ = _read(out / "rawan_banjir.tif")
    # high flood classes on low flat land, none in the highlands
    assert dem[land & (flood >= 4)].max() < 120
    assert (flood[land & (dem > 500)] == 1).all()
    assert np.median(dem[land & (flood == 5)]) < 10
    slide, _ = _read(out / "rawan_longsor.tif")
    means = [slope[land & (slide == k)].mean() for k in range(1, 6)]
    assert means == sorted(means) and means[0] < 8 < 40 < means[4]


def test_class_tables(out: Path) -> None:
    for name in CLASS_TABLES:
        with (out / name).open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert list(rows[0]) == ["value", "name_id", "name_en", "color"]
        assert [int(r["value"]) for r in rows] == [1, 2, 3, 4, 5]
        assert all(len(r["color"]) == 7 and r["color"].startswith("#") for r in rows)
        assert rows[0]["name_en"] == "Very low" and rows[4]["name_id"] == "Sangat tinggi"
