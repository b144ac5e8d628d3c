"""Batch input and output: GeoJSON FeatureCollections and CSV as staff keep them.

CSV input: comma, semicolon or tab separated (the delimiter is sniffed from the header line;
Excel in the Indonesian locale writes `;` and decimal commas), with a `wkt` column or a pair of
coordinate columns (lon/lat, longitude/latitude, x/y, bujur/lintang), and optionally `id`,
`kbli`, `activity`. Every row error names its row as a spreadsheet counts it (the header is
row 1) and its id when it has one (`row 3 (id P-2): ...`); a GeoJSON feature is named by its
number from 1 and its place in `features`. The rest of the batch is still checked.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from shapely import wkt as shapely_wkt

from app.errors import InvalidParameter
from app.services.zoning.answer import Answer
from app.services.zoning.batch import COLUMNS, BatchFailure, BatchItem, flat_row

FORMATS = ("json", "csv", "geojson")
COORDINATE_PAIRS = (("lon", "lat"), ("longitude", "latitude"), ("x", "y"), ("bujur", "lintang"))
DELIMITERS = (",", ";", "\t")
MAX_CELL_CHARS = 16_000_000
UPLOAD_SUFFIXES = {".csv": "csv", ".txt": "csv", ".geojson": "geojson", ".json": "geojson"}

__all__ = [
    "COLUMNS",
    "FORMATS",
    "decode_text",
    "input_kind",
    "items_from_bytes",
    "items_from_csv",
    "items_from_file",
    "items_from_geojson",
    "pick_format",
    "render",
]


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number" if isinstance(value, int | float) else "a value")


def _json_type_id(value: Any) -> str:
    """Return _json_type(value) in Bahasa Indonesia."""
    names = {dict: "objek", list: "array", str: "teks", bool: "boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "angka" if isinstance(value, int | float) else "nilai lain")


def items_from_geojson(data: Any, crs: str | None) -> list[BatchItem]:
    """Return batch items from a FeatureCollection (properties id, kbli, activity).

    A feature that is not an object, or whose properties are not an object, becomes a row with
    an error naming it; a missing or null id falls back to the feature's number (from 1).
    """
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise InvalidParameter(
            "the batch body must be a GeoJSON FeatureCollection or a CSV",
            message_id="Isi batch harus berupa GeoJSON FeatureCollection atau CSV",
        )
    features = data.get("features")
    if not isinstance(features, list):
        raise InvalidParameter(
            "the FeatureCollection has no 'features' list",
            message_id="FeatureCollection tidak memiliki daftar 'features'",
        )
    items = []
    for n, feat in enumerate(features, start=1):
        place = f"{n} (features[{n - 1}]"
        if not isinstance(feat, dict):
            items.append(
                BatchItem(
                    ref=n,
                    geometry=None,
                    error=f"it is {_json_type(feat)}, not a GeoJSON Feature object",
                    error_code="invalid_feature",
                    error_id=f"isinya {_json_type_id(feat)}, bukan objek GeoJSON Feature",
                    where=f"feature {place})",
                    where_id=f"fitur {place})",
                )
            )
            continue
        props = feat.get("properties")
        props = {} if props is None else props
        own_id = props.get("id") if isinstance(props, dict) else None
        ref = next((r for r in (own_id, feat.get("id")) if r is not None), None)
        named = place + (f", id {ref})" if ref is not None and ref != "" else ")")
        item = BatchItem(
            ref=n if ref is None else ref,
            geometry=None,
            crs=crs,
            where=f"feature {named}",
            where_id=f"fitur {named}",
        )
        if not isinstance(props, dict):
            item.error = f"properties must be an object or null, not {_json_type(props)}"
            item.error_code = "invalid_feature"
            item.error_id = f"properties harus berupa objek atau null, bukan {_json_type_id(props)}"
        else:
            item.geometry = feat.get("geometry")
            item.kbli = _text(props.get("kbli"))
            item.activity = _text(props.get("activity"))
        items.append(item)
    return items


def _text(value: Any) -> str | None:
    """Return a cell as stripped text; None for empty or missing (None, NaN) cells."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():  # 47111.0 from a numeric column
        value = int(value)
    out = str(value).strip()
    return out or None


def _delimiter(body: str) -> str:
    """Return the delimiter the header line uses most (outside quotes); comma by default."""
    header = body.split("\n", 1)[0]
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in header:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _number(cell: str, decimal_comma: bool) -> float:
    """Return a coordinate cell as a float; `109,75` and `1.234,5` when decimal commas are on."""
    text = cell.replace(" ", "")
    if decimal_comma and ("," in text or text.count(".") > 1):
        if "," in text and text.rfind(".") > text.rfind(","):
            text = text.replace(",", "")  # 1,234.5 written the English way after all
        else:
            text = text.replace(".", "").replace(",", ".")
    return float(text)


