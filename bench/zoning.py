"""Benchmark the zoning check over HTTP against the raw PostGIS lookup on the same points.

Run: .venv/bin/python bench/zoning.py [--points 1000] [--workers 2] [--no-scale] [--keep]
     [--profile]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import csv
import io
import os
import pstats
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import httpx
import numpy as np
import psycopg
import pyogrio
import shapely
from pyproj import Transformer
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

if __package__ in (None, ""):  # run as a script: make the project root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.db import libpq_url, make_engine  # noqa: E402
from app.services import database  # noqa: E402
from app.services.catalog.ingest import LoadRequest, load_layer  # noqa: E402
from app.services.catalog.manifest import read_manifest  # noqa: E402
from app.services.regions.packs import load_region  # noqa: E402
from app.settings import DatabaseSettings  # noqa: E402
from bench.common import bench_url  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
DEMO = ROOT / "layers" / "batang-demo"
PACK = OUT / "demo_pack"
DB_NAME = "rtrw_bench_zoning"
METRIC_CRS = "EPSG:32749"
DEMO_SEED = 3325  # the seed of `rtrw demo generate`
GRID_VERSION = 1  # bump when the scale generator changes, so cached files are not reused
WARMUP = 50
CLIENTS = (1, 8)
PREFERRED_KBLI = ("47111", "68111", "10631")
SQL = (
    "SELECT f.code, f.name, f.version_id FROM feature f "
    "WHERE f.version_id = ANY(%s) "
    "AND ST_Intersects(f.geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326))"
)


@dataclass
class Stats:
    """Latencies of one run: n requests at `clients` concurrency over `wall` seconds."""

    clients: int
    latencies: np.ndarray  # seconds, one per request
    wall: float
    failures: int = 0

    @property
    def p50(self) -> float:
        """Median latency in ms."""
        return float(np.percentile(self.latencies, 50) * 1000)

    @property
    def p99(self) -> float:
        """99th percentile latency in ms."""
        return float(np.percentile(self.latencies, 99) * 1000)

    @property
    def rps(self) -> float:
        """Requests per second over the wall clock of the run."""
        return len(self.latencies) / self.wall


@dataclass
class Batch:
    """One timed POST /zoning/check/batch."""

    parcels: int
    seconds: float
    status: int
    count: int
    errors: int
    error_codes: dict[str, int]


# --- the demo pack ---------------------------------------------------------------------------


def _rules_ready(folder: Path) -> str | None:
    """Return why the rules in `folder` cannot be used, or None if they validate."""
    from app.errors import RtrwError
    from app.services.rules.tables import read_rules

    if not (folder / "itbx.csv").exists():
        return "itbx.csv missing"
    try:
        read_rules(folder)
    except RtrwError as exc:
        return exc.message
    return None


def make_pack() -> tuple[Path, str, bool]:
    """Return the demo pack folder in bench/out, which rules it holds, and if data was cached.

    The manifest and rules are copied fresh each run (they are small and may change); the
    data files are generated once with the demo seed and reused.
    """
    PACK.mkdir(parents=True, exist_ok=True)
    shutil.copy2(DEMO / "region.toml", PACK / "region.toml")
    rules_dir = PACK / "rules"
    shutil.rmtree(rules_dir, ignore_errors=True)
    problem = _rules_ready(DEMO / "rules")
    if problem is None:
        shutil.copytree(DEMO / "rules", rules_dir)
        rules_label = "layers/batang-demo/rules"
    else:
        from tests.zoning_fixture import write_rules

        write_rules(rules_dir)
        rules_label = f"tests/zoning_fixture.py RULES (demo rules not usable: {problem})"
    manifest = read_manifest(PACK)
    cached = all((PACK / e.file).exists() for e in manifest.layers)
    if not cached:
        from app.demo.generate import generate

        generate(PACK / "data", seed=DEMO_SEED)
    return PACK, rules_label, cached


def pick_kblis(rules_dir: Path) -> list[str]:
    """Return the KBLI codes of the rules' activities, the preferred ones first."""
    with (rules_dir / "activities.csv").open(encoding="utf-8-sig", newline="") as fh:
        cells = [row.get("kbli") or "" for row in csv.DictReader(fh)]
    codes = [c.strip() for cell in cells for c in cell.split(";")]
    codes = [c for c in dict.fromkeys(codes) if c]
    first = [c for c in PREFERRED_KBLI if c in codes]
    return first + [c for c in codes if c not in first]


