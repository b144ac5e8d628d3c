"""The one tile server with both renderers, vector (MVT from PostGIS) and raster (PNG through
rio-tiler): the same cache keys and ETags as before, 304, cache hits, empty tiles, pinned
versions, and the one tile request the two routes read."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import mapbox_vector_tile
import morecantile
import numpy as np
import pytest
import rasterio
from PIL import Image
from sqlalchemy import Connection, Engine

from app.db import Database
from app.errors import InvalidParameter, LayerNotFound, RasterNotFound
from app.main import create_app
from app.services.rasters.ingest import load_raster
from app.services.rasters.records import RasterClass, RasterRecord
from app.services.rasters.tiles import RasterTiles, TileStyle
from app.services.rules.book import RuleBooks
from app.services.tiles.cache import TileCache
from app.services.tiles.catalog import CatalogListener, SourceCache
from app.services.tiles.server import TileAnswer, TileRequest, TileServer, etag_of
from app.services.tiles.vector import TileSource, VectorTiles
from app.settings import TileSettings, load_settings, raster_settings
from tests.fixtures import squares_utm, write
from tests.services.test_raster_rules import lonlat, slope_tif

# The settings every key below was computed with (the defaults, written out: the environment
# must not move them).
SETTINGS = TileSettings(
    extent=4096, buffer=64, max_features=10_000, simplify_px=0.5, min_feature_px=16.0,
    snap_proven=True, max_age_s=60, pinned_max_age_s=86_400,
)  # fmt: skip
VECTOR_TILE = (12, 3297, 2127)  # holds the five squares of tests/fixtures.py


# --- keys and ETags -----------------------------------------------------------------------------


def test_keys_and_etags_are_the_ones_served_before() -> None:
    """The keys (and so the cache files and ETags) of a fixed version, tile and style are the
    ones the two tile paths computed before they became one (taken from that code, 2026-12-08):
    a client's ETag and the disk cache stay valid across the change."""
    source = TileSource(
        name="zona", region="33.25", kind="zoning", version_id=7, version=2, checksum="a" * 64,
        loaded_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), plan="rdtr", title="Zona",
        licence=None, geometry_type="MultiPolygon", bounds=(109.7, -7.0, 109.8, -6.9),
    )  # fmt: skip
    key = VectorTiles(SETTINGS).key(source, TileRequest("vector", "zona", *VECTOR_TILE))
    assert key == "e811ff08356a15252ff65062cd840cbf2e199d8bc0556e917fc76bc54d0422c0"
    assert etag_of(key) == '"e811ff08356a15252ff65062cd840cbf"'
    record = RasterRecord(
        id=3, version_id=5, name="lereng", region_code="33.25", title="Lereng", version=2,
        kind="categorical", path=Path("/x/lereng.tif"), crs="EPSG:32749", width=10, height=10,
        res=(30.0, 30.0), bands=1, dtype="uint8", nodata=0,
        bounds_wgs84=(109.7, -7.0, 109.8, -6.9), stats={"min": 1, "max": 3}, checksum="b" * 64,
        classes=(RasterClass(1, "Landai", "Gentle", "#00ff00"),
                 RasterClass(2, "Curam", "Steep", "#ff0000")),
    )  # fmt: skip
    raster = RasterTiles()
    plain = TileRequest("raster", "lereng", *VECTOR_TILE)
    styled = TileRequest("raster", "lereng", *VECTOR_TILE, style=TileStyle("terrain", (0.0, 40.0)))
    assert raster.key(record, plain) == (
        "fe360aa9e5f4bcf610304348e468a922b1588d65012580fa80361b4aa608071d"
    )
    assert raster.key(record, styled) == (
        "828eaa9868655f39b11f12c4ad66aee202c37fce2dab8d426d3afb91a51cf8ce"
    )
    # what a key does not hold does not change it: the client's ETag, the region asked for
    again = TileRequest("raster", "lereng", *VECTOR_TILE, region="33.25", if_none_match='"x"')
    assert raster.key(record, again) == raster.key(record, plain)


