"""Benchmark our layer loader against ogr2ogr on the same GeoPackage and the same database.

Run: .venv/bin/python bench/load.py [--features 100000] [--repeat 3] [--keep] [--phases]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

if __package__ in (None, ""):  # run as a script: make the project root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.db import make_engine  # noqa: E402
from app.services import database  # noqa: E402
from app.services.catalog import layers as catalog  # noqa: E402
from app.services.catalog.ingest import LoadReport, LoadRequest, load_layer, prepare, write  # noqa: E402
from app.settings import DatabaseSettings  # noqa: E402
from bench.common import bench_url  # noqa: E402

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
DB_NAME = "rtrw_bench"
SOURCE_CRS = "EPSG:32749"
OGR_TABLE = "bench_ogr"
GEN_VERSION = 2  # bump when the generator changes, so cached files are not reused

# Batang regency in UTM 49S (metres).
XMIN, XMAX = 330_000.0, 400_000.0
YMIN, YMAX = 9_200_000.0, 9_240_000.0

# Sub-zone code -> (zone code, sub-zone name), RDTR pola ruang style; weights below.
SUBZONES: dict[str, tuple[str, str]] = {
    "R-1": ("R", "Perumahan Kepadatan Sangat Tinggi"),
    "R-2": ("R", "Perumahan Kepadatan Tinggi"),
    "R-3": ("R", "Perumahan Kepadatan Sedang"),
    "R-4": ("R", "Perumahan Kepadatan Rendah"),
    "K-1": ("K", "Perdagangan dan Jasa Skala Kota"),
    "K-2": ("K", "Perdagangan dan Jasa Skala WP"),
    "I": ("KPI", "Kawasan Peruntukan Industri"),
    "P-1": ("P", "Tanaman Pangan"),
    "P-2": ("P", "Hortikultura"),
    "P-3": ("P", "Perkebunan"),
    "HL": ("HL", "Hutan Lindung"),
    "PS": ("PS", "Perlindungan Setempat"),
    "RTH-1": ("RTH", "Rimba Kota"),
    "SPU-1": ("SPU", "Sarana Pelayanan Umum Pendidikan"),
    "BJ": ("BJ", "Badan Jalan"),
}
WEIGHTS = np.array([4, 8, 10, 6, 2, 3, 3, 20, 6, 12, 8, 6, 2, 2, 8], dtype=float)
KECAMATAN = (
    "Batang", "Warungasem", "Wonotunggal", "Bandar", "Blado", "Reban", "Bawang", "Tersono",
    "Gringsing", "Limpung", "Banyuputih", "Subah", "Pecalungan", "Tulis", "Kandeman",
)  # fmt: skip


@dataclass
class Source:
    """The synthetic GeoPackage and how it was obtained."""

    path: Path
    features: int
    invalid: int
    seconds: float
    cached: bool


def pg_conninfo(url: str) -> tuple[str, dict[str, str]]:
    """Return the ogr2ogr PG: connection string and the environment (password kept out)."""
    u = make_url(url)
    parts = [f"dbname={u.database}"]
    for key, value in (("host", u.host), ("port", u.port), ("user", u.username)):
        if value:
            parts.append(f"{key}={value}")
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    return "PG:" + " ".join(parts), env


def _shapes(rng: np.random.Generator, n: int) -> np.ndarray:
    """Return n star-shaped polygons (5-12 vertices) on a jittered grid over Batang."""
    nx = int(np.ceil(np.sqrt(n * (XMAX - XMIN) / (YMAX - YMIN))))
    ny = int(np.ceil(n / nx))
    dx, dy = (XMAX - XMIN) / nx, (YMAX - YMIN) / ny
    i = np.arange(n)
    cx = XMIN + (i % nx + 0.5 + rng.uniform(-0.1, 0.1, n)) * dx
    cy = YMIN + (i // nx + 0.5 + rng.uniform(-0.1, 0.1, n)) * dy
    nverts = rng.integers(5, 13, n)
    rot = rng.uniform(0, 2 * np.pi, n)
    out = np.empty(n, dtype=object)
    for k in range(5, 13):
        sel = np.flatnonzero(nverts == k)
        if not len(sel):
            continue
        step = 2 * np.pi / k
        ang = rot[sel, None] + step * (np.arange(k) + rng.uniform(-0.25, 0.25, (len(sel), k)))
        rad = rng.uniform(0.3, 0.4, (len(sel), k))
        ring = np.empty((len(sel), k + 1, 2))
        ring[:, :k, 0] = cx[sel, None] + rad * dx * np.cos(ang)
        ring[:, :k, 1] = cy[sel, None] + rad * dy * np.sin(ang)
        ring[:, k] = ring[:, 0]
        out[sel] = shapely.polygons(ring)
    return out


def _bowties(rng: np.random.Generator, geoms: np.ndarray, share: float) -> np.ndarray:
    """Make about `share` of the polygons bow-ties: swap vertex 1 with the one opposite it."""
    pick = np.flatnonzero(rng.random(len(geoms)) < share)
    for j in pick:
        ring = shapely.get_coordinates(geoms[j])
        m = (len(ring) - 1) // 2
        ring[[1, m]] = ring[[m, 1]]
        geoms[j] = shapely.Polygon(ring)
    return geoms


def make_source(n: int, seed: int) -> Source:
    """Return the synthetic zoning GeoPackage for (n, seed), generating it unless cached."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"zoning_n{n}_s{seed}_v{GEN_VERSION}.gpkg"
    t0 = time.perf_counter()
    if path.exists():
        invalid = int((~shapely.is_valid(pyogrio.read_dataframe(path).geometry.values)).sum())
        return Source(path, n, invalid, time.perf_counter() - t0, cached=True)
    rng = np.random.default_rng(seed)
    geoms = _bowties(rng, _shapes(rng, n), share=0.01)
    codes = np.array(list(SUBZONES))[rng.choice(len(SUBZONES), n, p=WEIGHTS / WEIGHTS.sum())]
    kec = np.array(KECAMATAN)[rng.integers(0, len(KECAMATAN), n)]
    gdf = gpd.GeoDataFrame(
        {
            "KODSZN": codes,
            "NAMSZN": [SUBZONES[c][1] for c in codes],
            "KODZON": [SUBZONES[c][0] for c in codes],
            "NAMOBJ": [f"Blok {c} {i + 1:06d}" for i, c in enumerate(codes)],
            "WADMKC": kec,
        },
        geometry=gpd.GeoSeries(geoms, crs=SOURCE_CRS),
    )
    tmp = path.with_suffix(".tmp.gpkg")
    tmp.unlink(missing_ok=True)
    # GeoPackage 1.3 so that older GDAL (ogr2ogr 3.6) reads it without a version warning.
    pyogrio.write_dataframe(
        gdf, tmp, layer="pola_ruang", driver="GPKG", dataset_options={"VERSION": "1.3"}
    )
    tmp.rename(path)
    invalid = int((~shapely.is_valid(geoms)).sum())
    return Source(path, n, invalid, time.perf_counter() - t0, cached=False)