def kabupaten(pack: Path) -> shapely.Geometry:
    """Return the demo kabupaten polygon (EPSG:4326)."""
    frame = gpd.read_file(pack / "data" / "kabupaten.geojson").to_crs(4326)
    return shapely.union_all(frame.geometry.to_numpy())


def sample_points(poly: shapely.Geometry, n: int, seed: int) -> np.ndarray:
    """Return n (lon, lat) points drawn uniformly inside `poly` (bbox sampling, rejection)."""
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = poly.bounds
    shapely.prepare(poly)
    out: list[np.ndarray] = []
    have = 0
    while have < n:
        xy = np.column_stack([rng.uniform(x0, x1, 4 * n), rng.uniform(y0, y1, 4 * n)])
        keep = xy[shapely.contains_xy(poly, xy[:, 0], xy[:, 1])]
        out.append(keep)
        have += len(keep)
    return np.concatenate(out)[:n]


# --- the scale source ------------------------------------------------------------------------


def make_grid(n: int, bounds: Sequence[float], seed: int) -> tuple[Path, float, bool]:
    """Return a GeoPackage of about n quadrilaterals tiling `bounds` (EPSG:4326 lon/lat).

    The quads come from a lattice whose vertices are jittered by up to 20% of a cell, so
    neighbours share edges: the grid covers the bbox without gaps or overlaps. Generated once
    per (n, seed) into bench/out/; returns the path, seconds and whether it was cached.
    """
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"zoning_grid_n{n}_s{seed}_v{GRID_VERSION}.gpkg"
    t0 = time.perf_counter()
    if path.exists():
        return path, time.perf_counter() - t0, True
    to_utm = Transformer.from_crs(4326, METRIC_CRS, always_xy=True)
    xs, ys = to_utm.transform([bounds[0], bounds[2]], [bounds[1], bounds[3]])
    xmin, xmax, ymin, ymax = min(xs), max(xs), min(ys), max(ys)
    nx = int(np.ceil(np.sqrt(n * (xmax - xmin) / (ymax - ymin))))
    ny = int(np.ceil(n / nx))
    dx, dy = (xmax - xmin) / nx, (ymax - ymin) / ny
    rng = np.random.default_rng(seed)
    gx, gy = np.meshgrid(np.arange(nx + 1) * dx + xmin, np.arange(ny + 1) * dy + ymin)
    jx = rng.uniform(-0.2, 0.2, gx.shape) * dx
    jy = rng.uniform(-0.2, 0.2, gy.shape) * dy
    jx[:, [0, -1]] = 0.0  # keep the outer boundary straight
    jy[[0, -1], :] = 0.0
    vx, vy = gx + jx, gy + jy
    i, j = np.meshgrid(np.arange(nx), np.arange(ny))
    i, j = i.ravel()[:n], j.ravel()[:n]
    corners = [(j, i), (j, i + 1), (j + 1, i + 1), (j + 1, i), (j, i)]
    ring = np.stack([np.column_stack([vx[r, c], vy[r, c]]) for r, c in corners], axis=1)
    geoms = shapely.polygons(ring)
    codes_all = pyogrio.read_dataframe(DEMO / "data" / "pola_ruang.gpkg", read_geometry=False)
    counts = codes_all["KODSZN"].value_counts()
    classes, weights = counts.index.to_numpy(), counts.to_numpy(dtype=float)
    codes = classes[rng.choice(len(classes), n, p=weights / weights.sum())]
    frame = gpd.GeoDataFrame(
        {"KODSZN": codes, "NAMOBJ": [f"Blok {k + 1:07d}" for k in range(n)]},
        geometry=gpd.GeoSeries(geoms, crs=METRIC_CRS).to_crs(4326),
    )
    tmp = path.with_suffix(".tmp.gpkg")
    tmp.unlink(missing_ok=True)
    pyogrio.write_dataframe(frame, tmp, layer="pola_ruang", driver="GPKG")
    tmp.rename(path)
    return path, time.perf_counter() - t0, False


