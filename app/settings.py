"""Settings, one class per concern, read from the environment with the RTRW_ prefix.

`load_settings()` reads and validates every class at once (create_app and `rtrw serve` call it
at start-up) and raises InvalidSettings naming each wrong variable. The `*_settings()` helpers
are the same classes read once per process, for the CLI and the services.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
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
    # Memory a sort may use before it spills to disk (PostgreSQL's work_mem; 0: the server's).
    # A full tile sorts 10,000 rows with their geometry, ~3 MB: over the server default 4 MB
    # once the sort's own bookkeeping is counted.
    work_mem_mb: int = Field(default=16, ge=0, le=1024)

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
    # Cross-origin reads (GET/HEAD and the public POST checks): any site by default.
    cors_origins: list[str] = ["*"]
    # Cross-origin writes (routes that need a key, any PUT/PATCH/DELETE): only these sites,
    # e.g. ["https://bappeda.batangkab.go.id"]; none by default (same-origin and non-browser
    # clients are not affected).
    write_origins: list[str] = []

    @field_validator("write_origins")
    @classmethod
    def _no_wildcard(cls, value: list[str]) -> list[str]:
        for origin in value:
            if origin == "*" or not re.match(r"^https?://[^/\s]+$", origin):
                raise ValueError(
                    f"{origin!r} is not an origin like https://bappeda.example.go.id "
                    "(scheme and host, no path; '*' is not allowed for writes)"
                )
        return value

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
    # The share of a zoning, overlay or parcel layer's area that may lie outside its region's
    # boundary before the load warns (and --strict fails): real boundaries are simplified, so
    # a coastal polygon may stick out a little. Any feature wholly outside always counts.
    max_outside_share: float = Field(default=0.01, ge=0, le=1)


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


class TileSettings(BaseSettings):
    """Vector tiles and their cache (RTRW_TILES_*)."""

    model_config = SettingsConfigDict(env_prefix="RTRW_TILES_", env_file=".env", extra="ignore")

    min_zoom: int = Field(default=0, ge=0, le=30)
    max_zoom: int = Field(default=22, ge=0, le=30)  # z above this: 422
    extent: int = Field(default=4096, ge=256, le=16384)  # tile units per side (MVT extent)
    buffer: int = Field(default=64, ge=0, le=1024)  # tile units drawn beyond each edge
    max_features: int = Field(default=10_000, ge=1)  # per tile, largest polygons first
    simplify_px: float = Field(default=0.5, ge=0)  # tolerance in screen pixels (0: none)
    # A feature less than this many tile units both wide and high is left out (0: none);
    # 16 of 4096 is one pixel of the tile drawn 256 px wide, the XYZ zoom's pixel.
    min_feature_px: float = Field(default=16, ge=0)
    # Small polygons whose minimum clearance proves that snapping keeps them valid skip
    # ST_AsMVTGeom's validation (same geometry, less than half the cost); false: never.
    snap_proven: bool = True
    # The cache every worker process shares (one file a tile) and its bound; eviction is
    # oldest-used first. A memory LRU per process sits in front of it.
    cache_dir: Path = Path(tempfile.gettempdir()) / "rtrw-tiles"
    cache_max_mb: int = Field(default=1024, ge=1)
    memory_mb: int = Field(default=64, ge=0)  # per process; 0 turns the memory LRU off
    max_age_s: int = Field(default=300, ge=0)  # Cache-Control of the current version's tiles
    # Cache-Control max-age of tiles asked for with ?version= (they never change)
    pinned_max_age_s: int = Field(default=86_400, ge=0)
    # Keep the layer version a tile names in memory, dropped on NOTIFY rtrw_catalog (one
    # LISTEN connection per process); off: every tile request queries it.
    listen: bool = True

    @model_validator(mode="after")
    def _zooms(self) -> Self:
        if self.min_zoom > self.max_zoom:
            raise ValueError(
                f"RTRW_TILES_MIN_ZOOM ({self.min_zoom}) exceeds "
                f"RTRW_TILES_MAX_ZOOM ({self.max_zoom})"
            )
        return self


class MapSettings(BaseSettings):
    """Static PNG maps and printable reports (RTRW_MAPS_*)."""

    model_config = SettingsConfigDict(env_prefix="RTRW_MAPS_", env_file=".env", extra="ignore")

    min_size: int = Field(default=64, ge=16, le=1024)  # px, each side
    max_width: int = Field(default=4000, ge=64, le=20_000)  # px
    max_height: int = Field(default=4000, ge=64, le=20_000)  # px
    min_dpi: int = Field(default=72, ge=10, le=300)
    max_dpi: int = Field(default=300, ge=72, le=1200)
    max_span_km: float = Field(default=200.0, gt=0)  # the larger side of a bbox
    max_features: int = Field(default=20_000, ge=1)  # per layer and map, largest first
    report_dpi: int = Field(default=200, ge=200, le=600)  # the map inside a PDF report
    max_report_parcels: int = Field(default=50, ge=1)  # pages of one batch report (413 above)
    # The address the public reaches this service at (e.g. https://tataruang.batangkab.go.id,
    # or with a path behind a proxy): every absolute URL the API writes starts with it
    # (TileJSON tile URLs, paging links, report permalinks and QR codes). Unset: the
    # request's own scheme and host, so a client reaching 127.0.0.1 gets 127.0.0.1 links.
    public_base_url: str | None = None
    # An internet basemap under our layers on /peta and embeds (an XYZ URL template); none by
    # default: the map then needs nothing but this service.
    basemap_url: str | None = None
    basemap_attribution: str | None = None

    @field_validator("public_base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        if not value:  # RTRW_MAPS_PUBLIC_BASE_URL= (empty) is unset too
            return None
        if not re.match(r"^https?://[^/\s?#]+(/[^\s?#]*)?$", value):
            raise ValueError(
                f"{value!r} is not a base URL like https://tataruang.example.go.id "
                "(http or https, a host, optionally a path; no query)"
            )
        return value.rstrip("/")

    @model_validator(mode="after")
    def _limits(self) -> Self:
        if self.min_dpi > self.max_dpi:
            raise ValueError(
                f"RTRW_MAPS_MIN_DPI ({self.min_dpi}) exceeds RTRW_MAPS_MAX_DPI ({self.max_dpi})"
            )
        if self.min_size > min(self.max_width, self.max_height):
            raise ValueError("RTRW_MAPS_MIN_SIZE exceeds RTRW_MAPS_MAX_WIDTH/HEIGHT")
        return self


ROOT = Path(__file__).resolve().parents[1]


class RasterSettings(BaseSettings):
    """The raster store and the limits of raster loads and queries (RTRW_RASTERS_*)."""

    model_config = SettingsConfigDict(env_prefix="RTRW_RASTERS_", env_file=".env", extra="ignore")

    # Where the Cloud-Optimized GeoTIFFs live (<dir>/<region>/<name>/v<N>-<checksum>.tif);
    # the catalog stores paths relative to it, so the folder can move with its files.
    dir: Path = ROOT / "var" / "rasters"
    blocksize: int = Field(default=512, ge=64, le=4096)  # internal COG tile size, px
    max_pixels: int = Field(default=400_000_000, ge=1)  # largest raster a load takes (w x h)
    max_zonal_pixels: int = Field(default=25_000_000, ge=1)  # pixels one zonal query reads

    @field_validator("blocksize")
    @classmethod
    def _multiple_of_16(cls, value: int) -> int:
        if value % 16:
            raise ValueError(f"must be a multiple of 16 (TIFF tiles), not {value}")
        return value


class InvalidSettings(Exception):
    """One or more RTRW_* variables do not validate; the message names each and says why."""


@dataclass(frozen=True)
class Settings:
    """Every settings class, read and validated together at start-up."""

    database: DatabaseSettings
    api: ApiSettings
    loader: LoaderSettings
    zoning: ZoningSettings
    tiles: TileSettings = dataclasses.field(default_factory=TileSettings)
    maps: MapSettings = dataclasses.field(default_factory=MapSettings)
    rasters: RasterSettings = dataclasses.field(default_factory=RasterSettings)


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
        "tiles": TileSettings,
        "maps": MapSettings,
        "rasters": RasterSettings,
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


def process_settings() -> Settings:
    """Return this process's settings (the CLI's and scripts'; an app holds its own): each
    concern as its getter below reads it once."""
    return Settings(
        database=database_settings(),
        api=api_settings(),
        loader=loader_settings(),
        zoning=zoning_settings(),
        tiles=tile_settings(),
        maps=map_settings(),
        rasters=raster_settings(),
    )


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


@lru_cache
def tile_settings() -> TileSettings:
    """Return the vector-tile settings (read once)."""
    return TileSettings()


@lru_cache
def map_settings() -> MapSettings:
    """Return the static-map and report settings (read once)."""
    return MapSettings()


@lru_cache
def raster_settings() -> RasterSettings:
    """Return the raster store and limits (read once)."""
    return RasterSettings()
