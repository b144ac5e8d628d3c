"""Cell values of a budget spreadsheet that only budgets have: progress, places, desa codes.

Blanks, text, dates, numbers and money are read by app/services/sheets (one rule for every
import). Each parser here returns the value (None for a blank cell) or raises BadValue with
an English and an Indonesian reason. Rules:

- **Progress** is 0..100: "75", "75,5", "75%", and a percent-formatted Excel cell (0.75).
- **Coordinates** in one text, "lat, lon" or "lon, lat", separated by ",", ";" or spaces
  (decimal commas when separated by ";" or spaces), or degrees-minutes-seconds with
  N/S/E/W or LU/LS/BT. Indonesia's ranges (lat -11..6, lon 95..141) decide the order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import shapely
from shapely.geometry.base import BaseGeometry

from app.l10n import Text
from app.services.geo import kemendagri
from app.services.geo.crs import STORAGE_SRID, reproject
from app.services.sheets import BadValue, is_blank, text

LAT_RANGE = (-11.0, 6.0)
LON_RANGE = (95.0, 141.0)
# the columns budget parsers name in their messages
START_DATE = Text("tanggal mulai", "start date")
END_DATE = Text("tanggal selesai", "end date")
LONGITUDE = Text("bujur", "longitude")
LATITUDE = Text("lintang", "latitude")


def progress(value: object) -> Decimal | None:
    """Return physical progress in percent 0..100 (two decimals); BadValue otherwise."""
    if is_blank(value):
        return None
    raw = str(value).strip()
    try:
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            pct = Decimal(str(value))
        else:
            s = raw.replace("%", "").replace(" ", "").replace(",", ".")
            pct = Decimal(s)
    except InvalidOperation:
        raise BadValue(
            f"progress {raw!r} is not a number", f"progres {raw!r} bukan angka"
        ) from None
    if not pct.is_finite() or pct < 0 or pct > 100:
        raise BadValue(
            f"progress {raw!r} is outside 0-100", f"progres {raw!r} di luar rentang 0-100"
        )
    return pct.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def in_lat(v: float) -> bool:
    """Return True for a latitude inside Indonesia's range."""
    return LAT_RANGE[0] <= v <= LAT_RANGE[1]


def in_lon(v: float) -> bool:
    """Return True for a longitude inside Indonesia's range."""
    return LON_RANGE[0] <= v <= LON_RANGE[1]


@dataclass(frozen=True)
class LonLat:
    """A point in EPSG:4326 and whether the source gave it latitude first."""

    lon: float
    lat: float
    swapped: bool  # True when the file had lon before lat (or lon/lat columns exchanged)


def order(a: float, b: float, raw: str, *, lat_first: bool = True) -> LonLat:
    """Return the point of two numbers in either order, Indonesia's ranges deciding which is which.

    `lat_first` says what the source claims (a "lat, lon" text; False for lon/lat columns);
    `swapped` is True when the numbers turn out the other way round.
    """
    lat, lon = (a, b) if lat_first else (b, a)
    if in_lat(lat) and in_lon(lon):
        return LonLat(lon, lat, False)
    if in_lat(lon) and in_lon(lat):
        return LonLat(lat, lon, True)
    raise BadValue(
        f"location {raw!r} is not a point in Indonesia (lat -11..6, lon 95..141)",
        f"lokasi {raw!r} bukan titik di Indonesia (lintang -11..6, bujur 95..141)",
    )


_DMS = re.compile(
    r"(-?\d+(?:[.,]\d+)?)\s*°\s*(?:(\d+(?:[.,]\d+)?)\s*['′]\s*)?(?:(\d+(?:[.,]\d+)?)\s*(?:\"|″|''))?"
    r"\s*(LU|LS|BT|BB|N|S|E|W|U|T|B)?",
    re.IGNORECASE,
)