# --- the server --------------------------------------------------------------------------------


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    """Start uvicorn on the benchmark database; return the process once /health is 200."""
    port = free_port()
    env = {**os.environ, "RTRW_DATABASE_URL": url}
    cmd = [
        str(ROOT / ".venv" / "bin" / "uvicorn"), "app.main:app", "--host", "127.0.0.1",
        "--port", str(port), "--workers", str(workers), "--log-level", "warning",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"uvicorn exited with status {proc.returncode}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError("uvicorn did not answer /health within 60 s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """Terminate the uvicorn process (and its workers); kill it if it hangs."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --- the runs ----------------------------------------------------------------------------------


def run_threads(
    points: np.ndarray,
    clients: int,
    open_session: Callable[[], Any],
    one: Callable[[Any, float, float], bool],
    close: Callable[[Any], None],
) -> Stats:
    """Split the points over `clients` threads, each with its own session; time every call.

    Sessions are opened and warmed up (WARMUP calls in all) before the clock starts.
    """
    chunks = np.array_split(points, clients)
    warm = np.array_split(points[:WARMUP], clients)
    lat: list[list[float]] = [[] for _ in range(clients)]
    fails = [0] * clients
    ready = threading.Barrier(clients + 1)
    go = threading.Event()
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        session = open_session()
        try:
            for lon, lat_ in warm[k]:
                one(session, float(lon), float(lat_))
            ready.wait()
            go.wait()
            for lon, lat_ in chunks[k]:
                t0 = time.perf_counter()
                ok = one(session, float(lon), float(lat_))
                lat[k].append(time.perf_counter() - t0)
                fails[k] += not ok
        except BaseException as exc:  # reported by the caller
            errors.append(exc)
            ready.abort()
        finally:
            close(session)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        ready.wait()
    t0 = time.perf_counter()
    go.set()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    if errors:
        raise errors[0]
    return Stats(clients, np.array([x for part in lat for x in part]), wall, sum(fails))


def http_run(base: str, points: np.ndarray, kbli: str, clients: int) -> Stats:
    """GET /zoning/at for every point at `clients` concurrency (one keep-alive client each)."""

    def one(client: httpx.Client, lon: float, lat: float) -> bool:
        r = client.get("/zoning/at", params={"lon": lon, "lat": lat, "kbli": kbli})
        return r.status_code == 200

    return run_threads(
        points,
        clients,
        lambda: httpx.Client(base_url=base, timeout=30),
        one,
        lambda c: c.close(),
    )


def sql_run(url: str, vids: list[int], points: np.ndarray, clients: int) -> Stats:
    """Run the core point lookup once per point at `clients` concurrency (one connection each)."""

    def one(conn: psycopg.Connection, lon: float, lat: float) -> bool:
        conn.execute(SQL, (vids, lon, lat)).fetchall()
        return True

    return run_threads(
        points,
        clients,
        lambda: psycopg.connect(libpq_url(url), autocommit=True),
        one,
        lambda c: c.close(),
    )


def checked_version_ids(engine: Engine) -> list[int]:
    """Return the current version ids of every zoning, overlay and admin layer."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT current_version_id FROM layer "
                "WHERE kind IN ('zoning', 'overlay', 'admin')"
            )
        ).scalars()
        return [int(v) for v in rows]


def check_ids(engine: Engine) -> tuple[list[int], int]:
    """Return the current zoning/overlay/admin version ids and the zoning polygon count."""
    with engine.connect() as conn:
        vids = list(
            conn.execute(
                text(
                    "SELECT current_version_id FROM layer "
                    "WHERE kind IN ('zoning', 'overlay', 'admin') "
                    "AND current_version_id IS NOT NULL"
                )
            ).scalars()
        )
        count = conn.execute(
            text(
                "SELECT count(*) FROM feature f JOIN layer l "
                "ON l.current_version_id = f.version_id WHERE l.name = 'pola_ruang'"
            )
        ).scalar_one()
    return [int(v) for v in vids], int(count)


