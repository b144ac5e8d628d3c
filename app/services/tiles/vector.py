"""The vector renderer of the tile server: a layer name -> its version, a tile's cache key, the
MVT bytes from one SQL statement (`sql.py`), and what its TileJSON says."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from app.services.catalog.layers import LAYER
from app.services.catalog.named import ambiguous, no_version, not_found
from app.services.tiles.grid import ORIGIN_SHIFT, simplify_tolerance, tile_unit_m
from app.services.tiles.server import TileRequest, TileSet
from app.services.tiles.sql import LARGEST_SQL, SOURCE_SQL, TILE_SQL
from app.settings import TileSettings

# Bump when TILE_SQL or the attributes change: every cache key and ETag changes with it.
TILE_FORMAT = 3
# A polygon whose clearance is at least this many tile units stays valid when each vertex is
# snapped to the nearest unit: a snap moves a vertex by at most sqrt(0.5) = 0.7071 unit, so
# a vertex-to-edge distance shrinks by at most twice that, 1.4142 (TILE_SQL, migration 0011).
SNAP_CLEARANCE = 1.5

# The attributes a layer kind's tiles carry (data for the SQL's switches and for TileJSON).
FIELDS: dict[str, dict[str, str]] = {
    "zoning": {
        "code": "zone code (sub-zone where the plan has one), e.g. R-2",
        "name": "zone name",
        "plan": "zoning plan: rtrw or rdtr",
    },
    "admin": {
        "code": "Kemendagri code, e.g. 33.25.01",
        "name": "area name",
        "level": "2 kabupaten, 3 kecamatan, 4 desa/kelurahan",
    },
    "overlay": {"code": "overlay class", "name": "name", "kind": "layer kind"},
}
OTHER_FIELDS = {"name": "name", "kind": "layer kind"}


def fields_of(kind: str) -> dict[str, str]:
    """Return the attribute names (and their meaning) of a kind's tiles."""
    return FIELDS.get(kind, OTHER_FIELDS)


@dataclass(frozen=True)
class TileSource:
    """The layer version a request names, with what its tiles and TileJSON need."""

    name: str
    region: str | None
    kind: str
    version_id: int
    version: int
    checksum: str
    loaded_at: datetime
    plan: str | None
    title: str
    licence: str | None
    geometry_type: str | None
    bounds: tuple[float, float, float, float] | None


def resolve_source(
    conn: Connection, name: str, region: str | None = None, version: int | None = None
) -> TileSource:
    """Return the layer version to serve (current unless `version`); LayerNotFound if none."""
    rows = conn.execute(text(SOURCE_SQL), {"n": name, "region": region, "v": version}).all()
    if not rows:
        raise not_found(LAYER, name, region)
    if len(rows) > 1:
        raise ambiguous(LAYER, name, [str(r.region_code) for r in rows])
    r = rows[0]
    if r.version_id is None:
        raise no_version(LAYER, name, region, version, r.versions or [])
    bounds = (r.minx, r.miny, r.maxx, r.maxy)
    return TileSource(
        name=r.name,
        region=r.region_code,
        kind=r.kind,
        version_id=int(r.version_id),
        version=int(r.version),
        checksum=r.checksum,
        loaded_at=r.loaded_at,
        plan=r.plan,
        title=r.title,
        licence=r.licence,
        geometry_type=r.geometry_type,
        bounds=None if None in bounds else bounds,  # type: ignore[arg-type]
    )


