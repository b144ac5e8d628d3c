"""Tests of the Batang demo generator: real boundaries, synthetic plan (no database needed)."""

from __future__ import annotations

import csv
import json
import re
import tomllib
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from app.demo.generate import generate

pytestmark = pytest.mark.slow  # generates the demo's files

PACK_DIR = Path(__file__).resolve().parents[2] / "layers" / "batang-demo"
SOURCE_DIR = PACK_DIR / "source"
SOURCE_FILES = ("batas_desa_batang.geojson", "batas_kecamatan_batang.geojson",
                "batas_kabupaten_batang.geojson")  # fmt: skip
SHARED_BATANG = Path(__file__).resolve().parents[3] / "shared" / "data" / "batang"
LON_MIN, LAT_MIN, LON_MAX, LAT_MAX = 109.67, -7.20, 110.06, -6.86
METRIC = "EPSG:32749"

KECAMATAN = {
    "33.25.01": "Wonotunggal",
    "33.25.02": "Bandar",
    "33.25.03": "Blado",
    "33.25.04": "Reban",
    "33.25.05": "Bawang",
    "33.25.06": "Tersono",
    "33.25.07": "Gringsing",
    "33.25.08": "Limpung",
    "33.25.09": "Subah",
    "33.25.10": "Tulis",
    "33.25.11": "Batang",
    "33.25.12": "Warungasem",
    "33.25.13": "Kandeman",
    "33.25.14": "Pecalungan",
    "33.25.15": "Banyuputih",
}
DESA_CODE = re.compile(r"^33\.25\.(0[1-9]|1[0-5])\.[12]\d{3}$")
# Java Sea coast of the real outline (lon range), as in app/demo/boundaries.py
COAST_LON = (109.7032, 110.0450)
SUBZONES = {
    "HL", "PS", "RTH-1", "RTH-2", "R-1", "R-2", "R-3", "R-4", "K-1", "K-2", "K-3", "KT", "I",
    "SPU-1", "SPU-2", "SPU-3", "P-1", "P-2", "P-3", "W",
}  # fmt: skip
FILES = {
    "kabupaten": "kabupaten.geojson",
    "kecamatan": "kecamatan.zip",
    "desa": "desa.gpkg",
    "pola_ruang": "pola_ruang.gpkg",
    "lp2b": "lp2b.geojson",
    "rawan_bencana": "rawan_bencana.geojson",
    "jalan": "jalan.geojson",
    "sungai": "sungai.fgb",
}


def _read_all(out: Path) -> dict[str, gpd.GeoDataFrame]:
    """Read every generated layer."""
    return {name: gpd.read_file(out / fname) for name, fname in FILES.items()}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("batang-demo") / "data"
    return out, generate(out)


@pytest.fixture(scope="module")
def layers(run: tuple[Path, dict[str, int]]) -> dict[str, gpd.GeoDataFrame]:
    return _read_all(run[0])


def test_files_and_counts(run: tuple[Path, dict[str, int]], layers: dict) -> None:
    out, counts = run
    # the layers, plus the budget and PPID tables (tests/demo/test_budget_demo.py) and the
    # rasters with their class tables (tests/demo/test_demo_rasters.py)
    extra = ["apbd_2024.xlsx", "apbd_2025.csv", "apbd_planted.csv", "ppid.csv",
             "dem.tif", "lereng.tif", "rawan_banjir.tif", "rawan_longsor.tif",
             "rawan_banjir_kelas.csv", "rawan_longsor_kelas.csv"]  # fmt: skip
    assert sorted(p.name for p in out.iterdir()) == sorted([*FILES.values(), *extra])
    assert counts == {name: len(gdf) for name, gdf in layers.items()}


def test_deterministic(run: tuple[Path, dict[str, int]], layers: dict, tmp_path: Path) -> None:
    counts = generate(tmp_path / "again")
    assert counts == run[1]
    again = _read_all(tmp_path / "again")
    for name, gdf in layers.items():
        assert_geodataframe_equal(gdf, again[name], check_less_precise=False)


