"""create_app(): routers, error handlers and the lifespan that opens the database pool."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy import Engine

from app import __version__
from app.api import admin, health, layers, parcels, zoning
from app.db import make_engine
from app.errors import add_exception_handlers
from app.settings import DatabaseSettings, api_settings


def create_app(database: DatabaseSettings | None = None, engine: Engine | None = None) -> FastAPI:
    """Return the FastAPI application; `engine` lets tests pass their own pool."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = engine is None
        app.state.engine = engine or make_engine(database)
        try:
            yield
        finally:
            if owned:
                app.state.engine.dispose()

    app = FastAPI(
        title="RTRW — layanan tata ruang kabupaten",
        description=(
            "Rencana tata ruang (RTRW/RDTR), batas administrasi dan layer tematik pada PostGIS. "
            "Spatial-planning service for Indonesian regencies."
        ),
        version=__version__,
        lifespan=lifespan,
    )
    app.add_middleware(
        CORSMiddleware, allow_origins=api_settings().cors_origins, allow_methods=["GET", "POST"]
    )
    add_exception_handlers(app)
    for module in (health, layers, admin, zoning, parcels):
        app.include_router(module.router)
    return app


app = create_app()