def run_ours(engine: Engine, gpkg: Path, name: str) -> tuple[float, LoadReport]:
    """Load the file with load_layer and commit; return wall seconds and the report."""
    req = LoadRequest(path=gpkg, name=name, kind="zoning", metric_crs=SOURCE_CRS)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        report = load_layer(conn, req)
    return time.perf_counter() - t0, report


def ogr_command(gpkg: Path, url: str) -> tuple[list[str], dict[str, str]]:
    """Return the ogr2ogr command equivalent to our load, and its environment."""
    conninfo, env = pg_conninfo(url)
    cmd = [
        "ogr2ogr", "-f", "PostgreSQL", conninfo, str(gpkg),
        "-nln", OGR_TABLE, "-t_srs", "EPSG:4326", "-nlt", "PROMOTE_TO_MULTI", "-makevalid",
        "-lco", "GEOMETRY_NAME=geom", "-lco", "SPATIAL_INDEX=GIST", "-lco", "FID=fid",
        "-overwrite", "--config", "PG_USE_COPY", "YES",
    ]  # fmt: skip
    return cmd, env


def run_ogr(gpkg: Path, url: str) -> float:
    """Load the file with ogr2ogr (index included); return wall seconds."""
    cmd, env = ogr_command(gpkg, url)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def phases(engine: Engine, gpkg: Path, name: str) -> None:
    """Time prepare / write / commit of one more load separately and print a short profile."""
    req = LoadRequest(path=gpkg, name=name, kind="zoning", metric_crs=SOURCE_CRS)
    prof = cProfile.Profile()
    prof.enable()
    t0 = time.perf_counter()
    prep = prepare(req)
    t1 = time.perf_counter()
    with engine.connect() as conn:
        write(conn, prep)
        t2 = time.perf_counter()
        conn.commit()
    t3 = time.perf_counter()
    prof.disable()
    print(f"phases: prepare {t1 - t0:.2f} s   write {t2 - t1:.2f} s   commit {t3 - t2:.2f} s")
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(12)
    lines = buf.getvalue().splitlines()
    start = next((i for i, s in enumerate(lines) if s.lstrip().startswith("ncalls")), 0)
    print("profile (top 12 by own time):")
    print("\n".join(lines[start:]))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Return the command-line options."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--features", type=int, default=100_000, help="polygons to generate")
    p.add_argument("--repeat", type=int, default=3, help="runs of each loader (median taken)")
    p.add_argument("--seed", type=int, default=20240601, help="generator seed")
    p.add_argument("--keep", action="store_true", help="keep the rtrw_bench database")
    p.add_argument("--phases", action="store_true", help="also time prepare/write and profile")
    args = p.parse_args(argv)
    if args.features < 1 or args.repeat < 1:
        p.error("--features and --repeat must be at least 1")
    return args