def test_crs_and_geometry_types(layers: dict[str, gpd.GeoDataFrame]) -> None:
    epsg = {"desa": 32749, "pola_ruang": 32749, "sungai": 32749}
    for name, gdf in layers.items():
        assert gdf.crs.to_epsg() == epsg.get(name, 4326), name
        kinds = set(gdf.geom_type)
        if name in ("jalan", "sungai"):
            assert kinds == {"LineString"}, name
        else:
            assert kinds <= {"Polygon", "MultiPolygon"}, name


def test_valid_and_inside_bbox(layers: dict[str, gpd.GeoDataFrame]) -> None:
    for name, gdf in layers.items():
        assert gdf.is_valid.all(), name
        assert not gdf.is_empty.any(), name
        minx, miny, maxx, maxy = gdf.to_crs("EPSG:4326").total_bounds
        assert LON_MIN <= minx < maxx <= LON_MAX, name
        assert LAT_MIN <= miny < maxy <= LAT_MAX, name


def test_kecamatan(layers: dict[str, gpd.GeoDataFrame], run: tuple[Path, dict]) -> None:
    kec = layers["kecamatan"]
    assert dict(zip(kec["KDCPUM"], kec["WADMKC"], strict=True)) == KECAMATAN
    assert set(kec["KDPKAB"]) == {"33.25"}
    assert set(kec["WADMKK"]) == {"Batang"}
    assert _is_real_label(kec["KET"])
    with zipfile.ZipFile(run[0] / "kecamatan.zip") as zf:
        names = set(zf.namelist())
    assert {f"kecamatan.{ext}" for ext in ("shp", "shx", "dbf", "prj", "cpg")} <= names
    kab = layers["kabupaten"]
    assert len(kab) == 1
    assert kab.iloc[0][["KDPKAB", "WADMKK", "WADMPR"]].tolist() == [
        "33.25",
        "Batang",
        "Jawa Tengah",
    ]


def test_desa_codes(layers: dict[str, gpd.GeoDataFrame]) -> None:
    desa = layers["desa"]
    assert len(desa) == 248
    codes = desa["KDEPUM"]
    assert codes.is_unique
    assert codes.map(lambda c: bool(DESA_CODE.match(c))).all()
    assert (codes.str[:8] == desa["KDCPUM"]).all()
    assert (desa["KDCPUM"].map(KECAMATAN) == desa["WADMKC"]).all()
    assert set(desa["KDCPUM"]) == set(KECAMATAN)
    assert desa.groupby("KDCPUM").size().between(10, 21).all()
    kel = desa[desa["JENIS"] == "Kelurahan"]
    assert len(kel) == 9
    assert kel["KDEPUM"].str[9].eq("1").all()
    assert desa.loc[desa["JENIS"] == "Desa", "KDEPUM"].str[9].eq("2").all()
    assert set(kel["KDEPUM"]) == {f"33.25.11.10{i}" for i in range(13, 22)}
    assert set(kel["NAMOBJ"]) >= {"Kauman", "Kasepuhan", "Watesalit", "Sambong"}
    assert not desa.duplicated(["KDCPUM", "NAMOBJ"]).any()
    assert desa["NAMOBJ"].duplicated().sum() == 11  # 11 names occur in two kecamatan
    assert (desa["NAMOBJ"] == desa["WADMKD"]).all()
    assert desa["KODEPOS"].str.fullmatch(r"51\d{3}").all()
    assert _is_real_label(desa["KETERANGAN"])
    assert (desa.area > 100_000).all()  # non-trivial desa (> 10 ha)


def _is_real_label(labels: pd.Series) -> bool:
    """The admin layers say they are the real (BIG-derived, simplified, MIT) boundaries."""
    return bool(
        labels.str.contains("nyata").all()
        and labels.str.contains("BIG").all()
        and labels.str.contains("MIT").all()
        and not labels.str.contains("sintetis").any()
    )


def _source(name: str, folder: Path = SOURCE_DIR) -> gpd.GeoDataFrame:
    path = folder / name
    if not path.exists():
        pytest.skip(f"source file not present: {path}")
    return gpd.read_file(path)


