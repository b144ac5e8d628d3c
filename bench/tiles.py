"""Benchmark GET /tiles/{layer}/{z}/{x}/{y}.pbf against tipg and a raw ST_AsMVT floor.

Run: .venv/bin/python bench/tiles.py [--tiles 600] [--scale 1000000] [--clients 4]
     [--workers 2] [--warm-passes 3] [--keep] [--reuse]
(needs .venv-tipg: `scripts/setup.sh --bench`)
"""

from __future__ import annotations

import argparse
import http.client
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psycopg
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

if __package__ in (None, ""):  # run as a script: make the project root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.db import libpq_url, make_engine  # noqa: E402
from app.services import database  # noqa: E402
from app.services.catalog.ingest import LoadRequest, load_layer  # noqa: E402
from app.services.regions.packs import load_region  # noqa: E402
from app.settings import DatabaseSettings, TileSettings  # noqa: E402
from bench import zoning as zoning_bench  # noqa: E402
from bench.common import bench_url  # noqa: E402
from bench.zoning import (  # noqa: E402
    METRIC_CRS,
    ROOT,
    free_port,
    kabupaten,
    make_grid,
    make_pack,
    sample_points,
    stop_server,
)

DB_NAME = "rtrw_bench_tiles"
TIPG = ROOT / ".venv-tipg" / "bin" / "uvicorn"
VIEW_SCHEMA = "tipg_bench"
VIEWPORT_PX = (1280, 800)  # a laptop browser window
ZOOMS = (10, 16)
# The PostGIS floor: the plain tile query (what tipg runs), one connection, no HTTP.
FLOOR_SQL = """
    SELECT ST_AsMVT(t, 'l', 4096, 'geom') FROM (
        SELECT ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s),
                            4096, %(buffer)s, true) AS geom, code, name
        FROM feature
        WHERE version_id = %(vid)s
          AND geom && ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4326)
        LIMIT %(cap)s) t
"""


@dataclass
class Run:
    """Latencies (s) of one pass over the tile list, its wall clock and its answers."""

    latencies: np.ndarray
    wall: float
    statuses: dict[int, int]

    @property
    def rps(self) -> float:
        """Requests per second over the wall clock."""
        return len(self.latencies) / self.wall

    def pct(self, q: float) -> float:
        """Return the q-th percentile latency in ms."""
        return float(np.percentile(self.latencies, q) * 1000)


