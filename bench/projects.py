"""Benchmark importing and placing APBD projects against a plain COPY and pandas on the same file.

Run: .venv/bin/python bench/projects.py [--rows 100000] [--keep]
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import psycopg
from sqlalchemy import text

if __package__ in (None, ""):  # run as a script: make the project root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.db import libpq_url, make_engine  # noqa: E402
from app.services import database  # noqa: E402
from app.services.projects.flags import refresh_flags  # noqa: E402
from app.services.projects.importer import import_projects  # noqa: E402
from app.services.regions.packs import load_region  # noqa: E402
from app.settings import DatabaseSettings  # noqa: E402
from bench.common import bench_url  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
DEMO = ROOT / "layers" / "batang-demo"
PACK = OUT / "projects_pack"
DB_NAME = "rtrw_bench_projects"
TARGET_S = 60.0
YEAR = 2030  # not a year of the demo pack's own budget files
HEADER = ["Kode Paket", "Nama Paket", "Nama OPD", "Sumber Dana", "Pagu", "Realisasi",
          "Progres Fisik (%)", "Tanggal Mulai", "Tanggal Selesai", "Koordinat", "Kode Desa",
          "Lokasi", "Kecamatan"]  # fmt: skip


def demo_pack() -> Path:
    """The demo pack with generated data (cached in bench/out/)."""
    import shutil

    from app.demo.generate import generate

    manifest = (DEMO / "region.toml").read_text(encoding="utf-8")
    cached = PACK / "region.toml"
    if not cached.exists() or cached.read_text(encoding="utf-8") != manifest:
        shutil.rmtree(PACK, ignore_errors=True)
        PACK.mkdir(parents=True)
        shutil.copy(DEMO / "region.toml", cached)
        shutil.copytree(DEMO / "rules", PACK / "rules", dirs_exist_ok=True)
        generate(PACK / "data")
    return PACK


def _typo(name: str, rng: random.Random) -> str:
    """The name as people type it: a prefix, a case, a space or a letter dropped/doubled."""
    n = name
    roll = rng.random()
    if roll < 0.3 and len(n) > 6:
        i = rng.randrange(1, len(n) - 1)
        n = n[:i] + n[i + 1 :]
    elif roll < 0.5 and len(n) > 5:
        i = rng.randrange(1, len(n) - 1)
        n = n[:i] + n[i] + n[i:]
    n = rng.choice([n, n.upper(), n.lower()])
    return rng.choice(["", "Ds. ", "Desa ", "Kel. ", "ds "]) + n


def write_file(path: Path, rows: int, seed: int = 3325) -> None:
    """Write `rows` budget rows: a third each by coordinates, desa code and location text."""
    desa = gpd.read_file(PACK / "data" / "desa.gpkg").to_crs(4326)
    points = desa.geometry.representative_point()
    recs = list(zip(desa["KDEPUM"], desa["NAMOBJ"], desa["WADMKC"], points, strict=True))
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i in range(rows):
            code, name, kec, p = rng.choice(recs)
            coords = desa_code = location = kecamatan = ""
            kind = i % 3
            if kind == 0:
                lat, lon = p.y + rng.uniform(-0.002, 0.002), p.x + rng.uniform(-0.002, 0.002)
                coords = f"{lat:.6f}, {lon:.6f}" if rng.random() < 0.8 else f"{lon:.6f}, {lat:.6f}"
            elif kind == 1:
                desa_code = code.replace(".", "") if rng.random() < 0.5 else code
            else:
                location = _typo(name, rng)
                kecamatan = kec if rng.random() < 0.7 else ""
            pagu = rng.randrange(10, 5000) * 1_000_000
            w.writerow([
                f"RUP-{i:06d}", f"Pekerjaan {i} di {name}", "DPUPR",
                rng.choice(["DAU", "DAK", "DD"]),
                f"Rp {pagu:,}".replace(",", "."), f"{pagu // 2:,}".replace(",", ".") + ",00",
                f"{rng.randrange(0, 101)}", "01/03/2025", "2025-11-30",
                coords, desa_code, location, kecamatan,
            ])  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the exit code."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = ap.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    pack = demo_pack()
    path = OUT / f"projects_{args.rows}.csv"
    t = time.perf_counter()
    write_file(path, args.rows)
    print(f"file {path.name}: {args.rows} rows, generated in {time.perf_counter() - t:.1f} s")

    url = bench_url(DB_NAME)
    database.drop_database(url)
    database.create_database(url)
    database.upgrade(url)
    engine = make_engine(DatabaseSettings(url=url))
    try:
        with engine.begin() as conn:
            load_region(conn, pack)
        # anchor 1: pandas reading the file
        t = time.perf_counter()
        frame = pd.read_csv(path, dtype=str)
        pandas_s = time.perf_counter() - t
        # anchor 2: a plain COPY of the same rows into a scratch table (text columns)
        with psycopg.connect(libpq_url(url)) as pg, pg.cursor() as cur:
            cols = ", ".join(f"c{i} text" for i in range(len(HEADER)))
            cur.execute(f"CREATE TEMP TABLE scratch ({cols})")
            t = time.perf_counter()
            with (
                path.open("rb") as fh,
                cur.copy("COPY scratch FROM STDIN (FORMAT CSV, HEADER)") as cp,
            ):
                while chunk := fh.read(1 << 20):
                    cp.write(chunk)
            copy_s = time.perf_counter() - t
        # ours: read, parse, upsert, place (SQL + fuzzy), flags, commit
        t = time.perf_counter()
        with engine.begin() as conn:
            report = import_projects(conn, path, YEAR, refresh=False)
        ours_s = time.perf_counter() - t
        print(f"import + place: {ours_s:.2f} s; now the flags (another module) ...", flush=True)
        # the integrity flags of the year (app.services.projects.flags), timed on their own
        t = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL statement_timeout = 0"))
            flags = refresh_flags(conn, YEAR)
        flags_s = time.perf_counter() - t
        t = time.perf_counter()
        with engine.begin() as conn:
            again = import_projects(conn, path, YEAR, refresh=False)
        again_s = time.perf_counter() - t
    finally:
        engine.dispose()
        if not args.keep:
            database.drop_database(url)
    c = report.counts()
    by = ", ".join(f"{k} {v}" for k, v in sorted(report.placed.items()))
    print(f"placed {c['placed']} ({by}),"
          f" unplaced {c['unplaced']}, swapped {report.swapped_coordinates}, "
          f"rejected {c['rejected']}")  # fmt: skip
    print(f"pandas read_csv   {pandas_s:7.2f} s  ({len(frame) / pandas_s:,.0f} rows/s)")
    print(f"COPY (anchor)     {copy_s:7.2f} s  ({args.rows / copy_s:,.0f} rows/s)")
    print(f"import + place    {ours_s:7.2f} s  ({args.rows / ours_s:,.0f} rows/s)  "
          f"{ours_s / copy_s:.1f}x COPY; target < {TARGET_S:.0f} s: "
          f"{'met' if ours_s < TARGET_S else 'MISSED'}")  # fmt: skip
    print(f"flags refresh     {flags_s:7.2f} s  ({sum(flags.values())} flags; not counted above)")
    print(f"re-import (same)  {again_s:7.2f} s  (inserted {again.inserted}, updated "
          f"{again.updated}, unchanged {again.unchanged})")  # fmt: skip
    return 0 if ours_s < TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