def _dms(raw: str) -> LonLat | None:
    """Return the point of a degrees-minutes-seconds text, or None if it is not one."""
    parts = list(_DMS.finditer(raw))
    if len(parts) != 2:
        return None
    values: list[tuple[float, str]] = []
    for m in parts:
        deg = float(m[1].replace(",", "."))
        mins = float((m[2] or "0").replace(",", "."))
        secs = float((m[3] or "0").replace(",", "."))
        v = abs(deg) + mins / 60 + secs / 3600
        hemi = (m[4] or "").upper()
        if deg < 0 or hemi in ("S", "LS", "W", "BB", "B"):
            v = -v
        axis = "lat" if hemi in ("N", "S", "LU", "LS", "U") else "lon" if hemi else ""
        values.append((v, axis))
    (a, axis_a), (b, _) = values
    return order(a, b, raw, lat_first=axis_a != "lon")


def coordinates(value: object) -> LonLat | None:
    """Return the point of a "lat, lon" / "lon, lat" / DMS text; BadValue when unreadable."""
    if is_blank(value):
        return None
    raw = str(value).strip()
    if "°" in raw:
        point = _dms(raw)
        if point is not None:
            return point
    s = raw.strip("()[] ")
    if ";" in s:
        parts = [p.strip().replace(",", ".") for p in s.split(";")]
    elif s.count(",") == 1:
        parts = [p.strip() for p in s.split(",")]
    elif s.count(",") > 1 and ", " in s:  # "-6,91, 109,72": comma-space separates
        parts = [p.strip().replace(",", ".") for p in s.split(", ")]
    else:
        parts = [p.replace(",", ".") for p in s.split()]
    try:
        a, b = (float(p) for p in parts)
    except ValueError:
        raise BadValue(
            f"location {raw!r} is not 'lat, lon' or 'lon, lat'",
            f"lokasi {raw!r} bukan 'lintang, bujur' atau 'bujur, lintang'",
        ) from None
    return order(a, b, raw)


def geometry_wkt(value: object, crs: str | None) -> tuple[BaseGeometry, bool] | None:
    """Return a POINT or (MULTI)LINESTRING in EPSG:4326 from WKT in `crs` (default 4326).

    The flag is True when a EPSG:4326 geometry was written latitude first (and was swapped).
    """
    if is_blank(value):
        return None
    raw = str(value).strip()
    try:
        geom = shapely.from_wkt(raw)
    except shapely.errors.GEOSException:
        raise BadValue(
            f"WKT {raw[:60]!r} cannot be read", f"WKT {raw[:60]!r} tidak terbaca"
        ) from None
    if (
        geom is None
        or geom.is_empty
        or geom.geom_type
        not in (
            "Point",
            "LineString",
            "MultiLineString",
        )
    ):
        kind = "empty" if geom is None or geom.is_empty else geom.geom_type.upper()
        raise BadValue(
            f"WKT must be a POINT or LINESTRING (a road), not {kind}",
            f"WKT harus POINT atau LINESTRING (ruas jalan), bukan {kind}",
        )
    geom = shapely.force_2d(geom)
    swapped = False
    if crs and crs.upper() not in ("EPSG:4326", "4326"):
        geom = reproject(geom, crs, STORAGE_SRID)
    else:
        xs, ys = shapely.get_coordinates(geom).T
        if all(in_lat(float(x)) for x in xs) and all(in_lon(float(y)) for y in ys):
            geom = shapely.transform(geom, lambda c: c[:, ::-1])
            swapped = True
    xs, ys = shapely.get_coordinates(geom).T
    if not (all(in_lon(float(x)) for x in xs) and all(in_lat(float(y)) for y in ys)):
        raise BadValue(
            f"WKT {raw[:60]!r} is not in Indonesia (check --crs)",
            f"WKT {raw[:60]!r} tidak berada di Indonesia (periksa --crs)",
        )
    return geom, swapped


def desa_code(value: object) -> str | None:
    """Return the dotted Kemendagri desa code (33.25.01.2001 or 3325012001); BadValue if not."""
    if is_blank(value):
        return None
    raw = text(value) or ""
    code = kemendagri.normalize_code(raw.replace(" ", ""))
    if code is None or kemendagri.level_of(code) != 4:
        raise BadValue(
            f"desa code {raw!r} is not a Kemendagri desa code (33.25.01.2001 or 3325012001)",
            f"kode desa {raw!r} bukan kode desa Kemendagri (33.25.01.2001 atau 3325012001)",
        )
    return code
