"""A throw-away PostGIS database for the session, migrated with Alembic; fixtures on top."""

from __future__ import annotations

import copy
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
        count_writes(url)
        yield url
    finally:
        database.drop_database(url)


# Tables outside the prepared states (`clean`, `planning_area`, the demo): empty_catalog leaves
# them as they are, so a write there does not spoil a state.
UNCOUNTED_TABLES = ("alembic_version", "spatial_ref_sys", "api_key", "audit_event")
# How many statements have written each table (NULL: none yet)
WRITES_SQL = (
    "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'rtrw_test' ORDER BY 1"
)


def count_writes(url: str) -> None:
    """Count the statements that write each table of the test database's catalog.

    A statement trigger on each table (partitioned parents included) bumps the sequence of
    that name in the schema rtrw_test, whoever writes: this process, a CLI subprocess, a live
    server. A sequence is not rolled back, so even a write that was undone counts. A state
    fixture notes the counts after building its state; the same counts later mean nothing
    wrote since.
    """
    eng = make_engine(url=url)
    try:
        with eng.begin() as conn:
            conn.exec_driver_sql("CREATE SCHEMA rtrw_test")
            conn.exec_driver_sql(
                "CREATE FUNCTION rtrw_test.count_write() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN PERFORM nextval('rtrw_test.' || quote_ident(TG_TABLE_NAME)); "
                "RETURN NULL; END $$"
            )
            tables = conn.exec_driver_sql(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
                "AND c.relname <> ALL(%(skip)s) ORDER BY 1",
                {"skip": list(UNCOUNTED_TABLES)},
            ).scalars()
            for table in list(tables):
                conn.exec_driver_sql(f'CREATE SEQUENCE rtrw_test."{table}"')
                conn.exec_driver_sql(
                    "CREATE TRIGGER rtrw_test_writes AFTER INSERT OR UPDATE OR DELETE OR "
                    f'TRUNCATE ON public."{table}" FOR EACH STATEMENT '
                    "EXECUTE FUNCTION rtrw_test.count_write()"
                )
    finally:
        eng.dispose()


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


class CatalogState:
    """Which prepared state the test database holds (empty, the planning area, the demo) and
    whether anything has written to it since it was built.

    Building a state costs from a fraction of a second (emptying) to ~10 s (the demo region);
    most tests only read it. A test asks for its state by fixture (`clean`, `planning_area`,
    `demo_catalog`, `demo_region`, or a state of its own through `planning_area_with`,
    `demo_with`, `catalog_with`); the state is built again only when the database no longer
    holds it: another state was asked for, or something wrote to the catalog since (the
    counts of count_writes) or to the raster store. So a test may change what it was given:
    the next test that asks for that state gets it afresh, or reset when the state says how
    to undo writes to the tables that were written.
    """

    def __init__(self, engine: Engine, raster_store: Path) -> None:
        self.engine = engine
        self.raster_store = raster_store
        self.name: str | None = None
        self.mark: Mark | None = None
        self.builds: dict[str, int] = {}
        self.log: list[str] = []  # why each state was built, for `pytest -vv`

    def _mark(self) -> Mark:
        """Return the write counts and the raster store's files: equal marks, same state."""
        with self.engine.connect() as conn:
            writes = {table: n for table, n in conn.exec_driver_sql(WRITES_SQL)}
        files = sorted(str(p.relative_to(self.raster_store)) for p in self.raster_store.rglob("*"))
        return Mark(writes, tuple(files))

    def ensure(
        self,
        name: str,
        build: Callable[[Engine], object] | None = None,
        reset: Reset | None = None,
        on: tuple[str, Callable[[Engine], object]] | None = None,
    ) -> Engine:
        """Make the database hold state `name`: kept when it does, reset when only the tables
        `reset` undoes were written, else emptied and built. With `on` = (base, add), a
        database holding state `base` untouched gets only add(engine) (the rest of `build`)."""
        why = f"after {self.name}"
        if on is not None and self.name == on[0] and self._mark() == self.mark:
            self.log.append(f"{name} (on {on[0]}) for {os.environ.get('PYTEST_CURRENT_TEST')}")
            self.name = None
            on[1](self.engine)
            return self._built(name)
        if self.name == name and self.mark is not None:
            now = self._mark()
            if now == self.mark:
                return self.engine
            written = now.written_since(self.mark)
            if reset is not None and written <= set(reset.tables):
                reset.undo(self.engine)
                self.mark = self._mark()
                return self.engine
            why = f"written: {', '.join(sorted(written))}"
        self.log.append(f"{name} ({why}) for {os.environ.get('PYTEST_CURRENT_TEST', '?')}")
        self.name = None
        if not self.holds_empty():
            empty_catalog(self.engine, self.raster_store)
        if build is not None:
            build(self.engine)
        return self._built(name)

    def _built(self, name: str) -> Engine:
        """Note that the database now holds state `name`, as it is now."""
        self.name, self.mark = name, self._mark()
        self.builds[name] = self.builds.get(name, 0) + 1
        return self.engine

    def holds_empty(self) -> bool:
        """Return whether the catalog is empty: no layer, raster, region, rule set, project,
        PPID row or stored raster file (cheaper than emptying it again)."""
        with self.engine.connect() as conn:
            held = conn.exec_driver_sql(EMPTY_SQL).scalar_one()
        return not held and not any(self.raster_store.iterdir())