def parcels(poly: shapely.Geometry, n: int, kblis: Sequence[str], seed: int) -> dict[str, Any]:
    """Return a FeatureCollection of n squares (20-80 m sides, EPSG:4326) inside `poly`."""
    rng = np.random.default_rng(seed)
    centres = sample_points(poly, n, seed)
    to_utm = Transformer.from_crs(4326, METRIC_CRS, always_xy=True)
    to_geo = Transformer.from_crs(METRIC_CRS, 4326, always_xy=True)
    cx, cy = to_utm.transform(centres[:, 0], centres[:, 1])
    half = rng.uniform(10, 40, n)
    sx = np.array([-1, 1, 1, -1, -1])
    sy = np.array([-1, -1, 1, 1, -1])
    x = cx[:, None] + half[:, None] * sx
    y = cy[:, None] + half[:, None] * sy
    lon, lat = to_geo.transform(x.ravel(), y.ravel())
    lon, lat = np.asarray(lon).reshape(n, 5), np.asarray(lat).reshape(n, 5)
    feats = [
        {
            "type": "Feature",
            "properties": {"id": f"P{k + 1:05d}", "kbli": kblis[k % len(kblis)]},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[float(a), float(b)] for a, b in zip(lon[k], lat[k], strict=True)]
                ],
            },
        }
        for k in range(n)
    ]
    return {"type": "FeatureCollection", "features": feats}


def batch_run(base: str, collection: dict[str, Any]) -> Batch:
    """POST the collection once to /zoning/check/batch?format=json; time it and count errors."""
    n = len(collection["features"])
    with httpx.Client(base_url=base, timeout=600) as client:
        t0 = time.perf_counter()
        r = client.post("/zoning/check/batch", params={"format": "json"}, json=collection)
        seconds = time.perf_counter() - t0
    if r.status_code != 200:
        return Batch(n, seconds, r.status_code, 0, n, {f"HTTP {r.status_code}": n})
    body = r.json()
    codes: dict[str, int] = {}
    for row in body.get("rows", []):
        if row.get("error"):
            codes[row["error"]] = codes.get(row["error"], 0) + 1
    return Batch(n, seconds, 200, int(body.get("count", -1)), sum(codes.values()), codes)


def sql_batch(url: str, vids: list[int], collection: dict[str, Any]) -> tuple[float, int]:
    """Time the anchor: the plain one-statement PostGIS cut of the same parcels (no rules).

    Every parcel is intersected with every current zoning, overlay and admin feature it
    touches, in the metric CRS, the textbook way (ST_Transform of both sides per pair), and
    the cut parts are fetched as WKB: the work any service answering the batch must do.
    """
    wkbs = [
        shapely.to_wkb(shapely.geometry.shape(f["geometry"])) for f in collection["features"]
    ]
    query = """
        WITH p AS MATERIALIZED (
            SELECT t.pid, ST_GeomFromWKB(t.wkb, 4326) AS geom
            FROM unnest(%(pids)s::integer[], %(wkbs)s::bytea[]) AS t(pid, wkb))
        SELECT p.pid, f.version_id, f.fid,
               ST_AsBinary(ST_Intersection(ST_Transform(p.geom, %(srid)s),
                                           ST_Transform(f.geom, %(srid)s)))
        FROM p JOIN feature f ON f.version_id = ANY(%(vids)s) AND ST_Intersects(f.geom, p.geom)
        WHERE f.level IS NULL OR f.level >= 3
    """
    params = {"pids": list(range(len(wkbs))), "wkbs": wkbs, "vids": vids, "srid": 32749}
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        t0 = time.perf_counter()
        rows = conn.execute(query, params).fetchall()
        return time.perf_counter() - t0, len(rows)