@pytest.mark.parametrize("folder", [SOURCE_DIR, SHARED_BATANG], ids=["shipped", "shared"])
def test_admin_layers_are_the_real_boundaries(
    layers: dict[str, gpd.GeoDataFrame], folder: Path
) -> None:
    """Codes, names, jenis, kodepos and shapes equal the shipped (and the shared) source files."""
    src = _source("batas_desa_batang.geojson", folder).set_index("kode").sort_index()
    desa = layers["desa"].set_index("KDEPUM").sort_index()
    assert list(desa.index) == list(src.index)
    assert (desa["NAMOBJ"] == src["nama"]).all()
    assert (desa["JENIS"] == src["jenis"]).all()
    assert (desa["KDCPUM"] == src["kode_kec"]).all() and (desa["WADMKC"] == src["nama_kec"]).all()
    assert (desa["KODEPOS"] == src["kodepos"].astype(str)).all()
    src_m = src.to_crs(METRIC).geometry
    # projected to UTM 49S on a 1 cm grid: the same areas and places (to a few m² per desa)
    assert np.allclose(desa.area, src_m.area, rtol=1e-4)
    assert (desa.geometry.symmetric_difference(src_m).area < 100.0).all()
    kec_src = _source("batas_kecamatan_batang.geojson", folder).sort_values("kode")
    kec = layers["kecamatan"].sort_values("KDCPUM")
    assert kec["KDCPUM"].tolist() == kec_src["kode"].tolist()
    assert kec["WADMKC"].tolist() == kec_src["nama"].tolist()
    assert np.allclose(
        kec.to_crs(METRIC).area.to_numpy(), kec_src.to_crs(METRIC).area.to_numpy(), rtol=1e-6
    )
    kab_src = _source("batas_kabupaten_batang.geojson", folder).to_crs(METRIC).geometry.iloc[0]
    kab = layers["kabupaten"].to_crs(METRIC).geometry.iloc[0]
    assert kab.symmetric_difference(kab_src).area < 1.0
    assert kab.area / 1e4 == pytest.approx(85_694, rel=1e-3)  # the luas_ha of SOURCES.md


def test_source_files_shipped_with_licence() -> None:
    """The real boundaries ship in the pack with their MIT licence and attribution."""
    for name in SOURCE_FILES:
        data = json.loads((SOURCE_DIR / name).read_text(encoding="utf-8"))
        assert data["type"] == "FeatureCollection", name
    licence = (SOURCE_DIR / "LICENSE").read_text(encoding="utf-8")
    assert "MIT License" in licence and "Cahya DSN" in licence
    sources = (SOURCE_DIR / "SOURCES.md").read_text(encoding="utf-8")
    for needle in ("cahyadsn/wilayah_boundaries", "BIG", "simplified", "MIT"):
        assert needle in sources, needle
    if (SHARED_BATANG / SOURCE_FILES[0]).exists():
        for name in SOURCE_FILES:  # shipped unchanged
            assert (SOURCE_DIR / name).read_bytes() == (SHARED_BATANG / name).read_bytes()


def test_desa_nest_in_kecamatan(layers: dict[str, gpd.GeoDataFrame]) -> None:
    desa = layers["desa"]
    kec = layers["kecamatan"].to_crs(METRIC).set_index("KDCPUM")
    desa_union = shapely.union_all(desa.geometry.to_numpy())
    kec_union = shapely.union_all(kec.geometry.to_numpy())
    assert desa_union.area == pytest.approx(kec_union.area, rel=0.005)
    assert kec_union.symmetric_difference(desa_union).area < 0.005 * kec_union.area
    for code, group in desa.groupby("KDCPUM"):
        kec_geom = kec.geometry[code]
        members = shapely.union_all(group.geometry.to_numpy())
        assert members.symmetric_difference(kec_geom).area < 0.005 * kec_geom.area, code
    kab = layers["kabupaten"].to_crs(METRIC).geometry.iloc[0]
    assert kab.area == pytest.approx(desa_union.area, rel=0.005)


