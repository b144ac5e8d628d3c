"""Benchmark GET /rasters/dem/tiles/{z}/{x}/{y}.png against TiTiler on the same COG.

Run: .venv/bin/python bench/rasters.py [--tiles 500] [--clients 4] [--workers 2] [--keep]
(needs .venv-titiler: `scripts/setup.sh --bench`)
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

if __package__ in (None, ""):  # run as a script: make the project root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy.engine import make_url  # noqa: E402

from app.db import make_engine  # noqa: E402
from app.services import database  # noqa: E402
from app.services.rasters.catalog import get_raster  # noqa: E402
from app.services.rasters.files import GDAL_ENV  # noqa: E402
from app.services.rasters.ingest import load_raster  # noqa: E402
from app.settings import DatabaseSettings, RasterSettings  # noqa: E402
from bench.common import bench_url  # noqa: E402
from bench.tiles import ZOOMS, Run, http_pass, start_ours, viewport_tiles  # noqa: E402
from bench.zoning import DEMO_SEED, PACK, ROOT, free_port, sample_points, stop_server  # noqa: E402

DB_NAME = "rtrw_bench_rasters"
TITILER = ROOT / ".venv-titiler" / "bin" / "uvicorn"
COLORMAP = "terrain"


def demo_data() -> tuple[Path, Path]:
    """Return the demo DEM and kabupaten files in bench/out/demo_pack/data, generated if absent."""
    data = PACK / "data"
    dem, kab = data / "dem.tif", data / "kabupaten.geojson"
    if not (dem.exists() and kab.exists()):
        from app.demo.generate import generate

        t0 = time.perf_counter()
        generate(data, seed=DEMO_SEED)
        print(f"demo data generated in {time.perf_counter() - t0:.0f} s", flush=True)
    return dem, kab


def gdal_environ() -> dict[str, str]:
    """Return our GDAL settings as environment variables, so TiTiler reads with the same."""
    return {k: ("TRUE" if v is True else str(v)) for k, v in GDAL_ENV.items()}


def start_titiler(workers: int) -> tuple[subprocess.Popen[bytes], str]:
    """Start TiTiler (its own virtualenv, `titiler.application`); return it once it answers."""
    port = free_port()
    env = {**os.environ, **gdal_environ()}
    cmd = [str(TITILER), "titiler.application.main:app", "--host", "127.0.0.1",
           "--port", str(port), "--workers", str(workers), "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=tempfile.gettempdir(), env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"titiler exited with status {proc.returncode}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return proc, base
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(proc)
    raise RuntimeError("titiler did not answer within 120 s")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Return the command-line options."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tiles", type=int, default=500, help="distinct tiles (at least 500)")
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--workers", type=int, default=2, help="uvicorn workers of each server")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--keep", action="store_true", help="keep the rtrw_bench_rasters database")
    return p.parse_args(argv)


def row(label: str, r: Run) -> str:
    """Return one result line."""
    return f"{label:<16} {r.rps:>9.0f} {r.pct(50):>9.2f} {r.pct(99):>9.2f}   {r.statuses}"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the result block; return the exit status."""
    args = parse_args(argv)
    if not TITILER.exists():
        print("titiler missing: run scripts/setup.sh --bench (creates .venv-titiler)")
        return 2
    import geopandas as gpd

    dem_file, kab_file = demo_data()
    poly = gpd.read_file(kab_file).to_crs(4326).geometry.iloc[0]
    tiles = viewport_tiles(sample_points(poly, 10 * args.tiles, args.seed), args.tiles, args.seed)
    tiles = tiles[: args.tiles]
    print(f"{len(tiles)} distinct tiles from viewports at z{ZOOMS[0]}-z{ZOOMS[1]}", flush=True)
    url = bench_url(DB_NAME)
    database.create_database(url)
    database.upgrade(url)
    engine = make_engine(DatabaseSettings(url=url))
    store = Path(tempfile.mkdtemp(prefix="rtrw-bench-rasters-store-"))
    cache_dir = Path(tempfile.mkdtemp(prefix="rtrw-bench-rasters-cache-"))
    results: dict[str, Run] = {}
    procs: list[subprocess.Popen[bytes]] = []
    failed = False
    try:
        t0 = time.perf_counter()
        settings = RasterSettings(dir=store)
        with engine.begin() as conn:
            load_raster(conn, dem_file, "dem", settings=settings, kind="continuous",
                        colormap=COLORMAP, unit="m", force=True)  # fmt: skip
        with engine.connect() as conn:
            record = get_raster(conn, "dem", store=store)
        print(f"dem loaded as a COG in {time.perf_counter() - t0:.1f} s: {record.path.name}, "
              f"{record.width}x{record.height}, min {record.stats['min']:g} "
              f"max {record.stats['max']:g}", flush=True)  # fmt: skip
        lo, hi = record.stats["min"], record.stats["max"]
        rescale = f"{lo:g},{hi:g}"
        os.environ["RTRW_TILES_CACHE_DIR"] = str(cache_dir)
        os.environ["RTRW_RASTERS_DIR"] = str(store)
        ours, ours_base = start_ours(url, args.workers)
        procs.append(ours)
        titiler, titiler_base = start_titiler(args.workers)
        procs.append(titiler)
        cog = quote(str(record.path), safe="")
        titiler_paths = [
            f"/cog/tiles/WebMercatorQuad/{z}/{x}/{y}.png?url={cog}&rescale={rescale}"
            f"&colormap_name={COLORMAP}"
            for z, x, y in tiles
        ]
        our_paths = [f"/rasters/dem/tiles/{z}/{x}/{y}.png?rescale={rescale}&colormap={COLORMAP}"
                     for z, x, y in tiles]  # fmt: skip
        print(f"{'':<16} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9}   statuses", flush=True)
        for label, base, paths in (
            ("titiler", titiler_base, titiler_paths),
            ("ours", ours_base, our_paths),
        ):
            for phase in ("cold", "warm"):
                r = http_pass(base, paths, args.clients)
                results[f"{label} {phase}"] = r
                print(row(f"{label} {phase}", r), flush=True)
                # TiTiler answers a tile beside the raster 404, ours 204
                failed |= any(code not in (200, 204, 404) for code in r.statuses)
    finally:
        for proc in procs:
            stop_server(proc)
        engine.dispose()
        shutil.rmtree(cache_dir, ignore_errors=True)
        shutil.rmtree(store, ignore_errors=True)
        if args.keep:
            print(f"database kept: {make_url(url).database}")
        else:
            database.drop_database(url)

    print()
    print(f"{len(tiles)} PNG tiles of the demo DEM z{ZOOMS[0]}-z{ZOOMS[1]}, {args.clients} "
          f"clients, uvicorn workers={args.workers} each, colormap {COLORMAP}, "
          f"rescale {rescale}")  # fmt: skip
    print(f"{'':<16} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9}   statuses")
    for label, r in results.items():
        print(row(label, r))
    cold = results["ours cold"].rps / results["titiler cold"].rps
    warm = results["ours warm"].rps / results["titiler warm"].rps
    print(f"ratio ours/titiler req/s: cold {cold:.2f} (target >= 1.5), "
          f"warm {warm:.2f} (target >= 10)")  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