def profile_points(url: str, points: np.ndarray, kbli: str, n: int = 200) -> None:
    """Time zoning.check_point in-process for n points under cProfile; print the top 10."""
    from app.services import zoning

    engine = make_engine(DatabaseSettings(url=url))
    try:
        with engine.connect() as conn:
            for lon, lat in points[:20]:  # warm caches (rule book, transformers)
                zoning.check_point(conn, float(lon), float(lat), kbli=kbli)
            sel = points[:n]
            prof = cProfile.Profile()
            t0 = time.perf_counter()
            prof.enable()
            for lon, lat in sel:
                zoning.check_point(conn, float(lon), float(lat), kbli=kbli)
            prof.disable()
            seconds = time.perf_counter() - t0
    finally:
        engine.dispose()
    n = len(sel)
    print(f"profile: check_point in-process, {n} points, {seconds / n * 1000:.2f} ms/point "
          "(under cProfile)")  # fmt: skip
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(10)
    lines = buf.getvalue().splitlines()
    start = next((i for i, s in enumerate(lines) if s.lstrip().startswith("ncalls")), 0)
    print("\n".join(lines[start:]))


# --- main --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Return the command-line options."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--points", type=int, default=1000, help="random points to check")
    p.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    p.add_argument("--parcels", type=int, default=10_000, help="parcels in the batch request")
    p.add_argument("--scale", type=int, default=1_000_000, help="polygons of the scale run")
    p.add_argument("--no-scale", action="store_true", help="skip the 1,000,000-polygon run")
    p.add_argument("--seed", type=int, default=20240601, help="seed of points and parcels")
    p.add_argument("--keep", action="store_true", help=f"keep the {DB_NAME} database")
    p.add_argument("--profile", action="store_true", help="cProfile check_point (200 points)")
    args = p.parse_args(argv)
    if args.points < WARMUP or args.workers < 1 or args.parcels < 1 or args.scale < 1:
        p.error(f"--points must be at least {WARMUP}; --workers, --parcels, --scale at least 1")
    return args