# --- both renderers through the one server --------------------------------------------------------


@dataclass
class Kind:
    """One kind of tile in a test: how to load its next version, a tile with data, an empty
    tile, the style asked for, and how to read the bytes independently of the renderer."""

    kind: str
    name: str
    add_version: Callable[[], None]
    tile: tuple[int, int, int]
    empty: tuple[int, int, int]
    style: TileStyle | None
    read: Callable[[bytes], Any]

    def request(self, tile: tuple[int, int, int] | None = None, **kw: Any) -> TileRequest:
        """Return a TileRequest of this kind for `tile` (default the one with data)."""
        return TileRequest(self.kind, self.name, *(tile or self.tile), style=self.style, **kw)


def mvt_codes(data: bytes) -> list[str]:
    """Return the zone codes of a vector tile's features, sorted."""
    return sorted(
        f["properties"]["code"] for f in mapbox_vector_tile.decode(data)["zona"]["features"]
    )


def png_alpha(data: bytes) -> np.ndarray:
    """Return the alpha channel of a PNG tile (0: transparent)."""
    with Image.open(io.BytesIO(data)) as im:
        assert im.size == (256, 256)
        return np.asarray(im.convert("RGBA"))[:, :, 3]


@pytest.fixture(params=["vector", "raster"])
def kind(request: pytest.FixtureRequest, load, clean: Engine, tmp_path: Path) -> Kind:
    """Version 1 of a vector layer (three squares; then five, two, one) or of a raster (the
    slope stripes; each next version the values doubled)."""
    if request.param == "vector":
        sizes = iter([3, 5, 2, 1])

        def add_vector() -> None:
            n = next(sizes)
            load(write(squares_utm(n), tmp_path / f"zona{n}.gpkg"), "zona", "zoning")

        add_vector()
        return Kind("vector", "zona", add_vector, VECTOR_TILE, (12, 0, 0), None, mvt_codes)
    files = iter(range(1, 5))
    first = slope_tif(tmp_path / "slope.tif")

    def add_raster() -> None:
        n = next(files)
        path = tmp_path / f"lereng{n}.tif"
        with rasterio.open(first) as src:
            profile, data = src.profile, src.read(1)
        with rasterio.open(path, "w", **profile) as dst:
            dst.write(np.where(data == src.nodata, data, data * 2 ** (n - 1)), 1)
        with clean.begin() as conn:
            load_raster(conn, path, "lereng", settings=raster_settings(), unit="%")

    add_raster()
    t = morecantile.tms.get("WebMercatorQuad").tile(*lonlat(150, 50), 15)  # the raster's middle
    style = TileStyle(None, (0.0, 400.0))  # a fixed range: each version draws its own colours
    return Kind(
        "raster", "lereng", add_raster, (t.z, t.x, t.y), (t.z, t.x + 5, t.y), style, png_alpha
    )


