"""Cell values of a budget spreadsheet as typed values: rupiah, percent, dates, places.

Each parser returns the value (None for a blank cell) or raises BadValue with an English and
an Indonesian reason. Rules:

- **Money** becomes whole rupiah. "Rp 1.250.000.000", "1.250.000.000,00", "Rp1.250.000.000,-",
  "1,250,000,000", "1250000000", "1,5 M", "250 jt", and Excel numbers. A separator that
  occurs more than once, or once followed by exactly three digits, groups thousands; with
  both "." and ",", the last one is the decimal mark. Sen are rounded half up to the rupiah
  (1.000,50 -> 1.001). Negative amounts are refused.
- **Progress** is 0..100: "75", "75,5", "75%", and a percent-formatted Excel cell (0.75).
- **Dates**: dd/mm/yyyy, d-m-yyyy, yyyy-mm-dd, "12 Januari 2025", Excel dates and serials.
- **Coordinates** in one text, "lat, lon" or "lon, lat", separated by ",", ";" or spaces
  (decimal commas when separated by ";" or spaces), or degrees-minutes-seconds with
  N/S/E/W or LU/LS/BT. Indonesia's ranges (lat -11..6, lon 95..141) decide the order.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import shapely
from shapely.geometry.base import BaseGeometry

from app.services.geo import kemendagri
from app.services.geo.crs import STORAGE_SRID, reproject

LAT_RANGE = (-11.0, 6.0)
LON_RANGE = (95.0, 141.0)
BLANKS = frozenset({"", "-", "–", "—", "n/a", "na", "null", "none", "#n/a"})
_EXCEL_EPOCH = date(1899, 12, 30)
_SCALE = {
    "rb": 10**3, "ribu": 10**3, "k": 10**3,
    "jt": 10**6, "juta": 10**6,
    "m": 10**9, "miliar": 10**9, "milyar": 10**9, "mlyr": 10**9, "b": 10**9,
    "t": 10**12, "triliun": 10**12,
}  # fmt: skip
_MONTHS = {
    "jan": 1, "januari": 1, "january": 1,
    "feb": 2, "februari": 2, "pebruari": 2, "february": 2,
    "mar": 3, "maret": 3, "march": 3,
    "apr": 4, "april": 4,
    "mei": 5, "may": 5,
    "jun": 6, "juni": 6, "june": 6,
    "jul": 7, "juli": 7, "july": 7,
    "agu": 8, "agt": 8, "agus": 8, "agustus": 8, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9,
    "okt": 10, "oktober": 10, "oct": 10, "october": 10,
    "nov": 11, "nopember": 11, "november": 11,
    "des": 12, "desember": 12, "dec": 12, "december": 12,
}  # fmt: skip


class BadValue(ValueError):
    """A cell that cannot be read as its field's type; `en` and `id` say why."""

    def __init__(self, en: str, id_: str) -> None:
        super().__init__(en)
        self.en = en
        self.id = id_


def is_blank(value: object) -> bool:
    """Return True for an empty cell (None, "", "-", "N/A", NaN)."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip().lower() in BLANKS


def text(value: object) -> str | None:
    """Return a cell as trimmed text (12.0 -> "12"), or None when blank."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    return re.sub(r"\s+", " ", str(value)).strip()


def _number(raw: str) -> Decimal:
    """Return the number of a text with Indonesian or English separators; ValueError if none."""
    s = raw.replace(" ", "").replace("\u00a0", "")
    if not re.fullmatch(r"\d[\d.,]*", s):
        raise ValueError(raw)
    dots, commas = s.count("."), s.count(",")
    if dots and commas:
        decimal_mark = "," if s.rfind(",") > s.rfind(".") else "."
        group = "." if decimal_mark == "," else ","
        s = s.replace(group, "").replace(decimal_mark, ".")
    elif dots or commas:
        mark = "." if dots else ","
        count = dots or commas
        tail = s.rsplit(mark, 1)[1]
        if count > 1 or len(tail) == 3:  # thousands: 1.250.000, 1,250,000, 1.250
            if not re.fullmatch(rf"\d{{1,3}}(\{mark}\d{{3}})+", s):
                raise ValueError(raw)
            s = s.replace(mark, "")
        else:
            s = s.replace(mark, ".")
    return Decimal(s)


