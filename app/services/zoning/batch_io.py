"""Batch input and output: GeoJSON FeatureCollections and CSV (id, WKT or lon/lat, kbli)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from shapely import wkt as shapely_wkt

from app.errors import InvalidParameter
from app.services.zoning.batch import BatchItem, flat_row

FORMATS = ("json", "csv", "geojson")
COLUMNS = [
    "id",
    "verdict",
    "verdict_shares",
    "area_m2",
    "zones",
    "itbx",
    "overlays",
    "no_plan_share",
    "desa_code",
    "desa",
    "kecamatan_code",
    "kecamatan",
    "kbli",
    "activity",
    "summary_id",
    "summary_en",
    "warnings",
    "error",
    "detail",
]


def items_from_geojson(data: Any, crs: str | None) -> list[BatchItem]:
    """Return batch items from a FeatureCollection (properties id, kbli, activity)."""
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise InvalidParameter("the batch body must be a GeoJSON FeatureCollection or a CSV")
    features = data.get("features")
    if not isinstance(features, list):
        raise InvalidParameter("the FeatureCollection has no 'features' list")
    items = []
    for n, feat in enumerate(features, start=1):
        props = (feat or {}).get("properties") or {} if isinstance(feat, dict) else {}
        ref = props.get("id", feat.get("id") if isinstance(feat, dict) else None) or n
        geom = feat.get("geometry") if isinstance(feat, dict) else None
        items.append(
            BatchItem(
                ref=ref,
                geometry=geom,
                crs=crs,
                kbli=_text(props.get("kbli")),
                activity=_text(props.get("activity")),
            )
        )
    return items


def _text(value: Any) -> str | None:
    if value is None:
        return None
    out = str(value).strip()
    return out or None


def items_from_csv(body: str, crs: str | None) -> list[BatchItem]:
    """Return batch items from CSV with columns id and wkt (or lon, lat), kbli, activity."""
    reader = csv.DictReader(io.StringIO(body))
    cols = {c.strip().lower(): c for c in reader.fieldnames or []}
    if "wkt" not in cols and not {"lon", "lat"} <= cols.keys():
        raise InvalidParameter(
            "the CSV needs a wkt column or lon and lat columns (and optionally id, kbli, activity)"
        )
    items = []
    for n, row in enumerate(reader, start=1):

        def get(key: str, row: dict[str, str] = row) -> str | None:
            return _text(row.get(cols[key])) if key in cols else None

        ref = get("id") or n
        geometry: Any = None
        error = None
        try:
            if "wkt" in cols and get("wkt"):
                geometry = shapely.geometry.mapping(shapely_wkt.loads(get("wkt")))
            else:
                geometry = {"type": "Point", "coordinates": [float(get("lon")), float(get("lat"))]}  # type: ignore[arg-type]
        except Exception as exc:  # bad WKT or number: that row gets an error, not the batch
            error = f"row {n}: cannot read the geometry ({exc})"
        items.append(
            BatchItem(
                ref=ref,
                geometry=geometry,
                crs=crs,
                kbli=get("kbli"),
                activity=get("activity"),
                error=error,
            )
        )
    return items


def items_from_file(path: Path, crs: str | None) -> list[BatchItem]:
    """Return batch items from a CSV, GeoJSON or any vector file pyogrio reads."""
    if not path.exists():
        raise InvalidParameter(f"file not found: {path}")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return items_from_csv(path.read_text(encoding="utf-8-sig"), crs)
    if suffix in (".geojson", ".json"):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InvalidParameter(f"{path.name} is not valid JSON: {exc}") from exc
        return items_from_geojson(data, crs)
    try:
        gdf = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:
        raise InvalidParameter(f"cannot read {path.name}: {exc}") from exc
    if gdf.crs is None and crs is None:
        raise InvalidParameter(f"{path.name} has no CRS: pass --crs")
    file_crs = crs or gdf.crs.to_string()
    cols = {c.lower(): c for c in gdf.columns}
    items = []
    for n, (_, row) in enumerate(gdf.iterrows(), start=1):

        def val(key: str, row: Any = row) -> str | None:
            return _text(row[cols[key]]) if key in cols else None

        geom = row.geometry
        items.append(
            BatchItem(
                ref=val("id") or n,
                geometry=shapely.geometry.mapping(geom) if geom is not None else None,
                crs=file_crs,
                kbli=val("kbli"),
                activity=val("activity"),
            )
        )
    return items


def render(results: list[dict[str, Any]], fmt: str) -> tuple[str, str]:
    """Return (body, media type) of batch results as JSON rows, CSV or GeoJSON."""
    rows = [flat_row(r) for r in results]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        return buf.getvalue(), "text/csv"
    if fmt == "geojson":
        feats = []
        for r, row in zip(results, rows, strict=True):
            geom = r.get("_geometry")
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
            raise InvalidParameter(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}")
        return fmt
    accept = (accept or "").lower()
    if "text/csv" in accept:
        return "csv"
    if "geo+json" in accept:
        return "geojson"
    return "json"