class Counted:
    """A renderer that counts its resolves and renders (everything else is the real one's)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.resolves = 0
        self.renders = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def resolve(self, conn: Connection, *args: Any) -> Any:
        self.resolves += 1
        return self.inner.resolve(conn, *args)

    def render(self, conn: Connection | None, source: Any, tile: TileRequest) -> bytes:
        self.renders += 1
        return self.inner.render(conn, source, tile)


@dataclass
class Served:
    """A tile server on the test database with counted renderers and a hand-driven listener."""

    server: TileServer
    vector: Counted
    raster: Counted
    listener: CatalogListener

    def renderer(self, kind: str) -> Counted:
        """Return the counted renderer of `kind`."""
        return self.vector if kind == "vector" else self.raster


def serve(engine: Engine, cache_dir: Path, *, memory_mb: int = 1) -> Served:
    """Return a tile server whose catalog listener is driven by hand (connected, epoch 1)."""
    listener = CatalogListener("postgresql://unused")  # not started
    listener.connected, listener.epoch = True, 1
    vector, raster = Counted(VectorTiles(SETTINGS)), Counted(RasterTiles())
    db = Database(engine, load_settings(tiles=SETTINGS), RuleBooks(1))
    cache = TileCache(cache_dir, 10_000_000, memory_mb * 1_000_000)
    server = TileServer(db, cache, SourceCache(listener), SETTINGS, [vector, raster])
    return Served(server, vector, raster, listener)


@pytest.fixture
def served(engine: Engine, tmp_path: Path) -> Iterator[Served]:
    yield serve(engine, tmp_path / "tiles")


def test_a_tile_is_rendered_once_then_cached(kind: Kind, served: Served, tmp_path: Path) -> None:
    renderer = served.renderer(kind.kind)
    first = served.server.load(kind.request())
    assert first.status == 200 and first.data and first.media_type == renderer.media_type
    assert first.max_age == 60 and renderer.renders == 1 and renderer.resolves == 1
    # the bytes: the five squares' codes, read independently; opaque and transparent pixels
    if kind.kind == "vector":
        assert kind.read(first.data) == sorted(squares_utm(3)["KODSZN"])
    else:
        alpha = kind.read(first.data)
        assert alpha.max() == 255 and alpha.min() == 0  # the raster and beside it
    # warm: from memory on the event loop (peek), then in a thread (load), no render, no query
    warm = served.server.peek(kind.request())
    again = served.server.load(kind.request())
    assert warm is not None and warm.data == first.data == again.data
    assert warm.etag == first.etag == again.etag
    assert renderer.renders == 1 and renderer.resolves == 1
    # the file on disk under the key: another process (a fresh memory) reads it, no render
    key = renderer.key(first.source, kind.request())
    assert first.etag == etag_of(key) and served.server.cache.path(key).read_bytes() == first.data
    other = serve(served.server.db.engine, served.server.cache.root, memory_mb=0)
    assert other.server.peek(kind.request()) is None  # a new process knows no version yet
    cold = other.server.load(kind.request())
    assert (cold.etag, cold.data) == (first.etag, first.data)
    assert other.renderer(kind.kind).renders == 0 and other.renderer(kind.kind).resolves == 1


def test_if_none_match_is_answered_from_the_key(kind: Kind, served: Served) -> None:
    first = served.server.load(kind.request())
    renderer = served.renderer(kind.kind)
    for header in (first.etag, f"W/{first.etag}", f'"other", {first.etag}', "*"):
        for answer in (
            served.server.peek(kind.request(if_none_match=header)),
            served.server.load(kind.request(if_none_match=header)),
        ):
            assert answer is not None and answer.status == 304 and answer.not_modified
            assert answer.data is None and answer.etag == first.etag
    assert served.server.load(kind.request(if_none_match='"other"')).status == 200
    # a fresh server (no source known, empty cache): 304 from the key, nothing rendered
    other = serve(served.server.db.engine, served.server.cache.root / "other")
    answer = other.server.load(kind.request(if_none_match=first.etag))
    assert answer.status == 304 and other.renderer(kind.kind).renders == 0
    assert renderer.renders == 1


def test_an_empty_tile_is_204_and_cached(kind: Kind, served: Served) -> None:
    empty = served.server.load(kind.request(kind.empty))
    assert empty.status == 204 and empty.data == b"" and empty.etag
    again = served.server.load(kind.request(kind.empty))
    assert again.status == 204 and again.etag == empty.etag
    assert served.renderer(kind.kind).renders == 1
    nm = served.server.load(kind.request(kind.empty, if_none_match=empty.etag))
    assert nm.status == 304


def test_a_pinned_version_and_a_new_one(kind: Kind, served: Served) -> None:
    server = served.server
    v1 = server.load(kind.request())
    kind.add_version()  # v2
    served.listener.epoch += 1  # its commit's notification
    v2 = server.load(kind.request())
    assert v2.etag != v1.etag and v2.data != v1.data
    assert v2.source.version == 2 and v2.max_age == 60
    pinned = server.load(kind.request(version=1))
    assert (pinned.etag, pinned.data, pinned.source.version) == (v1.etag, v1.data, 1)
    assert pinned.max_age == 86_400  # a pinned version never changes
    if kind.kind == "vector":  # independently: what each version's file holds
        assert kind.read(pinned.data) == sorted(squares_utm(3)["KODSZN"])
        assert kind.read(v2.data) == sorted(squares_utm(5)["KODSZN"])
    # without the notification the server keeps the version it knows (epoch unchanged)...
    kind.add_version()  # v3
    assert server.load(kind.request()).etag == v2.etag
    served.listener.epoch += 1  # ...and serves the new one as soon as it arrives
    v3 = server.load(kind.request())
    assert v3.etag not in (v1.etag, v2.etag) and v3.source.version == 3
    assert server.load(kind.request(version=2)).etag == v2.etag


def test_unknown_sources_and_tiles_outside_the_grid(kind: Kind, served: Served) -> None:
    missing = LayerNotFound if kind.kind == "vector" else RasterNotFound
    with pytest.raises(missing):
        served.server.load(kind.request(version=9))
    with pytest.raises(missing):
        served.server.load(TileRequest(kind.kind, "nope", *kind.tile))
    for z, x, y in ((23, 0, 0), (3, 8, 0)):  # above max zoom 22; x past 2^3 - 1
        with pytest.raises(InvalidParameter):
            served.server.peek(kind.request((z, x, y)))
        with pytest.raises(InvalidParameter):
            served.server.load(kind.request((z, x, y)))
    assert served.renderer(kind.kind).resolves == 2  # the grid is checked before the catalog


def test_tilejson_of_both_kinds(kind: Kind, served: Served) -> None:
    with served.server.db.engine.connect() as conn:
        doc = served.server.tilejson(
            conn, kind.kind, kind.name, "http://h/", version=1, style=kind.style
        )
    suffix = "pbf" if kind.kind == "vector" else "png"
    query = "rescale=0,400&version=1" if kind.kind == "raster" else "version=1"
    path = "tiles/zona" if kind.kind == "vector" else "rasters/lereng/tiles"
    assert doc["tiles"] == [f"http://h/{path}/{{z}}/{{x}}/{{y}}.{suffix}?{query}"]
    assert (doc["tilejson"], doc["name"], doc["version"]) == ("3.0.0", kind.name, "1.0.0")
    assert (doc["minzoom"], doc["maxzoom"]) == (SETTINGS.min_zoom, SETTINGS.max_zoom)
    west, south, east, north = doc["bounds"]
    assert doc["center"][:2] == [(west + east) / 2, (south + north) / 2]
    own = {"vector_layers", "layer"} if kind.kind == "vector" else {"raster", "legend"}
    assert own <= doc.keys()


# --- the one tile request of both routes ----------------------------------------------------------


def test_both_tile_routes_read_one_tile_request() -> None:
    """The z/x/y path parameters, version, region and If-None-Match are declared once: the two
    tile routes document them identically; the raster route adds its style, the names differ."""
    spec = create_app().openapi()["paths"]
    vector = spec["/tiles/{layer}/{z}/{x}/{y}.pbf"]["get"]["parameters"]
    raster = spec["/rasters/{name}/tiles/{z}/{x}/{y}.png"]["get"]["parameters"]
    assert [p["name"] for p in vector] == [
        "layer",
        "z",
        "x",
        "y",
        "version",
        "region",
        "if-none-match",
    ]
    assert [p["name"] for p in raster] == [
        "name", "z", "x", "y", "colormap", "rescale", "version", "region", "if-none-match",
    ]  # fmt: skip
    shared = {"z", "x", "y", "version", "region", "if-none-match"}
    assert [p for p in vector if p["name"] in shared] == [p for p in raster if p["name"] in shared]


def test_answers_render_to_one_status_each() -> None:
    def answer(data: bytes | None) -> TileAnswer[None]:
        return TileAnswer('"e"', data, "image/png", 60, None)

    assert [answer(d).status for d in (b"x", b"", None)] == [200, 204, 304]
    assert answer(None).not_modified and not answer(b"").not_modified
