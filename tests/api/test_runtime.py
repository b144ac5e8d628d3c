"""The runtime core under load and faults: many clients, a dead database, slow queries,
a PostgreSQL restart, and settings that do not validate."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import anyio.to_thread
import httpx
import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pyproj import Transformer
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from app.api.deps import Db
from app.cli import app as cli
from app.db import make_engine, sqlalchemy_url
from app.errors import DatabaseUnavailable, QueryTimeout, database_error
from app.main import create_app, worker_threads
from app.settings import (
    ApiSettings,
    DatabaseSettings,
    InvalidSettings,
    load_settings,
)
from tests.fixtures import X0, Y0

ROOT = Path(__file__).resolve().parents[2]
TO_WGS = Transformer.from_crs(32749, 4326, always_xy=True)
LON, LAT = TO_WGS.transform(X0 + 20, Y0 + 50)  # zone R-2 of tests/zoning_fixture.py
AT = {"lon": LON, "lat": LAT, "kbli": "47111"}


def closed_port() -> int:
    """Return a loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _burst(app: FastAPI, clients: int, rounds: int) -> tuple[list[int], float]:
    """Run `clients` concurrent GET /zoning/at, `rounds` each, through the app's lifespan."""
    statuses: list[int] = []
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:

            async def one() -> None:
                for _ in range(rounds):
                    statuses.append((await client.get("/zoning/at", params=AT)).status_code)

            t0 = time.perf_counter()
            await asyncio.gather(*(one() for _ in range(clients)))
            return statuses, time.perf_counter() - t0


def test_many_clients_do_not_starve_a_small_pool(planning_area: Engine, database_url: str) -> None:
    # A 2-connection pool under 64 concurrent clients, with more worker threads (20) than
    # connections: a request that waits for a connection must not keep one that a finished
    # request needs a thread to give back.
    small = create_engine(sqlalchemy_url(database_url), pool_size=2, max_overflow=0, pool_timeout=3)
    try:
        statuses, seconds = asyncio.run(_burst(create_app(engine=small), clients=64, rounds=3))
    finally:
        small.dispose()
    assert statuses.count(200) == 64 * 3, sorted(set(statuses))
    assert seconds < 20


def test_threads_are_sized_to_the_pool(engine: Engine) -> None:
    settings = load_settings(database=DatabaseSettings(pool_size=3, max_overflow=4))
    assert worker_threads(settings) == 7
    app = create_app(settings=settings, engine=engine)

    async def tokens() -> float:
        async with app.router.lifespan_context(app):
            return anyio.to_thread.current_default_thread_limiter().total_tokens

    assert asyncio.run(tokens()) == 7