def fmt_ms(v: float) -> str:
    """Return a latency as '2.1 ms'."""
    return f"{v:.1f} ms" if v >= 1 else f"{v:.2f} ms"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the result block; return the exit status."""
    args = parse_args(argv)
    pack, rules_label, cached = make_pack()
    kblis = pick_kblis(pack / "rules")
    kbli = kblis[0]
    poly = kabupaten(pack)
    points = sample_points(poly, args.points, args.seed)
    print(f"pack: {pack.relative_to(ROOT)} (data {'cached' if cached else 'generated'}); "
          f"rules: {rules_label}; point kbli {kbli}")  # fmt: skip

    url = bench_url(DB_NAME)
    t0 = time.perf_counter()
    created = database.create_database(url)
    database.upgrade(url)
    engine = make_engine(DatabaseSettings(url=url))
    proc: subprocess.Popen[bytes] | None = None
    http: dict[int, Stats] = {}
    sql: dict[int, Stats] = {}
    scale: tuple[int, float, Stats, bool] | None = None
    try:
        with engine.begin() as conn:
            result = load_region(conn, pack)
        state = "created" if created else "exists"
        print(f"database: {make_url(url).database} ({state}); demo pack loaded "
              f"({len(result.reports)} layers) in {time.perf_counter() - t0:.1f} s")  # fmt: skip
        vids, zoning_count = check_ids(engine)
        proc, base = start_server(url, args.workers)
        print(f"server: {base}, uvicorn workers={args.workers}", flush=True)

        for c in CLIENTS:
            http[c] = http_run(base, points, kbli, c)
            print(f"http  {c} client(s): p50 {fmt_ms(http[c].p50)}  {http[c].rps:.0f} req/s  "
                  f"non-200 {http[c].failures}", flush=True)  # fmt: skip
            sql[c] = sql_run(url, vids, points, c)
            print(f"sql   {c} client(s): p50 {fmt_ms(sql[c].p50)}  {sql[c].rps:.0f} req/s",
                  flush=True)  # fmt: skip

        collection = parcels(poly, args.parcels, kblis[:3], args.seed + 1)
        batch = batch_run(base, collection)
        print(f"batch: {batch.parcels} parcels in {batch.seconds:.1f} s (HTTP {batch.status}, "
              f"errors {batch.error_codes or 0})", flush=True)  # fmt: skip
        checked_vids = checked_version_ids(engine)
        anchor_s, anchor_rows = sql_batch(url, checked_vids, collection)
        print(f"batch anchor (raw SQL cut): {anchor_s:.1f} s, {anchor_rows:,} parts", flush=True)

        if args.profile:
            profile_points(url, points, kbli)

        if not args.no_scale:
            path, gen_s, grid_cached = make_grid(args.scale, poly.bounds, args.seed)
            how = "cached" if grid_cached else "generated"
            size = path.stat().st_size / 1e6
            print(f"scale source: {path.relative_to(ROOT)} {size:.0f} MB, {how} in "
                  f"{gen_s:.1f} s (not counted)", flush=True)  # fmt: skip
            req = LoadRequest(path=path, name="pola_ruang", kind="zoning", metric_crs=METRIC_CRS)
            t1 = time.perf_counter()
            with engine.begin() as conn:
                report = load_layer(conn, req)
            load_s = time.perf_counter() - t1
            print(f"scale load: {report.written} polygons in {load_s:.1f} s", flush=True)
            _, scale_count = check_ids(engine)
            stats = http_run(base, points, kbli, 1)
            scale = (scale_count, load_s, stats, scale_count == report.written)
    finally:
        if proc is not None:
            stop_server(proc)
        engine.dispose()
        if args.keep:
            print(f"database kept: {url}")
        else:
            database.drop_database(url)

    print()
    print(f"point checks, demo region ({zoning_count:,} zoning polygons), {args.points} points, "
          f"uvicorn workers={args.workers}, kbli {kbli}")  # fmt: skip
    print(f"{'clients':<8} {'http p50':>9} {'http p99':>9} {'http req/s':>11}   "
          f"{'sql p50':>8} {'sql p99':>8} {'sql req/s':>10}   {'http/sql':>8}")  # fmt: skip
    for c in CLIENTS:
        h, s = http[c], sql[c]
        print(f"{c:<8} {fmt_ms(h.p50):>9} {fmt_ms(h.p99):>9} {h.rps:>11.0f}   "
              f"{fmt_ms(s.p50):>8} {fmt_ms(s.p99):>8} {s.rps:>10.0f}   "
              f"{h.rps / s.rps:>8.2f}")  # fmt: skip
    ok_ratio = all(http[c].rps / sql[c].rps >= 0.5 for c in CLIENTS)
    ok_p50 = http[1].p50 < 5
    print(f"target: http/sql >= 0.50 at 1 and 8 clients ({'met' if ok_ratio else 'MISSED'}); "
          f"http p50 (1 client) < 5 ms ({'met' if ok_p50 else 'MISSED'})")  # fmt: skip
    non200 = sum(http[c].failures for c in CLIENTS)
    if scale is not None:
        count, load_s, st, same = scale
        non200 += st.failures
        x = st.p50 / http[1].p50
        print(f"scale: {count:,} polygons loaded in {load_s:.0f} s; http p50 {fmt_ms(st.p50)} "
              f"(p99 {fmt_ms(st.p99)}, {st.rps:.0f} req/s) vs {fmt_ms(http[1].p50)} demo "
              f"({x:.2f}x, target <= 2x{'' if x <= 2 else ', MISSED'})")  # fmt: skip
    else:
        print("scale: skipped (--no-scale)")
    codes = ", ".join(f"{k} {v}" for k, v in sorted(batch.error_codes.items()))
    print(f"batch (demo zoning): {batch.parcels:,} parcels in {batch.seconds:.1f} s, "
          f"count {batch.count:,}, {batch.errors} errors{f' ({codes})' if codes else ''} "
          f"(target < 5 s{'' if batch.seconds < 5 else ', MISSED'}); raw SQL cut of the same "
          f"parcels (anchor) {anchor_s:.1f} s, ratio {batch.seconds / anchor_s:.2f}")  # fmt: skip
    print(f"responses: {non200} non-200 point checks")
    bad = non200 or batch.status != 200 or batch.count != batch.parcels
    bad = bad or (scale is not None and not scale[3])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