def fmt_runs(runs: list[float]) -> str:
    """Return the run times as '4.10, 4.12, 4.30'."""
    return ", ".join(f"{r:.2f}" for r in runs)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the result block; return the exit status."""
    args = parse_args(argv)
    if shutil.which("ogr2ogr") is None:
        print(
            "bench: ogr2ogr not found; it is the anchor of this benchmark. "
            "Install it with: scripts/setup.sh --bench   (apt: gdal-bin)",
            file=sys.stderr,
        )
        return 2
    gdal = subprocess.run(
        ["ogr2ogr", "--version"], check=True, capture_output=True, text=True
    ).stdout.strip()
    print(f"anchor: {gdal}; our reader: pyogrio {pyogrio.__version__} "
          f"(GDAL {pyogrio.__gdal_version_string__})")  # fmt: skip

    src = make_source(args.features, args.seed)
    size_mb = src.path.stat().st_size / 1e6
    how = "cached, checked" if src.cached else "generated"
    print(
        f"source: {src.path.relative_to(HERE.parent)}  {size_mb:.1f} MB  {src.features} features "
        f"({src.invalid} invalid)  {how} in {src.seconds:.2f} s (not counted)"
    )

    url = bench_url(DB_NAME)
    t0 = time.perf_counter()
    created = database.create_database(url)
    database.upgrade(url)
    state = "created" if created else "exists"
    print(f"database: {make_url(url).database} ({state}, migrated in "
          f"{time.perf_counter() - t0:.2f} s)")  # fmt: skip
    engine = make_engine(DatabaseSettings(url=url))
    stamp = time.strftime("%Y%m%d%H%M%S")
    ours: list[float] = []
    ogr: list[float] = []
    report: LoadReport | None = None
    name = ""
    try:
        for r in range(args.repeat):
            name = f"bench_zoning_{stamp}_{r + 1}"
            seconds, report = run_ours(engine, src.path, name)
            ours.append(seconds)
            print(f"run {r + 1}/{args.repeat}: ours    {seconds:.2f} s  ({name})", flush=True)
            seconds = run_ogr(src.path, url)
            ogr.append(seconds)
            print(f"run {r + 1}/{args.repeat}: ogr2ogr {seconds:.2f} s  ({OGR_TABLE})", flush=True)
        with engine.connect() as conn:
            ours_count = catalog.get_layer(conn, name).feature_count
            ogr_count = int(conn.execute(text(f"SELECT count(*) FROM {OGR_TABLE}")).scalar_one())
        if args.phases:
            phases(engine, src.path, f"bench_zoning_{stamp}_phases")
    finally:
        engine.dispose()
        if args.keep:
            print(f"database kept: {url}")
        else:
            database.drop_database(url)

    assert report is not None
    same = "same" if ours_count == ogr_count else "DIFFERENT"
    print()
    print(f"features: {src.features}   file: {size_mb:.1f} MB")
    print(f"ours     median {statistics.median(ours):.2f} s   (runs: {fmt_runs(ours)})")
    print(f"ogr2ogr  median {statistics.median(ogr):.2f} s   (runs: {fmt_runs(ogr)})")
    ratio = statistics.median(ours) / statistics.median(ogr)
    print(f"ratio ours/ogr2ogr: {ratio:.2f}  (target <= 1.0)")
    print(
        f"our report: read {report.read}  written {report.written}  repaired {report.repaired}  "
        f"rejected {len(report.rejected)}"
    )
    print(f"rows: ours feature_count {ours_count}   {OGR_TABLE} count(*) {ogr_count}   ({same})")
    return 0 if ours_count == ogr_count else 1


if __name__ == "__main__":
    sys.exit(main())
