"""create_app(): settings, routers, error handlers and the lifespan that opens the database pool."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from sqlalchemy import Engine

from app import __version__
from app.api import admin, audit, batch, health, layers, pages, parcels, tiles, zoning
from app.api import maps as maps_api
from app.api import ppid as ppid_api
from app.api import project_import as project_import_api
from app.api import projects as projects_api
from app.api import raster_tiles as raster_tiles_api
from app.api import rasters as rasters_api
from app.api import reports as reports_api
from app.api.cors import SplitCORS
from app.api.docs import STATIC_URL, static_files
from app.api.docs import router as docs_router
from app.api.errors import add_exception_handlers
from app.api.guards import RefuseControlCharacters, document_plain_text
from app.db import Database, make_engine
from app.schemas.errors import ErrorBody
from app.services.rules.book import RuleBooks
from app.services.tiles.catalog import open_source_cache
from app.settings import InvalidSettings, Settings, load_settings

# Every route may answer these when the database is down or a query runs too long.
OUTAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    503: {
        "model": ErrorBody,
        "description": "The database is unreachable or busy (error: database_unavailable); "
        "see the Retry-After header",
    },
    504: {"model": ErrorBody, "description": "A query ran past its time limit (error: timeout)"},
}


def worker_threads(settings: Settings) -> int:
    """Return how many sync handlers may run at once: one per connection the pool can open.

    The rule is threads == pool_size + max_overflow. A handler takes its connection and gives
    it back in its own thread (app.db.Database.run), so with as many threads as connections
    no thread ever waits on the pool, and no connection is held by a request that is waiting
    for a thread. More clients simply queue, holding nothing, for a free thread.
    """
    return settings.database.pool_size + settings.database.max_overflow


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Return the FastAPI application; InvalidSettings if the environment does not validate.

    `settings` defaults to the environment read now; `engine` lets tests pass their own pool.
    """
    settings = settings or load_settings()

    def open_database() -> Database:
        return Database(
            engine or make_engine(settings.database),
            settings,
            RuleBooks(settings.zoning.rule_books),
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = worker_threads(settings)
        owned = engine is None
        if owned:
            app.state.db = open_database()
        app.state.tile_sources = open_source_cache(app.state.db.engine, settings)
        try:
            yield
        finally:
            app.state.tile_sources.close()
            if owned:
                app.state.db.engine.dispose()

    app = FastAPI(
        title="RTRW — layanan tata ruang kabupaten",
        description=(
            "Rencana tata ruang (RTRW/RDTR), batas administrasi dan layer tematik pada PostGIS. "
            "Spatial-planning service for Indonesian regencies."
        ),
        version=__version__,
        lifespan=lifespan,
        responses=OUTAGE_RESPONSES,
        docs_url=None,  # /docs and /redoc: app.api.docs, on the vendored files in app/static
        redoc_url=None,
    )
    app.state.settings = settings
    if engine is not None:  # a pool the caller owns: usable even without the lifespan running
        app.state.db = open_database()
    # Control characters in a path or query, NUL in a JSON body: 422 before any route
    # (app.api.guards), behind WarmTiles so a warm tile does not pay for the check
    app.add_middleware(RefuseControlCharacters)
    document_plain_text(app)
    # A tile in the memory cache is answered before routing (inside CORS: added first)
    app.add_middleware(tiles.WarmTiles)
    # Reads cross-origin from anywhere, writes only from RTRW_API_WRITE_ORIGINS (app.api.cors)
    app.add_middleware(
        SplitCORS,
        read_origins=settings.api.cors_origins,
        write_origins=settings.api.write_origins,
    )
    add_exception_handlers(app)
    for module in (health, layers, admin, zoning, batch, parcels, tiles):
        app.include_router(module.router)
    # before the raster catalog's /rasters/{name}: /rasters/{name}.json is the TileJSON
    app.include_router(raster_tiles_api.router)
    app.include_router(rasters_api.router)
    app.include_router(maps_api.router)
    app.include_router(reports_api.router)
    app.include_router(audit.router)
    app.include_router(ppid_api.router)
    app.include_router(projects_api.router)
    app.include_router(project_import_api.router)
    app.include_router(docs_router)
    app.include_router(pages.router)
    app.mount(STATIC_URL, static_files(), name="static")
    return app


try:
    app = create_app()
except InvalidSettings as exc:  # `uvicorn app.main:app` with a bad environment: say why, exit 1
    raise SystemExit(f"rtrw: {exc}") from None