def test_unreachable_database_is_503_json(monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/nowhere"
    settings = load_settings(database=DatabaseSettings(url=url, connect_timeout_s=2))
    with TestClient(create_app(settings=settings)) as client:
        for path, params in [("/health", {}), ("/layers", {}), ("/zoning/at", AT)]:
            r = client.get(path, params=params)
            assert r.status_code == 503, (path, r.text)
            assert r.headers["content-type"] == "application/json"
            assert r.json()["error"] == "database_unavailable"
            assert "127.0.0.1" not in r.json()["detail"]  # no server details leak out
            assert int(r.headers["Retry-After"]) > 0


def test_exhausted_pool_is_503(database_url: str) -> None:
    one = create_engine(sqlalchemy_url(database_url), pool_size=1, max_overflow=0, pool_timeout=0.5)
    try:
        with TestClient(create_app(engine=one)) as client, one.connect():  # the only connection
            r = client.get("/health")
        assert r.status_code == 503 and r.json()["error"] == "database_unavailable"
        assert "busy" in r.json()["detail"] and r.headers["Retry-After"]
    finally:
        one.dispose()


def test_database_errors_are_classified() -> None:
    assert isinstance(database_error(psycopg.OperationalError("down")), DatabaseUnavailable)
    assert isinstance(database_error(psycopg.errors.QueryCanceled("slow")), QueryTimeout)
    assert database_error(psycopg.errors.UndefinedTable("a bug")) is None
    assert database_error(ValueError("not the database")) is None


def _sleepy_app(engine: Engine) -> FastAPI:
    app = create_app(engine=engine)

    @app.get("/sleep")
    def sleep(db: Db) -> str:
        def query(conn: Connection) -> str:
            return str(conn.execute(text("SELECT pg_sleep(2)")).scalar())

        return db.run(query)

    return app


def test_statement_timeout_is_504(database_url: str) -> None:
    slow = make_engine(DatabaseSettings(url=database_url, pool_size=1, statement_timeout_ms=100))
    try:
        with TestClient(_sleepy_app(slow)) as client:
            t0 = time.perf_counter()
            r = client.get("/sleep")
            assert time.perf_counter() - t0 < 1.5  # cancelled at 100 ms, not retried
            assert r.status_code == 504, r.text
            assert r.json()["error"] == "timeout"
            assert client.get("/health").status_code == 200  # the connection is still good
    finally:
        slow.dispose()


def test_batch_past_the_statement_timeout_is_504(planning_area: Engine, database_url: str) -> None:
    # A real endpoint: 3,000 parcels cannot be cut in 1 ms.
    slow = make_engine(DatabaseSettings(url=database_url, pool_size=1, statement_timeout_ms=1))
    lons = [LON + (i % 60) * 1e-6 for i in range(3000)]
    rows = "id,lon,lat,kbli\n" + "".join(f"p{i},{x},{LAT},47111\n" for i, x in enumerate(lons))
    try:
        with TestClient(create_app(engine=slow)) as client:
            r = client.post(
                "/zoning/check/batch",
                content=rows.encode(),
                headers={"content-type": "text/csv"},
            )
    finally:
        slow.dispose()
    assert r.status_code == 504, r.text[:300]
    assert r.json()["error"] == "timeout"


def test_unexpected_errors_are_json_500(engine: Engine) -> None:
    app = create_app(engine=engine)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/boom")
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/json"
    assert r.json()["error"] == "internal_error" and "a bug" not in r.text


def test_terminated_backends_are_reconnected_without_errors(
    planning_area: Engine, database_url: str
) -> None:
    # pg_terminate_backend on every pooled connection is what a PostgreSQL restart does to
    # the pool; the next requests must succeed.
    tag = f"rtrw_restart_{uuid.uuid4().hex[:8]}"  # this test's connections, no one else's
    tagged = make_url(database_url).update_query_dict({"application_name": tag})
    own = make_engine(
        DatabaseSettings(url=tagged.render_as_string(hide_password=False), pool_size=3)
    )
    try:
        with TestClient(create_app(engine=own)) as client:
            with own.connect(), own.connect():  # put three connections in the pool
                assert client.get("/zoning/at", params=AT).status_code == 200
            with planning_area.connect() as conn:
                killed = conn.execute(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND application_name = :tag"
                    ),
                    {"tag": tag},
                ).scalar_one()
            assert killed == 3
            t0 = time.perf_counter()
            for path, params in [("/zoning/at", AT), ("/layers", {}), ("/health", {})] * 3:
                r = client.get(path, params=params)
                assert r.status_code == 200, (path, r.text)
            assert time.perf_counter() - t0 < 5
            assert client.get("/zoning/at", params=AT).json()["verdict"] == "T"
    finally:
        own.dispose()


def test_outage_statuses_are_documented(engine: Engine) -> None:
    spec = create_app(engine=engine).openapi()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert {"503", "504"} <= set(op["responses"]), (method, path)


# --- settings ---------------------------------------------------------------------------------


def test_settings_are_read_at_startup(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, load, tmp_path: Path
) -> None:
    settings = load_settings(api=ApiSettings(default_limit=1, max_limit=2))
    app = create_app(settings=settings, engine=engine)
    assert app.state.settings is settings
    monkeypatch.setenv("RTRW_API_MAX_LIMIT", "1000")  # read once: later changes do not count
    with TestClient(app) as client:
        r = client.get("/layers/anything/features", params={"limit": 3})
    assert r.status_code == 422 and "at most 2" in r.json()["detail"]


@pytest.mark.parametrize(
    "env, names",
    [
        ({"RTRW_DATABASE_POOL_SIZE": "abc"}, ["RTRW_DATABASE_POOL_SIZE='abc'", "valid integer"]),
        ({"RTRW_API_MAX_LIMIT": "0"}, ["RTRW_API_MAX_LIMIT='0'", "greater than or equal to 1"]),
        ({"RTRW_API_DEFAULT_LIMIT": "50", "RTRW_API_MAX_LIMIT": "10"}, ["exceeds"]),
        ({"RTRW_DATABASE_URL": "mysql://u:secret@h/db"}, ["RTRW_DATABASE_URL", "postgresql"]),
        ({"RTRW_API_CORS_ORIGINS": "not json"}, ["RTRW_API_CORS_ORIGINS"]),
    ],
)
def test_invalid_settings_are_refused(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], names: list[str]
) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(InvalidSettings) as info:
        create_app()
    for name in names:
        assert name in str(info.value)
    assert "secret" not in str(info.value)


def test_serve_refuses_invalid_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTRW_DATABASE_POOL_SIZE", "abc")
    monkeypatch.setenv("RTRW_API_MAX_LIMIT", "0")
    r = CliRunner().invoke(cli, ["serve", "--port", str(closed_port())])
    assert r.exit_code == 2, r.output
    assert "RTRW_DATABASE_POOL_SIZE" in r.output and "RTRW_API_MAX_LIMIT" in r.output
    assert "Traceback" not in r.output


@pytest.mark.slow
def test_uvicorn_refuses_invalid_settings() -> None:
    env = {**os.environ, "RTRW_API_MAX_LIMIT": "0"}
    cmd = [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(closed_port())]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "RTRW_API_MAX_LIMIT='0'" in proc.stderr and "Traceback" not in proc.stderr
