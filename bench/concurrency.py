"""Benchmark one uvicorn worker under 1 client and under 64 while the zoning layer is reloaded.

Run: .venv/bin/python bench/concurrency.py [--clients 64] [--seconds 30] [--single 10]
     [--reloads 3] [--timeout 10] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

if __package__ in (None, ""):  # run as a script: make the `bench` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from app.db import make_engine  # noqa: E402
from app.services import database  # noqa: E402
from app.services.catalog.ingest import LoadRequest, load_layer  # noqa: E402
from app.services.catalog.manifest import read_manifest  # noqa: E402
from app.services.regions.packs import load_region, requests_for  # noqa: E402
from app.settings import DatabaseSettings  # noqa: E402
from bench.common import bench_url  # noqa: E402
from bench.zoning import (  # noqa: E402
    ROOT,
    kabupaten,
    make_pack,
    pick_kblis,
    sample_points,
    start_server,
    stop_server,
)

DB_NAME = "rtrw_bench_concurrency"
POINTS = 5_000
WARMUP = 50


@dataclass
class Run:
    """What the clients of one phase saw."""

    clients: int
    wall: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds, answered requests only
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)  # transport errors by class
    timeouts: int = 0
    versions: Counter[int] = field(default_factory=Counter)  # answers per zoning version
    mixed: int = 0  # answers that name a layer more than once or lack the zoning layer

    @property
    def requests(self) -> int:
        """Requests sent (answered, failed or timed out)."""
        return len(self.latencies) + sum(self.failures.values()) + self.timeouts

    @property
    def errors(self) -> int:
        """Answers other than 200, transport failures and inconsistent answers."""
        bad = sum(n for s, n in self.statuses.items() if s != 200)
        return bad + sum(self.failures.values()) + self.mixed

    @property
    def rps(self) -> float:
        """Answered requests per second of wall clock."""
        return len(self.latencies) / self.wall if self.wall else 0.0

    def pct(self, q: float) -> float:
        """Return the q-th percentile latency in ms."""
        return float(np.percentile(self.latencies, q) * 1000) if self.latencies else float("nan")


@dataclass
class Reload:
    """One reload of the zoning layer during the concurrent phase."""

    at: float  # seconds into the phase
    seconds: float
    ok: bool
    output: str


def record(run: Run, answer: dict[str, Any], zoning_layer: str) -> None:
    """Count the answer's zoning version; flag it if a layer is named twice or missing."""
    layers = answer.get("sources", {}).get("layers", [])
    names = [entry["layer"] for entry in layers]
    zoning = [entry["version"] for entry in layers if entry["layer"] == zoning_layer]
    if len(names) != len(set(names)) or len(zoning) != 1:
        run.mixed += 1
        return
    run.versions[zoning[0]] += 1


class Connection:
    """One keep-alive HTTP/1.1 connection on asyncio streams, for GET requests only.

    httpx's AsyncClient costs 3-11 ms of client CPU per request on this 2-core machine (more
    than the server's check), so the load generator would measure itself; this costs ~0.2 ms.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, target: str) -> tuple[int, bytes]:
        """Return the status and body of GET `target`, opening the connection if needed."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(f"GET {target} HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode())
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split()[1])
        headers = dict(h.split(":", 1) for h in head[1:] if ":" in h)
        fields = {k.strip().lower(): v.strip().lower() for k, v in headers.items()}
        if fields.get("transfer-encoding") == "chunked":
            raise RuntimeError("chunked responses are not expected from /zoning/at")
        body = await self.reader.readexactly(int(fields.get("content-length", "0")))
        if fields.get("connection") == "close":
            self.close()
        return status, body

    def close(self) -> None:
        """Drop the connection (the next get opens a new one)."""
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def drive(
    base: str,
    points: np.ndarray,
    kbli: str,
    clients: int,
    seconds: float,
    timeout: float,
    zoning_layer: str,
) -> Run:
    """GET /zoning/at from `clients` concurrent connections for `seconds`; return what they saw."""
    run = Run(clients)
    host, port = base.removeprefix("http://").split(":")
    t0 = time.perf_counter()
    deadline = t0 + seconds

    async def worker(k: int) -> None:
        conn = Connection(host, int(port))
        i = k
        while time.perf_counter() < deadline:
            lon, lat = points[i % len(points)]
            i += clients
            target = "/zoning/at?" + urlencode({"lon": lon, "lat": lat, "kbli": kbli})
            start = time.perf_counter()
            try:
                async with asyncio.timeout(timeout):
                    status, body = await conn.get(target)
            except TimeoutError:
                run.timeouts += 1
                conn.close()
                continue
            except (OSError, EOFError, asyncio.IncompleteReadError, ValueError) as exc:
                run.failures[type(exc).__name__] += 1
                conn.close()
                continue
            run.latencies.append(time.perf_counter() - start)
            run.statuses[status] += 1
            if status == 200:
                record(run, json.loads(body), zoning_layer)
        conn.close()

    await asyncio.gather(*(worker(k) for k in range(clients)))
    run.wall = time.perf_counter() - t0
    return run


