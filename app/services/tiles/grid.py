"""The Web Mercator tile grid (XYZ, EPSG:3857): coordinate checks, bounds, pixel sizes."""

from __future__ import annotations

import math

from app.errors import InvalidParameter

# Half the width of the Web Mercator square in metres (EPSG:3857), and metres per degree of
# longitude on its sphere.
ORIGIN_SHIFT = 20_037_508.342789244
M_PER_DEG = 2 * ORIGIN_SHIFT / 360.0


def check_tile(z: int, x: int, y: int, min_zoom: int, max_zoom: int) -> None:
    """Return None for a tile of the grid; InvalidParameter (422) for one outside its range."""
    if not min_zoom <= z <= max_zoom:
        raise InvalidParameter(
            f"zoom {z} is outside the served range {min_zoom}..{max_zoom}",
            message_id=f"zoom {z} di luar rentang yang dilayani {min_zoom}..{max_zoom}",
        )
    last = (1 << z) - 1
    if not (0 <= x <= last and 0 <= y <= last):
        raise InvalidParameter(
            f"tile {z}/{x}/{y} does not exist: at zoom {z}, x and y run from 0 to {last}",
            message_id=f"petak {z}/{x}/{y} tidak ada: pada zoom {z}, x dan y bernilai 0 "
            f"sampai {last}",
        )


def tile_lat(z: int, y: int) -> float:
    """Return the latitude of the top edge of tile row y at zoom z (degrees)."""
    n = math.pi - 2 * math.pi * y / (1 << z)
    return math.degrees(math.atan(math.sinh(n)))


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """Return the tile as (west, south, east, north) in degrees."""
    n = 1 << z
    return (x / n * 360 - 180, tile_lat(z, y + 1), (x + 1) / n * 360 - 180, tile_lat(z, y))


def tile_unit_m(z: int, extent: int) -> float:
    """Return the size of one tile unit at zoom z in EPSG:3857 metres (the same everywhere)."""
    return 2 * ORIGIN_SHIFT / (1 << z) / extent


def simplify_tolerance(z: int, y: int, extent: int, pixels: float) -> float:
    """Return `pixels` tile units of zoom z as a tolerance in degrees (0 for none).

    A Web Mercator unit is a fixed fraction of a degree of longitude, and less of a degree
    of latitude by cos(latitude); taking the cos at the tile edge nearer a pole keeps the
    tolerance under `pixels` in both directions everywhere in the tile.
    """
    if pixels <= 0:
        return 0.0
    unit_m = tile_unit_m(z, extent)
    lat = max(abs(tile_lat(z, y)), abs(tile_lat(z, y + 1)))
    return pixels * unit_m / M_PER_DEG * math.cos(math.radians(lat))