def money(value: object) -> int | None:
    """Return an amount as whole rupiah (sen rounded half up); BadValue if not a number or < 0."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise BadValue(f"money {value!r} is not a number", f"nilai uang {value!r} bukan angka")
    if isinstance(value, int | float | Decimal):
        if isinstance(value, float) and not math.isfinite(value):
            raise BadValue(f"money {value!r} is not a number", f"nilai uang {value!r} bukan angka")
        amount = Decimal(str(value))
    else:
        raw = str(value).strip()
        s = raw.lower().replace("\u00a0", " ")
        negative = s.startswith("-") or (s.startswith("(") and s.endswith(")"))
        s = s.strip("()").lstrip("-").strip()
        s = re.sub(r"^(rp\.?|idr)\s*", "", s)
        s = re.sub(r"[,.]\s*-+$", "", s).strip()  # Rp1.250.000,-
        scale = 1
        m = re.fullmatch(r"(.*?)\s*([a-z]+)\.?", s)
        if m and m.group(2) in _SCALE:
            s, scale = m.group(1), _SCALE[m.group(2)]
        try:
            amount = _number(s) * scale
        except (ValueError, InvalidOperation):
            raise BadValue(
                f"money {raw!r} is not a number", f"nilai uang {raw!r} bukan angka"
            ) from None
        if negative:
            amount = -amount
    if amount < 0:
        raise BadValue(
            f"money {value!r} is negative", f"nilai uang {value!r} negatif (tidak boleh < 0)"
        )
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


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


def _date_or_bad(y: int, m: int, d: int, raw: str) -> date:
    try:
        return date(y, m, d)
    except ValueError:
        raise BadValue(f"date {raw!r} does not exist", f"tanggal {raw!r} tidak ada") from None


def parse_date(value: object) -> date | None:
    """Return a date from a cell (dd/mm/yyyy, d-m-yyyy, yyyy-mm-dd, "1 Juli 2025", Excel)."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 2958466:
        return _EXCEL_EPOCH + timedelta(days=int(value))  # an Excel serial day (1900 system)
    raw = str(value).strip()
    s = raw.lower()
    if m := re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ t][\d:.]+)?", s):
        return _date_or_bad(int(m[1]), int(m[2]), int(m[3]), raw)
    if m := re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", s):
        return _date_or_bad(int(m[3]), int(m[2]), int(m[1]), raw)
    if m := re.fullmatch(r"(\d{1,2})[\s-]+([a-z]+)\.?[\s-]+(\d{4})", s):
        month = _MONTHS.get(m[2])
        if month:
            return _date_or_bad(int(m[3]), month, int(m[1]), raw)
    if re.fullmatch(r"\d{5}(\.0+)?", s):
        return _EXCEL_EPOCH + timedelta(days=int(float(s)))
    raise BadValue(
        f"date {raw!r} is not dd/mm/yyyy or yyyy-mm-dd",
        f"tanggal {raw!r} tidak berformat hh/bb/tttt atau tttt-bb-hh",
    )


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


# The number columns by the name callers give them (English), and in Bahasa Indonesia.
NUMBER_FIELDS: dict[str, str] = {"longitude": "bujur", "latitude": "lintang"}


def number(value: object, what: str) -> float | None:
    """Return a plain decimal number (decimal comma allowed); BadValue naming `what` (a key of
    NUMBER_FIELDS, which gives its Indonesian name)."""
    if is_blank(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raw = str(value).strip()
    try:
        return float(raw.replace(" ", "").replace(",", "."))
    except ValueError:
        raise BadValue(
            f"{what} {raw!r} is not a number",
            f"{NUMBER_FIELDS.get(what, 'nilai')} {raw!r} bukan angka",
        ) from None


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