@dataclass(frozen=True)
class Mark:
    """What a state looked like: statements that wrote each table, files of the raster store."""

    writes: dict[str, int | None]
    files: tuple[str, ...]

    def written_since(self, before: Mark) -> set[str]:
        """Return the tables written since `before` (and RASTER_STORE if its files changed)."""
        written = {table for table, n in self.writes.items() if before.writes.get(table) != n}
        return written | ({RASTER_STORE} if self.files != before.files else set())


RASTER_STORE = "raster store"  # in Mark.written_since: the raster store's files changed


@dataclass(frozen=True)
class Reset:
    """How a state undoes a test's writes to some tables (instead of being built again)."""

    tables: tuple[str, ...]
    undo: Callable[[Engine], object]


# A state without budget projects: what a test imported, placed or flagged is deleted.
NO_PROJECTS = Reset(
    ("project", "project_flag", "project_import"),
    lambda engine: delete_projects(engine),
)


def delete_projects(engine: Engine) -> None:
    """Delete every budget project, its flags and the import records."""
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM project_flag")
        conn.exec_driver_sql("DELETE FROM project")
        conn.exec_driver_sql("DELETE FROM project_import")


def delete_additions(engine: Engine, raster_store: Path) -> None:
    """Delete every budget project, PPID row and raster (the store emptied too)."""
    delete_projects(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM ppid")
        conn.exec_driver_sql("DELETE FROM raster")  # its versions and events go with it
    empty_store(raster_store)


def no_additions(raster_store: Path) -> Reset:
    """Return the reset of a state without projects, PPID rows or rasters (the planning area):
    what a test added of those is deleted."""
    tables = ("project", "project_flag", "project_import", "ppid", "raster", "raster_version")
    return Reset(
        (*tables, "raster_event", RASTER_STORE), lambda e: delete_additions(e, raster_store)
    )


EMPTY_SQL = (
    "SELECT EXISTS (SELECT FROM layer) OR EXISTS (SELECT FROM raster) "
    "OR EXISTS (SELECT FROM region) OR EXISTS (SELECT FROM rule_set) "
    "OR EXISTS (SELECT FROM project) OR EXISTS (SELECT FROM project_import) "
    "OR EXISTS (SELECT FROM ppid)"
)


_STATES: list[CatalogState] = []  # the session's, for the summary


@pytest.fixture(scope="session")
def catalog_state(engine: Engine, raster_store: Path) -> CatalogState:
    """The prepared state the test database holds (see CatalogState)."""
    _STATES.append(CatalogState(engine, raster_store))
    return _STATES[-1]


@pytest.fixture
def clean(catalog_state: CatalogState) -> Engine:
    """Start the test with an empty catalog (every layer, raster, region, project and PPID row
    dropped, and the raster store emptied)."""
    return catalog_state.ensure("empty")


def empty_catalog(engine: Engine, raster_store: Path) -> Engine:
    """Drop every layer, raster, region, project and PPID row and empty the raster store."""
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
    empty_store(raster_store)
    return engine


def empty_store(raster_store: Path) -> None:
    """Delete every file and folder of the raster store."""
    import shutil

    for child in raster_store.iterdir():
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()


@pytest.fixture
def loader(engine: Engine) -> Callable[..., LoadReport]:
    """Return a function that loads a file as a layer in its own transaction (on whatever the
    catalog holds: use it beside `planning_area` or a demo fixture)."""

    def _load(path: Path, name: str, kind: str, **kw: object) -> LoadReport:
        with engine.begin() as conn:
            return load_layer(conn, LoadRequest(path=path, name=name, kind=kind, **kw))  # type: ignore[arg-type]

    return _load


@pytest.fixture
def load(clean: Engine, loader: Callable[..., LoadReport]) -> Callable[..., LoadReport]:
    """Return a function that loads a file as a layer, on an empty catalog."""
    return loader


@pytest.fixture(scope="session")
def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of an app with the default settings, built once (~0.5 s a build).

    The app reads it on its first public POST (the CORS policy's list of keyless POST routes)
    and on a control character in a path; every `client` app has the same routes, so each gets
    a copy instead of building its own.
    """
    return create_app().openapi()


@pytest.fixture
def client(engine: Engine, openapi_document: dict[str, Any]) -> Iterator[TestClient]:
    """A TestClient of the app on the test database."""
    app = create_app(engine=engine)
    app.openapi_schema = copy.deepcopy(openapi_document)
    with TestClient(app) as c:
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
    """A copy of the demo pack's manifest and rules with freshly generated data files.

    Written once a run: pytest-xdist workers share it (the first writes it under a lock, the
    others wait and read it); tests only read it.
    """
    import fcntl
    import shutil

    from app.demo.generate import generate

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's folder, above each worker's own
    pack, done = root / "batang-demo", root / "batang-demo.done"
    with open(root / "batang-demo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(pack, ignore_errors=True)  # a worker that died half-way
            pack.mkdir()
            shutil.copy(DEMO_PACK / "region.toml", pack / "region.toml")
            shutil.copytree(DEMO_PACK / "rules", pack / "rules")
            generate(pack / "data")
            done.touch()
    return pack


def load_demo(pack: Path) -> Callable[[Engine], object]:
    """Return a builder that loads the demo pack `pack` (layers, rules, rasters, PPID, budgets)."""

    def build(engine: Engine) -> None:
        from app.services.regions.packs import load_region

        with engine.begin() as conn:
            load_region(conn, pack)

    return build


@pytest.fixture(scope="module")
def demo_region(catalog_state: CatalogState, demo_pack: Path) -> Engine:
    """The whole demo region loaded (~10 s), checked once for a module (for module-scoped
    fixtures built on it); reused while nothing has written to the catalog since it was loaded."""
    return catalog_state.ensure("demo", load_demo(demo_pack))


@pytest.fixture
def demo_catalog(catalog_state: CatalogState, demo_pack: Path) -> Engine:
    """The whole demo region loaded, checked before each test (loaded again only when a test
    changed it)."""
    return catalog_state.ensure("demo", load_demo(demo_pack))


@pytest.fixture(scope="session")
def demo_with(catalog_state: CatalogState, demo_pack: Path) -> Callable[..., Engine]:
    """Return ensure(name, add, reset=None): the demo region plus what add(engine) does to it,
    a state of its own named `name` (built once, reused while unchanged, or reset)."""

    def ensure(name: str, add: Callable[[Engine], object], reset: Reset | None = None) -> Engine:
        def build(engine: Engine) -> None:
            load_demo(demo_pack)(engine)
            add(engine)

        return catalog_state.ensure(f"demo+{name}", build, reset, on=("demo", add))

    return ensure


@pytest.fixture(scope="session")
def catalog_with(catalog_state: CatalogState) -> Callable[..., Engine]:
    """Return ensure(name, build, reset=None): what build(engine) puts in an empty catalog, a
    state of its own named `name` (built once, reused while unchanged, or reset)."""
    return catalog_state.ensure


@pytest.fixture(scope="session")
def planning_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The planning area's layer files and rule folder of tests/zoning_fixture.py, written once."""
    from tests.zoning_fixture import write_layers, write_rules

    folder = tmp_path_factory.mktemp("planning_area")
    return {**write_layers(folder / "data"), "rules": write_rules(folder / "rules")}


@pytest.fixture
def planning_area(catalog_state: CatalogState, planning_files: dict[str, Path]) -> Engine:
    """The hand-computable planning area of tests/zoning_fixture.py, with its rules loaded
    (loaded again only when a test changed it; add layers with `loader`, not `load`)."""
    reset = no_additions(catalog_state.raster_store)
    return catalog_state.ensure("planning_area", load_planning_area(planning_files), reset)


@pytest.fixture(scope="session")
def planning_area_with(
    catalog_state: CatalogState, planning_files: dict[str, Path]
) -> Callable[..., Engine]:
    """Return ensure(name, add, reset=None): the planning area plus what add(engine) puts on
    it, a state of its own named `name` (built once, reused while unchanged, or reset)."""

    def ensure(name: str, add: Callable[[Engine], object], reset: Reset | None = None) -> Engine:
        def build(engine: Engine) -> None:
            load_planning_area(planning_files)(engine)
            add(engine)

        on = ("planning_area", add)
        return catalog_state.ensure(f"planning_area+{name}", build, reset, on=on)

    return ensure


def load_planning_area(files: dict[str, Path]) -> Callable[[Engine], object]:
    """Return a builder that loads the planning area's layers and rules from `files`."""

    def build(engine: Engine) -> None:
        from app.services import rules

        for name, kind, kw in PLANNING_LAYERS:  # each in its own transaction, as `load` does
            with engine.begin() as conn:
                load_layer(conn, LoadRequest(path=files[name], name=name, kind=kind, **kw))
        with engine.begin() as conn:
            rules.load_rules(conn, files["rules"])

    return build


PLANNING_LAYERS: list[tuple[str, str, dict[str, Any]]] = [
    ("zona", "zoning", {}),
    ("desa", "admin", {}),
    ("lp2b", "overlay", {"field_map": {"code": "KELAS"}}),
]


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


# The prepared states, by the fixture that asks for each (`load` asks for `clean`); the
# `_with` fixtures build states of their own on top of one.
STATE_FIXTURES = {
    "clean": "empty",
    "catalog_with": "empty",
    "planning_area": "planning_area",
    "planning_area_with": "planning_area+",
    "demo_catalog": "demo",
    "demo_region": "demo",
    "demo_with": "demo+",
}


def state_of(item: pytest.Item) -> str | None:
    """Return the prepared state a test asks for (None: none); a UsageError if it asks for two."""
    names = getattr(item, "fixturenames", ())
    states = {STATE_FIXTURES[f] for f in names if f in STATE_FIXTURES}
    if len(states) > 1:
        raise pytest.UsageError(
            f"{item.nodeid} asks for two catalog states ({', '.join(sorted(states))}): "
            "add layers to planning_area or the demo with `loader`, not `load`/`clean`"
        )
    return next(iter(states), None)


STATE_ORDER = {None: 0, "empty": 1, "planning_area": 2, "planning_area+": 3, "demo": 4, "demo+": 5}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests grouped by the catalog state they ask for, so each state is built as few
    times as possible; refuse a test that asks for two states (it would get neither).

    A module's tests stay together (its module-scoped fixtures are set up once): within it they
    run by state (none, empty, planning area, planning area and more, demo, demo and more), in
    file order within each state; modules run by the last state they need, then the first,
    then in collection order. Deterministic.
    """
    errors, rank = [], {}
    for item in items:
        try:
            rank[item.nodeid] = STATE_ORDER[state_of(item)]
        except pytest.UsageError as exc:
            errors.append(str(exc))
    if errors:
        raise pytest.UsageError("\n".join(errors))
    for item in items:
        mark(item, rank[item.nodeid])
    modules: dict[str, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::")[0], []).append(item)
    ordered = []
    for tests in modules.values():
        tests.sort(key=lambda item: rank[item.nodeid])  # stable: file order within a state
        needs = [rank[item.nodeid] for item in tests if rank[item.nodeid]] or [0]
        ordered.append(((max(needs), min(needs)), tests))
    ordered.sort(key=lambda pair: pair[0])  # stable: collection order within a key
    items[:] = [item for _, tests in ordered for item in tests]


def mark(item: pytest.Item, state: int) -> None:
    """Mark what the file cannot say by itself: a test driving Chromium is `browser`; browser,
    contract and demo-region tests are `slow`; a `real_data` test is skipped before its
    fixtures run when ../shared/data is absent."""
    names = getattr(item, "fixturenames", ())
    if "chromium" in names:
        item.add_marker(pytest.mark.browser)
    if state >= STATE_ORDER["demo"] or item.get_closest_marker("browser"):
        item.add_marker(pytest.mark.slow)
    if item.get_closest_marker("contract"):
        item.add_marker(pytest.mark.slow)
    if item.get_closest_marker("real_data") and not SHARED.is_dir():
        item.add_marker(pytest.mark.skip(reason=f"shared data not present: {SHARED}"))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On a pytest-xdist worker, hand what its states built to the controller."""
    out = getattr(session.config, "workeroutput", None)
    if out is not None:
        out["catalog_builds"] = {k: v for state in _STATES for k, v in state.builds.items()}
        out["catalog_log"] = [line for state in _STATES for line in state.log]


_WORKERS: list[dict[str, Any]] = []  # on the xdist controller: what each worker sent


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """On the xdist controller, keep what a finished worker's states built."""
    _WORKERS.append(getattr(node, "workeroutput", {}))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Say how often each catalog state was built (a test that changes its state makes the
    next test that asks for it build it again), summed over xdist workers; with -vv, why."""
    builds: dict[str, int] = {}
    log: list[str] = []
    sources = [{"catalog_builds": s.builds, "catalog_log": s.log} for s in _STATES] + _WORKERS
    for source in sources:
        for name, n in source.get("catalog_builds", {}).items():
            builds[name] = builds.get(name, 0) + n
        log += source.get("catalog_log", [])
    if config.get_verbosity() >= 2:
        for line in log:
            terminalreporter.write_line(f"built {line}")
    if _STATES or _WORKERS:
        built = ", ".join(f"{name} {n}" for name, n in sorted(builds.items()))
        terminalreporter.write_line(f"catalog states built: {built or 'none'}")
