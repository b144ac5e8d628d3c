"""Settings, one class per concern, read from the environment with the RTRW_ prefix."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class DatabaseSettings(BaseSettings):
    """Where the PostGIS database lives (RTRW_DATABASE_URL) and how big the pool is."""

    model_config = SettingsConfigDict(env_prefix="RTRW_DATABASE_", env_file=".env", extra="ignore")

    url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/rtrw"
    pool_size: int = Field(default=10, ge=1)
    max_overflow: int = Field(default=10, ge=0)
    statement_timeout_ms: int = Field(default=30_000, ge=0)
    pool_pre_ping: bool = False
    jit: bool = False  # PostgreSQL JIT costs more than it saves on short GIS queries


class ApiSettings(BaseSettings):
    """Limits and defaults of the HTTP API (RTRW_API_*)."""

    model_config = SettingsConfigDict(env_prefix="RTRW_API_", env_file=".env", extra="ignore")

    default_limit: int = Field(default=100, ge=1)
    max_limit: int = Field(default=1000, ge=1)
    cors_origins: list[str] = ["*"]


class LoaderSettings(BaseSettings):
    """Defaults of the layer loader (RTRW_LOADER_*)."""

    model_config = SettingsConfigDict(env_prefix="RTRW_LOADER_", env_file=".env", extra="ignore")

    storage_srid: int = 4326
    default_metric_crs: str = "EPSG:32749"
    progress_min_features: int = Field(default=20_000, ge=0)
    copy_batch: int = Field(default=20_000, ge=1)


class ZoningSettings(BaseSettings):
    """Limits of the permit-zoning check (RTRW_ZONING_*)."""

    model_config = SettingsConfigDict(env_prefix="RTRW_ZONING_", env_file=".env", extra="ignore")

    max_vertices: int = Field(default=10_000, ge=4)
    max_area_ha: float = Field(default=1_000.0, gt=0)
    max_batch: int = Field(default=10_000, ge=1)
    sliver_m2: float = Field(default=0.01, ge=0)


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