def reloader(
    url: str, req: LoadRequest, count: int, seconds: float
) -> tuple[threading.Thread, list[Reload]]:
    """Return a thread that loads `req` as a new version `count` times, spread over `seconds`.

    It loads in this process with an engine of its own, as `rtrw layers load` would (the CLI
    would add seconds of interpreter start-up that compete with the clients for the CPU).
    """
    done: list[Reload] = []

    def go() -> None:
        engine = make_engine(DatabaseSettings(url=url, pool_size=1, max_overflow=0))
        t0 = time.perf_counter()
        try:
            for k in range(count):
                wait = t0 + seconds * (k + 1) / (count + 1) - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                at = time.perf_counter() - t0
                try:
                    with engine.begin() as conn:
                        report = load_layer(conn, req)
                    note, ok = f"{req.name} v{report.version}, {report.written:,} features", True
                except Exception as exc:  # reported, and the exit status says so
                    note, ok = f"{type(exc).__name__}: {exc}", False
                done.append(Reload(at, time.perf_counter() - t0 - at, ok, note))
        finally:
            engine.dispose()

    return threading.Thread(target=go, daemon=True), done


def fmt_ms(v: float) -> str:
    """Return a latency as '12.3 ms'."""
    return f"{v:.1f} ms"


def line(label: str, run: Run) -> str:
    """Return the result line of one phase."""
    other = sum(n for s, n in run.statuses.items() if s != 200) + sum(run.failures.values())
    return (
        f"{label:<12} {run.requests:>9,} {other + run.mixed:>7} {run.timeouts:>9} "
        f"{run.rps:>8.1f} {fmt_ms(run.pct(50)):>10} {fmt_ms(run.pct(99)):>10}"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Return the command-line options."""
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--clients", type=int, default=64, help="concurrent clients (phase b)")
    p.add_argument("--seconds", type=float, default=30, help="length of the concurrent phase")
    p.add_argument("--single", type=float, default=10, help="length of the 1-client phase")
    p.add_argument("--reloads", type=int, default=3, help="zoning reloads during phase b")
    p.add_argument("--timeout", type=float, default=10, help="client time-out per request, s")
    p.add_argument("--seed", type=int, default=20240601, help="seed of the points")
    p.add_argument("--keep", action="store_true", help=f"keep the {DB_NAME} database")
    args = p.parse_args(argv)
    if args.clients < 1 or args.seconds <= 0 or args.single <= 0 or args.reloads < 0:
        p.error("--clients at least 1, --seconds and --single positive, --reloads at least 0")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the result block; return the exit status."""
    args = parse_args(argv)
    pack, rules_label, cached = make_pack()
    kbli = pick_kblis(pack / "rules")[0]
    points = sample_points(kabupaten(pack), POINTS, args.seed)
    manifest = read_manifest(pack)
    zoning_entry = next(e for e in manifest.layers if e.kind == "zoning")
    print(f"pack: {pack.relative_to(ROOT)} (data {'cached' if cached else 'generated'}); "
          f"rules: {rules_label}; kbli {kbli}")  # fmt: skip

    url = bench_url(DB_NAME)
    t0 = time.perf_counter()
    created = database.create_database(url)
    database.upgrade(url)
    engine = make_engine(DatabaseSettings(url=url))
    proc: subprocess.Popen[bytes] | None = None
    try:
        with engine.begin() as conn:
            result = load_region(conn, pack)
        print(f"database: {DB_NAME} ({'created' if created else 'exists'}); demo pack loaded "
              f"({len(result.reports)} layers) in {time.perf_counter() - t0:.1f} s")  # fmt: skip
        proc, base = start_server(url, workers=1)
        print(f"server: {base}, one uvicorn worker", flush=True)

        warm = asyncio.run(
            drive(base, points[:WARMUP], kbli, 1, 2.0, args.timeout, zoning_entry.name)
        )
        if warm.errors or warm.timeouts:
            print(f"warm-up failed: {dict(warm.statuses)} {dict(warm.failures)}")
            return 1
        single = asyncio.run(
            drive(base, points, kbli, 1, args.single, args.timeout, zoning_entry.name)
        )
        print(line("1 client", single), flush=True)

        (req,) = requests_for(pack, manifest, only=[zoning_entry.name])
        thread, reloads = reloader(url, req, args.reloads, args.seconds)
        thread.start()  # the clients start right after; the first reload comes a while later
        many = asyncio.run(
            drive(base, points, kbli, args.clients, args.seconds, args.timeout, zoning_entry.name)
        )
        thread.join()
    finally:
        if proc is not None:
            stop_server(proc)
        engine.dispose()
        if args.keep:
            print(f"database kept: {url}")
        else:
            database.drop_database(url)

    print()
    print(f"/zoning/at on the demo region, one uvicorn worker, kbli {kbli}, "
          f"client time-out {args.timeout:g} s")  # fmt: skip
    print(f"{'clients':<12} {'requests':>9} {'errors':>7} {'time-outs':>9} {'req/s':>8} "
          f"{'p50':>10} {'p99':>10}")  # fmt: skip
    print(line("1", single))
    print(line(str(args.clients), many))
    ratio = many.rps / single.rps if single.rps else float("nan")
    print(f"throughput {args.clients} clients / 1 client: {ratio:.2f}")
    for k, r in enumerate(reloads, 1):
        state = "ok" if r.ok else "FAILED"
        print(f"reload {k}: at {r.at:.1f} s, {r.seconds:.1f} s, {state}: {r.output}")
    versions = ", ".join(f"v{v} {n:,}" for v, n in sorted(many.versions.items()))
    print(f"answers per {zoning_entry.name} version ({args.clients} clients): {versions}")
    print(f"answers naming a layer twice or missing the zoning layer: {single.mixed + many.mixed}")
    codes = single.statuses + many.statuses
    print(f"statuses: {dict(sorted(codes.items()))}; transport failures: "
          f"{dict(single.failures + many.failures) or 0}")  # fmt: skip
    bad = single.errors + many.errors + single.timeouts + many.timeouts
    bad += sum(not r.ok for r in reloads) + (len(reloads) != args.reloads)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