def items_from_csv(body: str, crs: str | None) -> list[BatchItem]:
    """Return batch items from CSV with an id, a wkt column or coordinate columns, kbli, activity.

    Column names are matched without regard to case; rows whose cells are all empty (the
    `;;;` Excel leaves below a table) are skipped.
    """
    body = body.removeprefix("\ufeff")
    delimiter = _delimiter(body)
    # A WKT of 10,000 vertices is ~400 KB: more than the csv module's 128 KB cell default.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_CELL_CHARS))
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter)
    try:
        return _csv_items(reader, crs, delimiter)
    except csv.Error as exc:
        raise InvalidParameter(
            f"the CSV cannot be read at line {reader.line_num}: {exc}",
            message_id=f"CSV tidak dapat dibaca pada baris ke-{reader.line_num}: {exc}",
        ) from exc


def _csv_items(reader: Any, crs: str | None, delimiter: str) -> list[BatchItem]:
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise InvalidParameter(
            "the CSV is empty: it needs a header line",
            message_id="CSV kosong: diperlukan baris judul kolom (header)",
        )
    cols: dict[str, int] = {}
    for i, name in enumerate(header):
        cols.setdefault(name.strip().lower(), i)
    pair = next((p for p in COORDINATE_PAIRS if p[0] in cols and p[1] in cols), None)
    if "wkt" not in cols and pair is None:
        shown = ", ".join(h.strip() for h in header if h.strip())
        raise InvalidParameter(
            "the CSV needs a wkt column or a pair of coordinate columns (lon/lat, "
            "longitude/latitude, x/y or bujur/lintang), and optionally id, kbli, activity; "
            f"its header has: {shown}",
            message_id="CSV memerlukan kolom wkt atau sepasang kolom koordinat (lon/lat, "
            "longitude/latitude, x/y atau bujur/lintang), serta boleh memuat id, kbli, "
            f"activity; header-nya berisi: {shown}",
        )
    names = [header[cols[k]].strip() for k in pair] if pair else []
    decimal_comma = delimiter != ","
    items = []
    n = 0
    row = 1  # the header; a spreadsheet counts empty rows (and a quoted cell's line breaks not)
    for cells in reader:
        row += 1
        if not any(c.strip() for c in cells):
            continue
        n += 1

        def get(key: str, cells: list[str] = cells) -> str | None:
            i = cols.get(key)
            return _text(cells[i]) if i is not None and i < len(cells) else None

        geometry, error = _csv_geometry(get, "wkt" in cols, pair, names, decimal_comma)
        own_id = get("id")
        named = f"{row} (id {own_id})" if own_id else f"{row}"
        items.append(
            BatchItem(
                ref=own_id or n,
                geometry=geometry,
                crs=crs,
                kbli=get("kbli"),
                activity=get("activity"),
                error=error[0] if error else None,
                error_id=error[1] if error else None,
                where=f"row {named}",
                where_id=f"baris {named}",
            )
        )
    return items


def _csv_geometry(
    get: Any, has_wkt: bool, pair: tuple[str, str] | None, names: list[str], decimal_comma: bool
) -> tuple[dict[str, Any] | None, tuple[str, str] | None]:
    """Return (GeoJSON geometry, None) of a CSV row, or (None, why not in English, Indonesian)."""
    wkt = get("wkt")
    if wkt is not None:
        try:
            return shapely.geometry.mapping(shapely_wkt.loads(wkt)), None
        except Exception as exc:  # shapely raises several types for bad WKT
            return None, (f"cannot read the WKT ({exc})", f"WKT tidak dapat dibaca ({exc})")
    missing = ["the wkt cell is empty"] if has_wkt else []
    missing_id = ["sel wkt kosong"] if has_wkt else []
    if pair is not None:
        cells = [get(k) for k in pair]
        empty = [name for name, cell in zip(names, cells, strict=True) if cell is None]
        if not empty:
            coords = []
            for name, cell in zip(names, cells, strict=True):
                try:
                    coords.append(_number(cell or "", decimal_comma))
                except ValueError:
                    return None, (
                        f"{name} {cell!r} is not a number",
                        f"{name} {cell!r} bukan angka",
                    )
            return {"type": "Point", "coordinates": coords}, None
        missing.append(" and ".join(empty) + (" are" if len(empty) > 1 else " is") + " empty")
        missing_id.append(" dan ".join(empty) + " kosong")
    return None, (
        "no geometry: " + " and ".join(missing),
        "tidak ada geometri: " + " dan ".join(missing_id),
    )