def tile_key(source: TileSource, z: int, x: int, y: int, settings: TileSettings) -> str:
    """Return the cache key of a tile: a SHA-256 of everything that shapes its bytes.

    The version id with its file checksum and load time (ids restart in a new database, the
    cache directory may outlive it), the tile, and the settings the SQL takes.
    """
    parts = (
        TILE_FORMAT,
        source.version_id,
        source.checksum,
        source.loaded_at.isoformat(),
        source.kind,
        source.plan,
        source.name,
        settings.extent,
        settings.buffer,
        settings.max_features,
        settings.simplify_px,
        settings.min_feature_px,
        settings.snap_proven,
        z,
        x,
        y,
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


# The largest feature of each version seen (versions never change): (id, checksum, loaded_at)
_largest: dict[tuple[int, str, str], float] = {}
_scans: dict[tuple[int, str, str], threading.Lock] = {}
_scans_lock = threading.Lock()


def largest_feature(conn: Connection, source: TileSource) -> float:
    """Return the greater bbox side of the version's largest feature, in degrees (0 if none).

    Read once a process (a scan of the version, ~1 s for a million polygons) and kept;
    requests for the same version meanwhile wait for that one scan.
    """
    key = (source.version_id, source.checksum, source.loaded_at.isoformat())
    if (size := _largest.get(key)) is not None:
        return size
    with _scans_lock:
        lock = _scans.setdefault(key, threading.Lock())
    with lock:
        if (size := _largest.get(key)) is None:
            row = conn.execute(text(LARGEST_SQL), {"vid": source.version_id}).scalar()
            size = _largest[key] = float(row or 0.0)
    return size


def render_tile(
    conn: Connection, source: TileSource, z: int, x: int, y: int, settings: TileSettings
) -> bytes:
    """Return the MVT bytes of one tile (b"" when no feature falls in it): one SQL statement.

    Features under `min_feature_px` tile units both ways are left out; when the version's
    largest is, the tile is empty without a query.
    """
    px = simplify_tolerance(z, y, settings.extent, settings.min_feature_px)
    if px > 0 and largest_feature(conn, source) < px:
        return b""
    fields = fields_of(source.kind)
    unit = tile_unit_m(z, settings.extent)
    size = unit * settings.extent  # the tile's side in EPSG:3857 metres
    x0, y1 = -ORIGIN_SHIFT + x * size, ORIGIN_SHIFT - y * size
    # the cut box less 2 m: PostGIS tests bboxes in float32, ~1 m at these coordinates
    edge = settings.buffer * unit - 2.0
    data = conn.execute(
        text(TILE_SQL),
        {
            "clear": SNAP_CLEARANCE * unit if settings.snap_proven else None,
            "ix0": x0 - edge,
            "iy0": y1 - size - edge,
            "ix1": x0 + size + edge,
            "iy1": y1 + edge,
            # ST_AsMVTGeom's affine map: x' = (x - x0) extent/size, y' = (y1 - y) extent/size
            "fx": settings.extent / size,
            "fy": -settings.extent / size,
            "xoff": -x0 * settings.extent / size,
            "yoff": y1 * settings.extent / size,
            "z": z,
            "x": x,
            "y": y,
            "margin": settings.buffer / settings.extent,
            "tol": settings.simplify_px * unit,
            "px": px,
            # no box under px x px degrees holds more than this many m2 (a degree is at most
            # 111.7 km; 1.1 for the metric CRS's scale error, which area_m2 was computed in)
            "px_area": 1.1 * (px * 111_700) ** 2,
            "extent": settings.extent,
            "buffer": settings.buffer,
            "with_code": "code" in fields,
            "with_name": "name" in fields,
            "with_level": "level" in fields,
            "plan": source.plan if "plan" in fields else None,
            "kind": source.kind if "kind" in fields else None,
            "vid": source.version_id,
            "cap": settings.max_features,
            "layer": source.name,
        },
    ).scalar()
    return bytes(data) if data else b""


@dataclass(frozen=True)
class VectorTiles:
    """The tile server's renderer of the catalog's layers: Mapbox Vector Tiles from PostGIS."""

    settings: TileSettings
    kind = "vector"
    media_type = "application/vnd.mapbox-vector-tile"
    url = "tiles/{name}/{{z}}/{{x}}/{{y}}.pbf"
    renders_on_connection = True  # one SQL statement a tile

    def resolve(
        self, conn: Connection, name: str, region: str | None, version: int | None
    ) -> TileSource:
        """Return the layer version to serve (current unless `version`); LayerNotFound if none."""
        return resolve_source(conn, name, region, version)

    def key(self, source: TileSource, tile: TileRequest) -> str:
        """Return the cache key of the tile (`tile_key`)."""
        return tile_key(source, tile.z, tile.x, tile.y, self.settings)

    def render(self, conn: Connection | None, source: TileSource, tile: TileRequest) -> bytes:
        """Return the MVT bytes of the tile (b"" when no feature falls in it)."""
        if conn is None:  # renders_on_connection: the server hands it one
            raise TypeError("a vector tile renders on a database connection")
        return render_tile(conn, source, tile.z, tile.x, tile.y, self.settings)

    def tileset(
        self, source: TileSource, style: Hashable | None, settings: TileSettings
    ) -> TileSet:
        """Return what the layer version's TileJSON says: its vector layer and catalog entry."""
        return TileSet(
            name=source.name,
            title=source.title,
            version=source.version,
            bounds=source.bounds,
            centre_zoom=min(max(settings.min_zoom, 10), settings.max_zoom),
            attribution=source.licence,
            extra={
                "vector_layers": [
                    {
                        "id": source.name,
                        "description": source.title,
                        "minzoom": settings.min_zoom,
                        "maxzoom": settings.max_zoom,
                        "fields": fields_of(source.kind),
                    }
                ],
                "layer": {
                    "name": source.name,
                    "region": source.region,
                    "kind": source.kind,
                    "version": source.version,
                    "geometry_type": source.geometry_type,
                },
            },
        )
