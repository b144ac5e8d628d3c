"""The demo's APBD files and planted anomalies, checked independently (pandas, shapely, CSV)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely import wkt
from sqlalchemy import Engine, text

from app.demo.budget import HEADERS
from app.demo.generate import generate

pytestmark = pytest.mark.slow  # generates the demo's budgets

RULES = Path(__file__).resolve().parents[2] / "layers" / "batang-demo" / "rules"
FLAGS = {"over_budget", "done_unpaid", "paid_not_started", "outside_region", "outside_desa",
         "duplicate", "forbidden_zone", "protected_zone", "unplaced"}  # fmt: skip


def money(v: object) -> int | None:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v == "":
        return None
    if isinstance(v, int | float):
        return int(v)
    s = re.sub(r"^Rp\s*", "", str(v)).removesuffix(",-").removesuffix(",00")
    return int(s.replace(".", ""))


def num(v: object) -> float | None:
    if v is None or v == "" or (isinstance(v, float) and np.isnan(v)):
        return None
    return float(str(v).replace(",", "."))


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "data"
    generate(path)
    return path


@pytest.fixture(scope="module")
def rows(out: Path) -> pd.DataFrame:
    a = pd.read_excel(out / "apbd_2024.xlsx", header=2, dtype=object)
    b = pd.read_csv(out / "apbd_2025.csv", sep=";", dtype=str, keep_default_na=False)
    assert list(a.columns) == list(HEADERS) and list(b.columns) == list(HEADERS)
    df = pd.concat([a, b], ignore_index=True).replace({np.nan: None, "": None})
    df["Kode Paket"] = df["Kode Paket"].astype(str)
    return df


@pytest.fixture(scope="module")
def planted(out: Path) -> dict[str, str]:
    with (out / "apbd_planted.csv").open(encoding="utf-8") as fh:
        return {r["ref"]: r["flag"] for r in csv.DictReader(fh)}


def test_size_years_and_formats(rows: pd.DataFrame, out: Path) -> None:
    assert 1450 <= len(rows) <= 1600
    assert set(rows["Tahun"].astype(int)) == {2024, 2025}
    assert rows["Kode Paket"].is_unique
    pagu = rows["Pagu"].astype(str)
    assert pagu.str.startswith("Rp").any() and pagu.str.endswith(",00").any()
    assert pagu.str.fullmatch(r"\d+").any()
    assert rows["WKT"].dropna().str.startswith("LINESTRING").sum() > 50
    koord = rows["Koordinat"].dropna()
    assert koord.str.match(r"^-\d").any() and koord.str.match(r"^1\d\d\.").any()  # both orders
    assert rows["Lokasi"].dropna().str.contains(r"Ds\.\S").any()  # missing spaces
    assert rows["Penyedia"].dropna().str.match(r"^(CV|PT)\. ").all()
    assert rows["Kode Sub Kegiatan"].str.fullmatch(r"\d\.\d\d\.\d\d\.\d\.\d\d\.\d{4}").all()
    assert rows["KBLI"].notna().sum() > 50
    text = (out / "apbd_2025.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("Kode Paket;Tahun;")


def test_planted_flags(rows: pd.DataFrame, planted: dict[str, str], out: Path) -> None:
    counts = pd.Series(planted).value_counts().to_dict()
    assert set(counts) == FLAGS
    assert all(3 <= n <= 6 for n in counts.values()), counts
    by_ref = rows.set_index("Kode Paket")
    assert set(planted) <= set(by_ref.index)
    kab = gpd.read_file(out / "kabupaten.geojson").to_crs(32749).geometry.iloc[0]
    desa = gpd.read_file(out / "desa.gpkg", layer="desa").to_crs(32749).set_index("KDEPUM")
    zones = gpd.read_file(out / "pola_ruang.gpkg", layer="pola_ruang").to_crs(32749)
    with (RULES / "zone_classes.csv").open() as fh:
        lindung = {r["code"] for r in csv.DictReader(fh) if r["class"] == "lindung"}

    def point(r: pd.Series) -> shapely.Point:
        if r["Bujur"] is not None:
            lon, lat = num(r["Bujur"]), num(r["Lintang"])
        else:
            a, b = (float(x) for x in r["Koordinat"].split(","))
            lon, lat = (b, a) if a < 0 else (a, b)
        return gpd.GeoSeries([shapely.Point(lon, lat)], crs=4326).to_crs(32749).iloc[0]

    for ref, flag in planted.items():
        r = by_ref.loc[ref]
        pagu, real = money(r["Pagu"]), money(r["Realisasi"])
        prog = num(r["Progres Fisik (%)"])
        if flag == "over_budget":
            assert real > pagu
        elif flag == "done_unpaid":
            assert prog == 100 and real == 0
        elif flag == "paid_not_started":
            assert real > 0 and prog == 0
        elif flag == "outside_region":
            assert kab.distance(point(r)) > 1000
        elif flag == "outside_desa":
            assert desa.loc[r["Kode Desa"], "geometry"].distance(point(r)) > 100
        elif flag in ("forbidden_zone", "protected_zone"):
            p = point(r)
            zone = zones[zones.contains(p)]["KODSZN"].iloc[0]
            if flag == "protected_zone":
                assert zone in lindung
            else:
                assert zone not in lindung
                assert _itbx(r["KBLI"], zone) == {"X"}
            assert desa.loc[r["Kode Desa"], "geometry"].contains(p)
        elif flag == "unplaced":
            assert r["Bujur"] is None and r["Kode Desa"] is None and r["WKT"] is None
    dupes = rows[rows["Kode Paket"].isin([k for k, f in planted.items() if f == "duplicate"])]
    assert all(len(g) == 2 and g["Nama OPD"].nunique() == 2
               for _, g in dupes.groupby(["Tahun", "Nama Paket"]))  # fmt: skip


def _itbx(kbli: str, zone: str) -> set[str]:
    with (RULES / "activities.csv").open() as fh:
        acts = {r["id"] for r in csv.DictReader(fh) if kbli in r["kbli"].split(";")}
    with (RULES / "itbx.csv").open() as fh:
        return {r["itbx"] for r in csv.DictReader(fh)
                if r["activity"] in acts and r["zone"] == zone and not r["valid_to"]}  # fmt: skip


def test_normal_rows_are_clean(rows: pd.DataFrame, planted: dict[str, str], out: Path) -> None:
    normal = rows[~rows["Kode Paket"].isin(planted)]
    pagu = normal["Pagu"].map(money)
    real = normal["Realisasi"].map(money)
    prog = normal["Progres Fisik (%)"].map(num)
    assert (real <= pagu).all()
    assert not ((prog == 100) & (real == 0)).any()
    assert not ((prog == 0) & (real > 0)).any()
    assert not normal.duplicated(["Tahun", "Nama Paket"]).any()
    desa = gpd.read_file(out / "desa.gpkg", layer="desa").to_crs(4326).set_index("KDEPUM")
    placed = normal[normal["Bujur"].notna() & normal["Kode Desa"].notna()]
    assert len(placed) > 50
    pts = gpd.GeoSeries(
        gpd.points_from_xy(placed["Bujur"].map(num), placed["Lintang"].map(num)), crs=4326
    )
    polys = desa.loc[placed["Kode Desa"], "geometry"].to_numpy()
    assert shapely.contains(polys, pts.to_numpy()).all()
    lines = normal[normal["WKT"].notna() & normal["Kode Desa"].notna()]
    geoms = [wkt.loads(w) for w in lines["WKT"]]
    assert shapely.within(geoms, desa.loc[lines["Kode Desa"], "geometry"].to_numpy()).all()


def test_deterministic(out: Path, tmp_path: Path) -> None:
    generate(tmp_path)
    for name in ("apbd_2024.xlsx", "apbd_2025.csv", "apbd_planted.csv", "ppid.csv"):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name


def test_loaded_demo_flags_the_planted_rows_and_no_clean_row(
    demo_catalog: Engine, demo_pack: Path
) -> None:
    """Loading the pack (budgets imported, flags refreshed) flags exactly the planted rows.

    demo_catalog is load_region(demo_pack) on an empty catalog, untouched since."""
    with demo_catalog.connect() as conn:
        rows = conn.execute(
            text("SELECT g.flag, p.ref FROM project_flag g JOIN project p ON p.id = g.project_id")
        ).all()
    flagged: dict[str, set[str]] = {f: set() for f in FLAGS}
    for flag, ref in rows:
        flagged[flag].add(ref)
    planted: dict[str, set[str]] = {f: set() for f in FLAGS}
    with (demo_pack / "data" / "apbd_planted.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            planted[r["flag"]].add(r["ref"])  # a duplicate pair lists both of its refs
    assert len(planted["duplicate"]) == 6
    for flag in sorted(FLAGS):
        assert flagged[flag] == planted[flag], (
            flag,
            sorted(flagged[flag] - planted[flag]),
            sorted(planted[flag] - flagged[flag]),
        )
