"""Settings, one class per concern, read from the environment with the RTRW_ prefix.

`load_settings()` reads and validates every class at once (create_app and `rtrw serve` call it
at start-up) and raises InvalidSettings naming each wrong variable. The `*_settings()` helpers
are the same classes read once per process, for the CLI and the services.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Self

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings import SettingsError as SourceError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


class DatabaseSettings(BaseSettings):
    """Where the PostGIS database lives (RTRW_DATABASE_URL) and how big the pool is."""

    model_config = SettingsConfigDict(env_prefix="RTRW_DATABASE_", env_file=".env", extra="ignore")

    url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/rtrw"
    # The API runs at most pool_size + max_overflow sync handlers at once (see app.main).
    pool_size: int = Field(default=10, ge=1)
    max_overflow: int = Field(default=10, ge=0)
    pool_timeout_s: float = Field(default=10.0, gt=0)  # waiting for a pooled connection
    connect_timeout_s: int = Field(default=5, ge=1)  # opening a new one (libpq connect_timeout)
    statement_timeout_ms: int = Field(default=30_000, ge=0)
    pool_pre_ping: bool = False  # dropped connections are retried once instead (app.db)
    jit: bool = False  # PostgreSQL JIT costs more than it saves on short GIS queries

    @field_validator("url")
    @classmethod
    def _postgres_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"not a database URL ({exc})") from exc
        if not url.drivername.startswith(("postgresql", "postgres")):
            raise ValueError(f"must be a postgresql:// URL, not {url.drivername}://")
        return value


class ApiSettings(BaseSettings):
    """Limits and defaults of the HTTP API (RTRW_API_*)."""

    model_config = SettingsConfigDict(env_prefix="RTRW_API_", env_file=".env", extra="ignore")

    default_limit: int = Field(default=100, ge=1)
    max_limit: int = Field(default=1000, ge=1)
    cors_origins: list[str] = ["*"]

    @model_validator(mode="after")
    def _limits(self) -> Self:
        if self.default_limit > self.max_limit:
            raise ValueError(
                f"RTRW_API_DEFAULT_LIMIT ({self.default_limit}) exceeds "
                f"RTRW_API_MAX_LIMIT ({self.max_limit})"
            )
        return self


class LoaderSettings(BaseSettings):
    """Defaults of the layer loader (RTRW_LOADER_*)."""

    model_config = SettingsConfigDict(env_prefix="RTRW_LOADER_", env_file=".env", extra="ignore")

    default_metric_crs: str = "EPSG:32749"
    progress_min_features: int = Field(default=20_000, ge=0)
    copy_batch: int = Field(default=20_000, ge=1)


class ZoningSettings(BaseSettings):
    """Limits of the permit-zoning check (RTRW_ZONING_*)."""

    model_config = SettingsConfigDict(env_prefix="RTRW_ZONING_", env_file=".env", extra="ignore")

    max_vertices: int = Field(default=10_000, ge=4)
    max_area_ha: float = Field(default=1_000.0, gt=0)
    max_batch: int = Field(default=10_000, ge=1)
    max_batch_bytes: int = Field(default=50_000_000, ge=1_000)  # a batch request body (413 above)
    sliver_m2: float = Field(default=0.01, ge=0)
    rule_books: int = Field(default=4, ge=1)  # rule sets kept in memory per process
    # parcels cut per SQL statement in a batch; the next chunk's query overlaps evaluation
    batch_chunk: int = Field(default=1_000, ge=1)
    # database connections a large batch cuts on at once (each its own backend, its own core)
    batch_connections: int = Field(default=2, ge=1, le=8)


class InvalidSettings(Exception):
    """One or more RTRW_* variables do not validate; the message names each and says why."""


@dataclass(frozen=True)
class Settings:
    """Every settings class, read and validated together at start-up."""

    database: DatabaseSettings
    api: ApiSettings
    loader: LoaderSettings
    zoning: ZoningSettings


def _problems(cls: type[BaseSettings], exc: Exception) -> list[str]:
    """Return one line per invalid variable: `RTRW_X_Y='value': why`."""
    prefix = str(cls.model_config.get("env_prefix", ""))
    if not isinstance(exc, ValidationError):  # a value the source could not parse (JSON lists)
        field = re.search(r'field "(\w+)"', str(exc))
        name = prefix + (field.group(1).upper() if field else "*")
        return [f'{name}: {exc} (lists are JSON, e.g. ["https://a.example"])']
    lines = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        if loc:
            name = prefix + loc[0].upper()
            shown = "" if loc[0] == "url" else f"={err.get('input')!r}"  # a URL may hold a password
            lines.append(f"{name}{shown}: {msg}")
        else:
            lines.append(msg)
    return lines


def load_settings(**given: Any) -> Settings:
    """Return every settings class read from the environment; InvalidSettings if any is wrong.

    `given` may replace a whole class, e.g. `load_settings(database=DatabaseSettings(url=...))`.
    """
    classes: dict[str, type[BaseSettings]] = {
        "database": DatabaseSettings,
        "api": ApiSettings,
        "loader": LoaderSettings,
        "zoning": ZoningSettings,
    }
    built: dict[str, Any] = {}
    problems: list[str] = []
    for name, cls in classes.items():
        if given.get(name) is not None:
            built[name] = given[name]
            continue
        try:
            built[name] = cls()
        except (ValidationError, SourceError) as exc:
            problems.extend(_problems(cls, exc))
    if problems:
        raise InvalidSettings("invalid settings:\n  " + "\n  ".join(problems))
    return Settings(**built)


@lru_cache
def zoning_settings() -> ZoningSettings:
    """Return the zoning-check settings (read once)."""
    return ZoningSettings()


@lru_cache
def database_settings() -> DatabaseSettings:
    """Return the database settings (read once)."""
    return DatabaseSettings()


@lru_cache
def api_settings() -> ApiSettings:
    """Return the API settings (read once)."""
    return ApiSettings()


@lru_cache
def loader_settings() -> LoaderSettings:
    """Return the loader settings (read once)."""
    return LoaderSettings()
