"""A throw-away PostGIS database for the session, migrated with Alembic; fixtures on top."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from app.db import make_engine
from app.main import create_app
from app.services import database
from app.services.catalog import layers as catalog
from app.services.catalog.ingest import LoadReport, LoadRequest, load_layer
from app.settings import DatabaseSettings

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """Create rtrw_test_<random>, migrate it to head, drop it at the end."""
    base = os.environ.get("RTRW_TEST_DATABASE_URL") or DatabaseSettings().url
    name = f"rtrw_test_{uuid.uuid4().hex[:10]}"
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    database.create_database(url)
    try:
        database.upgrade(url)
        yield url
    finally:
        database.drop_database(url)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """A pooled engine on the test database."""
    eng = make_engine(DatabaseSettings(url=database_url, pool_size=4))
    yield eng
    eng.dispose()


@pytest.fixture(scope="session", autouse=True)
def raster_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The raster store of the whole session: a throw-away folder set as RTRW_RASTERS_DIR."""
    from app.settings import raster_settings

    store = tmp_path_factory.mktemp("rasters")
    before = os.environ.get("RTRW_RASTERS_DIR")
    os.environ["RTRW_RASTERS_DIR"] = str(store)
    raster_settings.cache_clear()
    yield store
    if before is None:
        os.environ.pop("RTRW_RASTERS_DIR", None)
    else:
        os.environ["RTRW_RASTERS_DIR"] = before
    raster_settings.cache_clear()


@pytest.fixture
def clean(engine: Engine, raster_store: Path) -> Engine:
    """Start the test with an empty catalog (every layer, raster, region, project and PPID row
    dropped, and the raster store emptied)."""
    return empty_catalog(engine, raster_store)


def empty_catalog(engine: Engine, raster_store: Path) -> Engine:
    """Drop every layer, raster, region, project and PPID row and empty the raster store."""
    import shutil

    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM raster")  # its versions and events go with it
        for name, region in catalog.layer_keys(conn):
            catalog.drop_layer(conn, name, region)
        conn.exec_driver_sql("DELETE FROM region")
        conn.exec_driver_sql("DELETE FROM rule_set")
        # budget projects and PPID rows hang off the regions' desa: they go with them
        conn.exec_driver_sql("DELETE FROM project")
        conn.exec_driver_sql("DELETE FROM project_import")
        conn.exec_driver_sql("DELETE FROM ppid")
    for child in raster_store.iterdir():
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()
    return engine


@pytest.fixture
def load(clean: Engine):
    """Return a function that loads a file as a layer in its own transaction."""

    def _load(path: Path, name: str, kind: str, **kw: object) -> LoadReport:
        with clean.begin() as conn:
            return load_layer(conn, LoadRequest(path=path, name=name, kind=kind, **kw))  # type: ignore[arg-type]

    return _load


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    """A TestClient of the app on the test database."""
    with TestClient(create_app(engine=engine)) as c:
        yield c


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the CLI's settings at the test database."""
    from app.settings import database_settings

    monkeypatch.setenv("RTRW_DATABASE_URL", database_url)
    database_settings.cache_clear()
    yield database_url
    database_settings.cache_clear()


def shared_file(*parts: str) -> Path:
    """Return a file of ../shared/data, skipping the test when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not present: {path}")
    return path


DEMO_PACK = Path(__file__).resolve().parents[1] / "layers" / "batang-demo"


@pytest.fixture(scope="session")
def demo_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo pack's manifest and rules with freshly generated data files."""
    import shutil

    from app.demo.generate import generate

    pack = tmp_path_factory.mktemp("batang-demo")
    shutil.copy(DEMO_PACK / "region.toml", pack / "region.toml")
    shutil.copytree(DEMO_PACK / "rules", pack / "rules")
    generate(pack / "data")
    return pack


# What the catalog held right after `demo_region` loaded the demo (sequence ids never come back,
# so the same ids mean no test has cleaned or reloaded anything since).
_DEMO_LOADED: dict[str, object] = {}
CATALOG_IDS_SQL = (
    "SELECT (SELECT array_agg(id ORDER BY id) FROM layer_version), "
    "(SELECT array_agg(id ORDER BY id) FROM raster_version), "
    "(SELECT array_agg(id ORDER BY id) FROM rule_set), "
    "(SELECT array_agg(id ORDER BY id) FROM region)"
)


@pytest.fixture(scope="module")
def demo_region(engine: Engine, demo_pack: Path, raster_store: Path) -> Engine:
    """The whole demo region loaded for a module (~10 s); a later module reuses the load while
    the catalog still holds exactly what it loaded."""
    from app.services.regions.packs import load_region

    with engine.connect() as conn:
        ids = tuple(conn.exec_driver_sql(CATALOG_IDS_SQL).one())
    if _DEMO_LOADED.get("ids") != ids:
        empty_catalog(engine, raster_store)
        with engine.begin() as conn:
            load_region(conn, demo_pack)
        with engine.connect() as conn:
            _DEMO_LOADED["ids"] = tuple(conn.exec_driver_sql(CATALOG_IDS_SQL).one())
    return engine


@pytest.fixture
def planning_area(load, clean: Engine, tmp_path: Path) -> Engine:
    """The hand-computable planning area of tests/zoning_fixture.py, with its rules loaded."""
    from app.services import rules
    from tests.zoning_fixture import write_layers, write_rules

    files = write_layers(tmp_path / "data")
    load(files["zona"], "zona", "zoning")
    load(files["desa"], "desa", "admin")
    load(files["lp2b"], "lp2b", "overlay", field_map={"code": "KELAS"})
    with clean.begin() as conn:
        rules.load_rules(conn, write_rules(tmp_path / "rules"))
    return clean


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """Debian's Chromium driven by Playwright (never a downloaded browser); skip without it.

    One Playwright per test module: its sync API cannot be started twice at once, and while it
    runs it keeps an asyncio loop on the main thread (asyncio.run elsewhere would fail).
    """
    import shutil

    sync_api = pytest.importorskip("playwright.sync_api")
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        pytest.skip("no Chromium on this machine (scripts/setup.sh installs Debian's)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        yield browser
        browser.close()