def decode_text(raw: bytes) -> str:
    """Return the text of an uploaded CSV: UTF-8 (with or without BOM), else Windows-1252.

    Excel saves "CSV (comma delimited)" in the ANSI code page, not UTF-8.
    """
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def input_kind(raw: bytes, media_type: str | None = None, filename: str | None = None) -> str:
    """Return "csv" or "geojson" for a batch body, from its file name, media type or content."""
    if filename and "." in filename:
        suffix = "." + filename.rsplit(".", 1)[1].lower()
        if suffix not in UPLOAD_SUFFIXES:
            raise InvalidParameter(
                f"{filename}: upload a .csv or .geojson file (save a spreadsheet as CSV; "
                "GeoPackage and Shapefile: `rtrw zoning check-file`)",
                message_id=f"{filename}: unggah berkas .csv atau .geojson (simpan lembar kerja "
                "sebagai CSV; GeoPackage dan Shapefile: `rtrw zoning check-file`)",
            )
        return UPLOAD_SUFFIXES[suffix]
    media = (media_type or "").lower()
    if "csv" in media or "ms-excel" in media:  # Windows browsers send .csv as vnd.ms-excel
        return "csv"
    if "json" in media:
        return "geojson"
    return "geojson" if raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[") else "csv"


def items_from_bytes(
    raw: bytes, crs: str | None, media_type: str | None = None, filename: str | None = None
) -> list[BatchItem]:
    """Return batch items from a request body or uploaded file (GeoJSON or CSV)."""
    name = filename or "the batch body"
    name_id = filename or "Isi batch"
    if not raw.strip():
        raise InvalidParameter(
            f"{name} is empty: it needs a GeoJSON FeatureCollection or a CSV",
            message_id=f"{name_id} kosong: harus berisi GeoJSON FeatureCollection atau CSV",
        )
    if input_kind(raw, media_type, filename) == "csv":
        return items_from_csv(decode_text(raw), crs)
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidParameter(
            f"{name} is not valid JSON: {exc}",
            message_id=f"{name_id} bukan JSON yang valid: {exc}",
        ) from exc
    return items_from_geojson(data, crs)


def items_from_file(path: Path, crs: str | None) -> list[BatchItem]:
    """Return batch items from a CSV, GeoJSON or any vector file pyogrio reads."""
    if not path.exists():
        raise InvalidParameter(
            f"file not found: {path}", message_id=f"Berkas tidak ditemukan: {path}"
        )
    suffix = path.suffix.lower()
    if suffix in UPLOAD_SUFFIXES:
        return items_from_bytes(path.read_bytes(), crs, filename=path.name)
    try:
        gdf = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:
        raise InvalidParameter(
            f"cannot read {path.name}: {exc}",
            message_id=f"Berkas {path.name} tidak dapat dibaca: {exc}",
        ) from exc
    if gdf.crs is None and crs is None:
        raise InvalidParameter(
            f"{path.name} has no CRS: pass --crs",
            message_id=f"{path.name} tidak menyebutkan sistem koordinat (CRS): berikan --crs",
        )
    file_crs = crs or gdf.crs.to_string()
    cols = {c.lower(): c for c in gdf.columns}
    items = []
    # The geometries from the GeoSeries: iterrows() turns a missing one into NaN, not None.
    geoms = gdf.geometry.to_list()
    for n, (_, row) in enumerate(gdf.iterrows(), start=1):

        def val(key: str, row: Any = row) -> str | None:
            return _text(row[cols[key]]) if key in cols else None

        geom = geoms[n - 1]
        own_id = val("id")
        named = f"{n} (id {own_id})" if own_id else f"{n}"
        items.append(
            BatchItem(
                ref=own_id or n,
                geometry=shapely.geometry.mapping(geom) if geom is not None else None,
                crs=file_crs,
                kbli=val("kbli"),
                activity=val("activity"),
                error=None if geom is not None else "the feature has no geometry",
                error_id=None if geom is not None else "fitur tidak memiliki geometri",
                where=f"feature {named}",
                where_id=f"fitur {named}",
            )
        )
    return items


def render(results: list[Answer | BatchFailure], fmt: str) -> tuple[str, str]:
    """Return (body, media type) of batch results as JSON rows, CSV or GeoJSON (same columns).

    A row refused for an unknown activity also carries `suggestions` in JSON and GeoJSON (the
    nearest activities: id, names, KBLI codes); CSV has them in `detail`/`detail_id` only.
    """
    rows = [flat_row(r) for r in results]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        return buf.getvalue(), "text/csv"
    for r, row in zip(results, rows, strict=True):
        if isinstance(r, BatchFailure) and r.suggestions:
            row["suggestions"] = r.suggestions
    if fmt == "geojson":
        feats = []
        for r, row in zip(results, rows, strict=True):
            geom = r.geom
            feats.append(
                {
                    "type": "Feature",
                    "id": row["id"],
                    "properties": row,
                    "geometry": shapely.geometry.mapping(geom) if geom is not None else None,
                }
            )
        return json.dumps({"type": "FeatureCollection", "features": feats}), "application/geo+json"
    return json.dumps({"count": len(rows), "rows": rows}), "application/json"


def pick_format(fmt: str | None, accept: str | None) -> str:
    """Return the output format from ?format= or the Accept header (default JSON)."""
    if fmt:
        if fmt not in FORMATS:
            raise InvalidParameter(
                f"format must be one of {', '.join(FORMATS)}; got {fmt!r}",
                message_id=f"format harus salah satu dari {', '.join(FORMATS)}; diterima {fmt!r}",
            )
        return fmt
    accept = (accept or "").lower()
    if "text/csv" in accept:
        return "csv"
    if "geo+json" in accept:
        return "geojson"
    return "json"
