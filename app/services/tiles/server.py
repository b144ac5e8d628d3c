"""The one tile server: a TileRequest -> its source, cache key and ETag -> 304, the cache, or a
renderer's bytes; and the TileJSON of a source.

A renderer is one kind of tile (`Renderer`): vector (`vector.VectorTiles`, MVT from PostGIS)
and raster (`app.services.rasters.tiles.RasterTiles`, PNG through rio-tiler). It resolves a
name to a source version, names a tile by a cache key (a SHA-256 of everything that shapes its
bytes: the version, the tile, the settings or style) and renders the bytes (b"": an empty tile,
204). The server does the rest for both: the grid check, the source kept in the
catalog-notified `SourceCache` under the epoch read before its query, the ETag (the key's first
half, so `If-None-Match` is answered without reading the tile), the `TileCache`, and the
answer (`TileAnswer`) the routers render.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Connection

from app.db import Database
from app.services.tiles.cache import TileCache
from app.services.tiles.catalog import SourceCache
from app.services.tiles.grid import check_tile
from app.settings import TileSettings

S = TypeVar("S")
T = TypeVar("T")
WORLD = (-180.0, -85.0511, 180.0, 85.0511)  # the Web Mercator square in lon/lat


@dataclass(frozen=True, slots=True)
class TileRequest:
    """One tile asked for: the renderer (`kind`), the source (name, region, version), the tile,
    the client's If-None-Match and the style (a raster's TileStyle; None: the default)."""

    kind: str
    name: str
    z: int
    x: int
    y: int
    region: str | None = None
    version: int | None = None
    if_none_match: str | None = None
    style: Hashable | None = None


@dataclass(frozen=True, slots=True)
class TileAnswer(Generic[S]):
    """A tile's answer: ETag, bytes (b"" empty; None when If-None-Match named the ETag), media
    type, Cache-Control max-age, and the source version it came from."""

    etag: str
    data: bytes | None
    media_type: str
    max_age: int
    source: S

    @property
    def not_modified(self) -> bool:
        """Return True when the client's copy is current (304)."""
        return self.data is None

    @property
    def status(self) -> int:
        """Return the HTTP status: 304 not modified, 204 an empty tile, else 200."""
        return 304 if self.data is None else 204 if not self.data else 200


@dataclass(frozen=True, slots=True)
class TileSet:
    """What a source's TileJSON says beyond the common fields: its name, title, version, bounds,
    centre zoom, attribution, the style parameters of its tile URL, and its own members."""

    name: str
    title: str
    version: int
    bounds: tuple[float, float, float, float] | None  # west, south, east, north; None: world
    centre_zoom: int
    attribution: str | None = None
    query: tuple[tuple[str, str | None], ...] = ()  # the style of the tile URL, in order
    extra: dict[str, Any] = field(default_factory=dict)  # vector_layers + layer, raster + legend


class Renderer(Protocol[S]):
    """One kind of tile: how a name becomes a source version, a tile a key and its bytes."""

    kind: str  # what TileRequest.kind names it by
    media_type: str  # of the tile's bytes
    url: str  # a tile's URL below the base, "{name}" filled in: ".../{{z}}/{{x}}/{{y}}.pbf"
    renders_on_connection: bool  # render() queries the database (else it is handed None)

    def resolve(self, conn: Connection, name: str, region: str | None, version: int | None) -> S:
        """Return the version `name` (of `region`) asks for, the current one without `version`;
        the kind's NotFound when there is none."""
        ...

    def key(self, source: S, tile: TileRequest) -> str:
        """Return the cache key: a SHA-256 (hex) of everything that shapes the tile's bytes."""
        ...

    def render(self, conn: Connection | None, source: S, tile: TileRequest) -> bytes:
        """Return the tile's bytes; b"" when it is empty (answered 204, and cached)."""
        ...

    def tileset(self, source: S, style: Hashable | None, settings: TileSettings) -> TileSet:
        """Return what the source's TileJSON says of it (`tilejson` adds the common fields)."""
        ...


def etag_of(key: str) -> str:
    """Return the strong ETag of a cache key."""
    return f'"{key[:32]}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Return True when an If-None-Match header names `etag` (weak or strong) or is `*`."""
    if not if_none_match:
        return False
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False