def viewport_tiles(centres: np.ndarray, n: int, seed: int) -> list[tuple[int, int, int]]:
    """Return at least n distinct tiles: every tile of 1280x800 px viewports at z10-z16.

    Viewports are centred on points inside the kabupaten, zoom drawn uniformly; the tiles of
    a viewport stay together, as a map client asks for them.
    """
    rng = np.random.default_rng(seed)
    seen: dict[tuple[int, int, int], None] = {}
    for lon, lat in centres:
        z = int(rng.integers(ZOOMS[0], ZOOMS[1] + 1))
        size = 2**z
        px = (lon + 180) / 360 * size * 256
        py = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * size * 256
        w, h = VIEWPORT_PX
        for x in range(int((px - w / 2) // 256), int((px + w / 2) // 256) + 1):
            for y in range(int((py - h / 2) // 256), int((py + h / 2) // 256) + 1):
                seen[(z, x, y)] = None
        if len(seen) >= n:
            break
    return list(seen)


def http_pass(base: str, paths: list[str], clients: int) -> Run:
    """GET every path once, spread round-robin over `clients` keep-alive connections."""
    host, port = base.removeprefix("http://").split(":")
    parts = [paths[k::clients] for k in range(clients)]
    lat: list[list[float]] = [[] for _ in range(clients)]
    statuses: list[dict[int, int]] = [{} for _ in range(clients)]
    start = threading.Barrier(clients + 1)

    def worker(k: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=120)
        start.wait()
        for path in parts[k]:
            t0 = time.perf_counter()
            conn.request("GET", path)
            r = conn.getresponse()
            r.read()
            lat[k].append(time.perf_counter() - t0)
            statuses[k][r.status] = statuses[k].get(r.status, 0) + 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    merged: dict[int, int] = {}
    for s in statuses:
        for code, count in s.items():
            merged[code] = merged.get(code, 0) + count
    return Run(np.array([x for part in lat for x in part]), wall, merged)


def floor_pass(url: str, vid: int, tiles: list[tuple[int, int, int]], cap: int) -> Run:
    """Run the plain ST_AsMVT query for every tile over one connection (no HTTP, no cache)."""
    lat = []
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("SET jit = off")
        t0 = time.perf_counter()
        for z, x, y in tiles:
            t1 = time.perf_counter()
            conn.execute(
                FLOOR_SQL, {"z": z, "x": x, "y": y, "vid": vid, "cap": cap, "buffer": 64}
            ).fetchone()
            lat.append(time.perf_counter() - t1)
        wall = time.perf_counter() - t0
    return Run(np.array(lat), wall, {200: len(lat)})


def start_tipg(url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    """Start tipg (its own virtualenv) on the views of VIEW_SCHEMA; return it once it answers."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": libpq_url(url),
        "TIPG_DB_SCHEMAS": f'["{VIEW_SCHEMA}"]',
        "TIPG_TILE_BUFFER": "64",
        "TIPG_MAX_FEATURES_PER_TILE": str(TileSettings().max_features),
        "TIPG_DB_MAX_CONN_SIZE": "10",
    }
    cmd = [str(TIPG), "tipg.main:app", "--host", "127.0.0.1", "--port", str(port),
           "--workers", str(workers), "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=tempfile.gettempdir(), env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"tipg exited with status {proc.returncode}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/collections")
            if c.getresponse().status == 200:
                return proc, base
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(proc)
    raise RuntimeError("tipg did not answer within 90 s")


def start_ours(url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    """Start our uvicorn on the benchmark database; return it once /health answers 200.

    Like bench.zoning.start_server, with 180 s to start: importing the app takes ~10 s of
    CPU a worker, much longer on a busy shared machine.
    """
    port = free_port()
    env = {**os.environ, "RTRW_DATABASE_URL": url}
    cmd = [str(ROOT / ".venv" / "bin" / "uvicorn"), "app.main:app", "--host", "127.0.0.1",
           "--port", str(port), "--workers", str(workers), "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"uvicorn exited with status {proc.returncode}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/health")
            if c.getresponse().status == 200:
                return proc, f"http://127.0.0.1:{port}"
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(proc)
    raise RuntimeError("uvicorn did not answer /health within 180 s")


def make_views(engine: Engine, layers: dict[str, int]) -> None:
    """Create one view per layer version for tipg: the same rows our tiles read."""
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {VIEW_SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {VIEW_SCHEMA}"))
        for name, vid in layers.items():
            conn.execute(
                text(
                    f"CREATE VIEW {VIEW_SCHEMA}.{name} AS SELECT fid AS id, code, name, geom "
                    f"FROM feature WHERE version_id = {int(vid)}"
                )
            )


def current_vid(engine: Engine, name: str) -> tuple[int, int]:
    """Return the current version id of a layer and its feature count."""
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT v.id, v.feature_count FROM layer l "
                "JOIN layer_version v ON v.id = l.current_version_id WHERE l.name = :n"
            ),
            {"n": name},
        ).one()
    return int(row.id), int(row.feature_count)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Return the command-line options."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tiles", type=int, default=600, help="distinct tiles (at least 500)")
    p.add_argument("--scale", type=int, default=1_000_000, help="synthetic polygons (0: skip)")
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--workers", type=int, default=2, help="uvicorn workers of each server")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument(
        "--warm-passes", type=int, default=3, help="warm passes per server (the median counts)"
    )
    p.add_argument("--keep", action="store_true", help="keep the rtrw_bench_tiles database")
    p.add_argument(
        "--reuse",
        action="store_true",
        help="use a kept rtrw_bench_tiles as loaded (migrated to head; implies --keep)",
    )
    return p.parse_args(argv)


def row(label: str, r: Run) -> str:
    """Return one result line."""
    return f"{label:<22} {r.rps:>9.0f} {r.pct(50):>9.2f} {r.pct(99):>9.2f}   {r.statuses}"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the result block; return the exit status."""
    args = parse_args(argv)
    if not TIPG.exists():
        print("tipg missing: run scripts/setup.sh --bench (creates .venv-tipg)")
        return 2
    pack, _, cached = make_pack()
    poly = kabupaten(pack)
    tiles = viewport_tiles(sample_points(poly, 10 * args.tiles, args.seed), args.tiles, args.seed)
    print(f"{len(tiles)} distinct tiles from viewports at z{ZOOMS[0]}-z{ZOOMS[1]}", flush=True)
    url = bench_url(DB_NAME)
    created = database.create_database(url)
    database.upgrade(url)
    reuse = args.reuse and not created
    args.keep |= args.reuse
    engine = make_engine(DatabaseSettings(url=url))
    cache_dir = Path(tempfile.mkdtemp(prefix="rtrw-bench-tiles-"))
    results: dict[str, dict[str, Run]] = {}
    counts: dict[str, int] = {}
    procs: list[subprocess.Popen[bytes]] = []
    failed = False
    try:
        t0 = time.perf_counter()
        if not reuse:
            with engine.begin() as conn:
                load_region(conn, pack)
            print(f"demo pack loaded in {time.perf_counter() - t0:.1f} s", flush=True)
        layers = {"pola_ruang": current_vid(engine, "pola_ruang")}
        if args.scale and reuse:
            layers["grid"] = current_vid(engine, "grid")
            print(f"reusing {DB_NAME}: grid of {layers['grid'][1]:,} polygons", flush=True)
        elif args.scale:
            # make_grid draws its zone codes from DEMO/data, which only the pack copy holds
            zoning_bench.DEMO = pack
            path, gen_s, hit = make_grid(args.scale, poly.bounds, args.seed)
            print(f"grid source {path.name}: {'cached' if hit else f'{gen_s:.0f} s'}", flush=True)
            t0 = time.perf_counter()
            req = LoadRequest(path=path, name="grid", kind="zoning", metric_crs=METRIC_CRS)
            with engine.begin() as conn:
                load_layer(conn, req)
            print(f"grid loaded in {time.perf_counter() - t0:.1f} s", flush=True)
            layers["grid"] = current_vid(engine, "grid")
        make_views(engine, {name: vid for name, (vid, _) in layers.items()})
        with engine.begin() as conn:
            conn.execute(text("ANALYZE layer, layer_version"))
        os.environ["RTRW_TILES_CACHE_DIR"] = str(cache_dir)
        ours, ours_base = start_ours(url, args.workers)
        procs.append(ours)
        tipg, tipg_base = start_tipg(url, args.workers)
        procs.append(tipg)
        cap = TileSettings().max_features
        for name, (vid, count) in layers.items():
            counts[name] = count
            res: dict[str, Run] = {}
            res["floor"] = floor_pass(url, vid, tiles, cap)
            print(row(f"{name} floor", res["floor"]), flush=True)
            tipg_paths = [
                f"/collections/{VIEW_SCHEMA}.{name}/tiles/WebMercatorQuad/{z}/{x}/{y}"
                for z, x, y in tiles
            ]
            our_paths = [f"/tiles/{name}/{z}/{x}/{y}.pbf" for z, x, y in tiles]
            for label, base, paths in (
                ("tipg", tipg_base, tipg_paths),
                ("ours", ours_base, our_paths),
            ):
                r = http_pass(base, paths, args.clients)
                res[f"{label} cold"] = r
                print(row(f"{name} {label} cold", r), flush=True)
                failed |= any(code not in (200, 204) for code in r.statuses)
                # a warm pass of our server lasts half a second, where one scheduling hiccup
                # moves the figure by a third: the median of --warm-passes, for both servers
                warm = [http_pass(base, paths, args.clients) for _ in range(args.warm_passes)]
                for r in warm:
                    failed |= any(code not in (200, 204) for code in r.statuses)
                r = sorted(warm, key=lambda w: w.rps)[len(warm) // 2]
                res[f"{label} warm"] = r
                passes = ", ".join(f"{w.rps:.0f}" for w in warm)
                print(row(f"{name} {label} warm", r) + f"  (passes: {passes})", flush=True)
            results[name] = res
    finally:
        for proc in procs:
            stop_server(proc)
        engine.dispose()
        shutil.rmtree(cache_dir, ignore_errors=True)
        if args.keep:
            print(f"database kept: {make_url(url).database}")
        else:
            database.drop_database(url)

    print()
    cap = TileSettings().max_features
    print(f"{len(tiles)} tiles z{ZOOMS[0]}-z{ZOOMS[1]}, {args.clients} clients, "
          f"uvicorn workers={args.workers} each, max {cap} features/tile")  # fmt: skip
    for name, res in results.items():
        print(f"\n{name} ({counts[name]:,} features)")
        print(f"{'':<22} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9}   statuses")
        for label, r in res.items():
            print(row(label, r))
        cold = res["ours cold"].rps / res["tipg cold"].rps
        warm = res["ours warm"].rps / res["tipg warm"].rps
        floor = res["ours cold"].rps / res["floor"].rps
        print(f"ratio ours/tipg req/s: cold {cold:.2f} (target >= 2), warm {warm:.2f} "
              f"(target >= 10); ours cold / PostGIS floor {floor:.2f}")  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