def test_zoning_partition(layers: dict[str, gpd.GeoDataFrame]) -> None:
    zoning = layers["pola_ruang"]
    geoms = zoning.geometry.to_numpy()
    union = shapely.union_all(geoms)
    total = float(shapely.area(geoms).sum())
    assert total == pytest.approx(union.area, rel=0.001)  # no overlaps
    kab = layers["kabupaten"].to_crs(METRIC).geometry.iloc[0]
    assert union.area == pytest.approx(kab.area, rel=0.001)  # covers the land
    assert kab.symmetric_difference(union).area < 0.001 * kab.area
    # by hand: the real outline is 85,694 ha (SOURCES.md), the plan covers it to within 0.1 %
    assert union.area / 1e4 == pytest.approx(85_694, rel=0.001)
    assert 1_500 <= len(zoning) <= 6_000


def test_zoning_codes(layers: dict[str, gpd.GeoDataFrame]) -> None:
    zoning = layers["pola_ruang"]
    assert set(zoning["KODSZN"]) == SUBZONES  # only allowed codes, every one used
    assert (zoning["KODSZN"].str.split("-").str[0] == zoning["KODZON"]).all()
    assert zoning["KETERANGAN"].str.contains("sintetis").all()
    for col in ("NAMOBJ", "NAMZON", "NAMSZN", "WADMKC"):
        assert zoning[col].str.len().gt(0).all(), col
    assert set(zoning["WADMKC"]) == set(KECAMATAN.values())
    estate = zoning[zoning["NAMSZN"] == "Kawasan Industri Terpadu (demo)"]
    assert (estate["KODSZN"] == "I").all()
    assert 3_000e4 <= estate.area.sum() <= 3_200e4
    assert shapely.union_all(estate.geometry.to_numpy()).geom_type == "Polygon"  # contiguous
    lon, lat = estate.to_crs("EPSG:4326").union_all().centroid.coords[0]
    assert 109.95 < lon < 110.02 and -6.97 < lat < -6.92  # KIT Batang (Gringsing/Banyuputih)
    hl = zoning[zoning["KODSZN"] == "HL"].to_crs("EPSG:4326").representative_point()
    assert (hl.y < -7.10).all()


def test_sempadan_follows_rivers_and_coast(layers: dict[str, gpd.GeoDataFrame]) -> None:
    zoning = layers["pola_ruang"]
    ps = shapely.union_all(zoning.loc[zoning["KODSZN"] == "PS"].geometry.to_numpy())
    land = shapely.union_all(zoning.geometry.to_numpy())
    rivers = layers["sungai"]
    assert 5 <= len(rivers) <= 8
    for name, river in zip(rivers["NAMOBJ"], rivers.geometry, strict=True):
        strip = land.intersection(river.buffer(45.0))
        assert strip.difference(ps).area < 0.01 * strip.area, name
    # the coast is the northern edge of the real outline: 50 m south of it we must be inside
    # the PS strip; 150 m south only where another stretch of coast or a river is near
    _, miny, _, maxy = land.bounds
    x0, x1 = (
        gpd.GeoSeries(
            [shapely.Point(COAST_LON[0], -6.9), shapely.Point(COAST_LON[1], -6.9)], crs="EPSG:4326"
        )
        .to_crs(METRIC)
        .x
    )
    for x in np.linspace(x0 + 1_000.0, x1 - 1_000.0, 60):
        top = land.intersection(shapely.LineString([(x, miny), (x, maxy)])).bounds[3]
        assert ps.contains(shapely.Point(x, top - 50.0)), x
        below = shapely.Point(x, top - 150.0)
        assert (
            not ps.contains(below)
            or land.exterior.distance(below) <= 100.5
            or any(r.distance(below) <= 50.5 for r in rivers.geometry)
        ), x


def test_overlays(layers: dict[str, gpd.GeoDataFrame]) -> None:
    zoning = layers["pola_ruang"]
    lp2b = layers["lp2b"]
    assert set(lp2b["KELAS"]) == {"LP2B"}
    assert set(lp2b["NAMOBJ"]) == {"Lahan Pertanian Pangan Berkelanjutan"}
    p1_area = zoning.loc[zoning["KODSZN"] == "P-1"].area.sum()
    assert 0.5 <= lp2b.to_crs(METRIC).area.sum() / p1_area <= 0.7
    hazard = layers["rawan_bencana"]
    assert set(hazard["KELAS"]) == {"KRB-BANJIR", "KRB-LONGSOR"}
    longsor = hazard[hazard["KELAS"] == "KRB-LONGSOR"].to_crs("EPSG:4326")
    assert (longsor.representative_point().y < -7.05).all()
    for gdf in (lp2b, hazard, layers["jalan"], layers["sungai"], zoning):
        assert gdf["KETERANGAN"].str.contains("sintetis").all()
    assert _is_real_label(layers["kabupaten"]["KETERANGAN"])