class TileServer:
    """Tiles of every kind through one path: peek (memory or disk, no database), get (on a
    connection), load (in a worker thread), TileJSON; one cache, one ETag rule, one answer."""

    def __init__(
        self,
        db: Database,
        cache: TileCache,
        sources: SourceCache,
        settings: TileSettings,
        renderers: Iterable[Renderer[Any]],
    ) -> None:
        self.db = db
        self.cache = cache
        self.sources = sources
        self.settings = settings
        self.renderers: dict[str, Renderer[Any]] = {r.kind: r for r in renderers}

    def peek(self, tile: TileRequest, *, disk: bool = False) -> TileAnswer[Any] | None:
        """Return the tile without the database when the catalog and the tile cache know it.

        None when the source version is not in `sources` (a new epoch, a listener down) or the
        tile is not cached (in memory only unless `disk`): the caller then runs `load`. Cheap
        enough for the event loop with `disk=False`; InvalidParameter outside the grid.
        """
        renderer = self.renderers[tile.kind]
        check_tile(tile.z, tile.x, tile.y, self.settings.min_zoom, self.settings.max_zoom)
        source = self.sources.get((tile.kind, tile.name, tile.region, tile.version))
        if source is None:
            return None
        key = renderer.key(source, tile)
        etag = etag_of(key)
        if etag_matches(tile.if_none_match, etag):
            return self._answer(renderer, tile, etag, None, source)
        data = self.cache.get(key) if disk else self.cache.get_memory(key)
        return None if data is None else self._answer(renderer, tile, etag, data, source)

    def get(self, conn: Connection | None, tile: TileRequest) -> TileAnswer[Any]:
        """Return a tile: 304 from its key, else the cache, else rendered and cached.

        The source comes from `sources` while the catalog is unchanged, else from the
        renderer's query on `conn` (None: a connection of its own), filed under the epoch read
        before it, so a new version is never answered from an old one's cache.
        InvalidParameter (422) outside the grid; the kind's NotFound (404) for an unknown name
        or version.
        """
        renderer = self.renderers[tile.kind]
        check_tile(tile.z, tile.x, tile.y, self.settings.min_zoom, self.settings.max_zoom)
        source = self.source(conn, renderer, tile)
        key = renderer.key(source, tile)
        etag = etag_of(key)
        if etag_matches(tile.if_none_match, etag):
            return self._answer(renderer, tile, etag, None, source)
        data = self.cache.get(key)
        if data is None:
            if renderer.renders_on_connection:
                data = self._on(conn, renderer.render, source, tile)
            else:
                data = renderer.render(None, source, tile)
            self.cache.put(key, data)
        return self._answer(renderer, tile, etag, data, source)

    def load(self, tile: TileRequest) -> TileAnswer[Any]:
        """Return a tile in a worker thread: from the cache with no connection, else `get` (a
        renderer that queries resolves and renders on one connection; the others hold none
        while they render)."""
        answer = self.peek(tile, disk=True)
        if answer is not None:
            return answer
        if self.renderers[tile.kind].renders_on_connection:
            return self.db.run(self.get, tile)
        return self.get(None, tile)

    def source(self, conn: Connection | None, renderer: Renderer[S], tile: TileRequest) -> S:
        """Return the source a tile names: from `sources` while the catalog is unchanged, else
        the renderer's query (on `conn`, or a connection of its own), filed under the epoch
        read before it (a change meanwhile is not kept)."""
        key = (tile.kind, tile.name, tile.region, tile.version)
        found: S | None = self.sources.get(key)
        if found is None:
            epoch = self.sources.epoch()
            found = self._on(conn, renderer.resolve, tile.name, tile.region, tile.version)
            self.sources.put(key, found, epoch)
        return found

    def tilejson(
        self,
        conn: Connection,
        kind: str,
        name: str,
        base_url: str,
        *,
        region: str | None = None,
        version: int | None = None,
        style: Hashable | None = None,
    ) -> dict[str, Any]:
        """Return the TileJSON 3.0.0 of a source's tiles; `base_url` ends before the tile path."""
        renderer = self.renderers[kind]
        source = renderer.resolve(conn, name, region, version)
        tileset = renderer.tileset(source, style, self.settings)
        return tilejson(tileset, renderer.url, base_url, self.settings, region, version)

    def _answer(
        self, renderer: Renderer[S], tile: TileRequest, etag: str, data: bytes | None, source: S
    ) -> TileAnswer[S]:
        """Return the answer, with a day's max-age for a tile of a pinned `version=`."""
        pinned = tile.version is not None
        age = self.settings.pinned_max_age_s if pinned else self.settings.max_age_s
        return TileAnswer(etag, data, renderer.media_type, age, source)

    def _on(self, conn: Connection | None, fn: Callable[..., T], *args: Any) -> T:
        """Return `fn(conn, *args)` on `conn`, or on a read connection of its own."""
        return fn(conn, *args) if conn is not None else self.db.run(fn, *args)


def tilejson(
    tileset: TileSet,
    url: str,
    base_url: str,
    settings: TileSettings,
    region: str | None = None,
    version: int | None = None,
) -> dict[str, Any]:
    """Return a TileJSON 3.0.0 document: the tile URL (style, region and version in its query),
    zooms, bounds and centre, then the kind's own members."""
    params = (*tileset.query, ("region", region), ("version", version))
    query = "&".join(f"{k}={v}" for k, v in params if v is not None)
    template = f"{base_url.rstrip('/')}/{url.format(name=tileset.name)}"
    bounds = list(tileset.bounds or WORLD)
    doc: dict[str, Any] = {
        "tilejson": "3.0.0",
        "name": tileset.name,
        "description": tileset.title,
        "version": f"{tileset.version}.0.0",
        "scheme": "xyz",
        "tiles": [template + (f"?{query}" if query else "")],
        "minzoom": settings.min_zoom,
        "maxzoom": settings.max_zoom,
        "bounds": bounds,
        "center": [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, tileset.centre_zoom],
        **tileset.extra,
    }
    if tileset.attribution:
        doc["attribution"] = tileset.attribution
    return doc