def test_roads(layers: dict[str, gpd.GeoDataFrame]) -> None:
    jalan = layers["jalan"]
    assert 15 <= len(jalan) <= 40
    kab = layers["kabupaten"].to_crs(METRIC).geometry.iloc[0].buffer(1.0)
    for gdf in (jalan, layers["sungai"]):  # laid over the real outline
        assert gdf.to_crs(METRIC).within(kab).all()
    assert set(jalan["FGSJLN"]) == {"arteri", "kolektor", "lokal"}
    assert jalan["NAMOBJ"].str.len().gt(0).all()


def test_manifest_matches_generated_files(run: tuple[Path, dict[str, int]]) -> None:
    manifest = tomllib.loads((PACK_DIR / "region.toml").read_text(encoding="utf-8"))
    region = manifest["region"]
    assert region["code"] == "33.25"
    assert region["metric_crs"] == METRIC
    for needle in ("sintetis", "CC0", "MIT", "BIG", "source/"):
        assert needle in region["licence"], needle
    entries = manifest["layers"]
    assert [e["name"] for e in entries] == list(FILES)
    kinds = {"admin", "zoning", "overlay", "base", "thematic", "parcel"}
    for entry in entries:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", entry["name"])
        assert entry["kind"] in kinds
        # Titles are names in one language each; provenance and licence live in `licence`.
        for word in ("MIT", "BIG", "CC0", "batas nyata", "licen", "lisensi"):
            assert word not in entry["title"] + entry["title_en"], (entry["name"], word)
        if entry["kind"] == "admin":  # real boundaries, the rest synthetic
            assert "batas nyata" in entry["licence"] and "MIT" in entry["licence"], entry["name"]
            assert "sintetis" not in entry["title"] and "synthetic" not in entry["title_en"]
        else:
            assert entry["title"].endswith("(demo sintetis)")
            assert entry["title_en"].endswith("(synthetic demo)")
        assert entry["file"] == f"data/{FILES[entry['name']]}"
        assert (run[0] / FILES[entry["name"]]).is_file()
    assert "fields" not in entries[2] and "fields" not in entries[3]
    for raster in manifest["rasters"]:  # all synthetic
        assert raster["title"].endswith("(demo sintetis)"), raster["name"]
        assert raster["title_en"].endswith("(synthetic demo)"), raster["name"]


def test_missing_source_fails(tmp_path: Path) -> None:
    """The generator reads the pack's own source/ folder and says so when it is missing."""
    with pytest.raises(FileNotFoundError, match="batas_desa_batang"):
        generate(tmp_path / "out", source_dir=tmp_path / "nothing")


def _shared_csv(name: str) -> list[dict[str, str]]:
    path = SHARED_BATANG / name
    if not path.exists():
        pytest.skip(f"shared data not present: {path}")
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_kecamatan_codes_names_and_counts_are_the_real_ones(
    layers: dict[str, gpd.GeoDataFrame],
) -> None:
    """The 15 kecamatan and their number of desa and kelurahan, against Kepmendagri's lists."""
    real = {r["kode"]: r["nama"] for r in _shared_csv("daftar_kecamatan_batang.csv")}
    kec = layers["kecamatan"]
    assert dict(zip(kec["KDCPUM"], kec["WADMKC"], strict=True)) == real == KECAMATAN
    villages = _shared_csv("daftar_desa_kelurahan_batang.csv")
    real_counts: dict[tuple[str, str, str], int] = {}
    for r in villages:
        key = (r["kode_kec"], r["nama_kec"], r["jenis"])
        real_counts[key] = real_counts.get(key, 0) + 1
    desa = layers["desa"]
    counts = desa.groupby(["KDCPUM", "WADMKC", "JENIS"]).size().to_dict()
    assert counts == real_counts
