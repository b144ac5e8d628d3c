"""Raster findings of the check: the pack's raster_rules.csv thresholds at a point or a parcel.

Sampling (`sample_rasters`) reads the stored COGs once per check or batch; judging
(`raster_findings`) applies the rule book to the samples inside `evaluate`.

The rule for pixels, the one of the zonal statistics (app/services/rasters/query.py): a pixel
belongs to the parcel when its **centre** lies inside the parcel; a parcel holding no pixel
centre takes the pixel under its representative point. Nodata pixels are left out. A rule's
`share` is the share of the parcel's valid pixels meeting `raster op value`; it fires when
that share is above `min_share` (at a point: when the value meets it). The part of the parcel
made stricter is the parcel cut by the squares of those pixels (in the region's metric CRS),
so its area can differ from `share` by the parcel's edge pixels.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import rasterio
import shapely
from rasterio.features import geometry_mask, shapes
from rasterio.windows import Window
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection

from app.errors import NotFound
from app.services.geo.crs import STORAGE_SRID, reproject
from app.services.rasters.catalog import get_raster
from app.services.rasters.records import RasterRecord
from app.services.rules.book import RuleBook
from app.services.zoning.parse import Parcel

OPS: dict[str, Callable[[Any, Any], Any]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "=": operator.eq,
}


@dataclass
class Sample:
    """One raster's pixels for one parcel (or its value at a point)."""

    record: RasterRecord
    values: np.ndarray  # the parcel's valid pixel values (one value for a point)
    # parcels: the window's pixels, which are the parcel's, and where to put them
    window_values: np.ndarray | None = None
    inside: np.ndarray | None = None
    transform: Any = None
    outside: bool = False  # the geometry lies outside the raster's footprint


def raster_names(book: RuleBook | None) -> list[str]:
    """Return the rasters the rule book's raster rules name, in order."""
    return list(dict.fromkeys(r["raster"] for r in book.raster_rules)) if book else []


def sample_rasters(
    conn: Connection, region: str | None, book: RuleBook | None, parcels: Sequence[Parcel]
) -> list[dict[str, Sample]]:
    """Return, per parcel, the samples of every raster the rules name (opened once each).

    A raster the rules name but the catalog lacks is left out (the answer says so).
    """
    out: list[dict[str, Sample]] = [{} for _ in parcels]
    names = raster_names(book)
    if not names:
        return out
    with ExitStack() as stack:
        for name in names:
            try:
                record = get_raster(conn, name, region=region)
            except NotFound:
                continue
            ds = stack.enter_context(rasterio.open(record.path))
            epsg = ds.crs.to_epsg()
            for i, parcel in enumerate(parcels):
                geom = (
                    reproject(parcel.geom, f"EPSG:{STORAGE_SRID}", epsg)
                    if epsg
                    else _to_crs(parcel.geom, ds.crs)
                )
                out[i][name] = _sample(ds, record, geom, parcel.is_point)
    return out


def _epsg(crs: str) -> int:
    return int(crs.split(":")[1]) if crs.upper().startswith("EPSG:") else 0


def _to_crs(geom: BaseGeometry, crs: Any) -> BaseGeometry:
    from pyproj import Transformer

    tr = Transformer.from_crs(f"EPSG:{STORAGE_SRID}", crs.to_wkt(), always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def _sample(ds: Any, record: RasterRecord, geom: BaseGeometry, is_point: bool) -> Sample:
    """Read the pixels of `geom` (in the raster's CRS) from the open dataset."""
    nodata = ds.nodata
    left, bottom, right, top = ds.bounds
    if is_point:
        x, y = geom.x, geom.y
        if not (left <= x < right and bottom < y <= top):
            return Sample(record, np.array([]), outside=True)
        row, col = ds.index(x, y)
        v = ds.read(1, window=Window(col, row, 1, 1))[0, 0]
        valid = not (nodata is not None and (v == nodata or (np.isnan(nodata) and np.isnan(v))))
        return Sample(record, np.array([v]) if valid else np.array([]))
    gx0, gy0, gx1, gy1 = geom.bounds
    if gx1 < left or gx0 > right or gy1 < bottom or gy0 > top:
        return Sample(record, np.array([]), outside=True)
    t = ds.transform  # north-up (the loader keeps the source grid; COGs are north-up)
    col0 = max(0, int(np.floor((gx0 - left) / t.a)))
    col1 = min(ds.width, int(np.ceil((gx1 - left) / t.a)))
    row0 = max(0, int(np.floor((top - gy1) / -t.e)))
    row1 = min(ds.height, int(np.ceil((top - gy0) / -t.e)))
    win = Window(col0, row0, max(1, col1 - col0), max(1, row1 - row0))
    data = ds.read(1, window=win)
    tr = ds.window_transform(win)
    inside = ~geometry_mask([geom], out_shape=data.shape, transform=tr, all_touched=False)
    if not inside.any():  # smaller than a pixel: the pixel under a point inside it
        p = geom.representative_point()
        r, c = rasterio.transform.rowcol(tr, p.x, p.y)
        if 0 <= r < data.shape[0] and 0 <= c < data.shape[1]:
            inside[r, c] = True
    valid = inside.copy()
    if nodata is not None:
        valid &= ~(np.isnan(data) if np.isnan(nodata) else data == nodata)
    return Sample(record, data[valid], window_values=data, inside=valid, transform=tr)


def raster_findings(
    book: RuleBook | None,
    parcel: Parcel,
    samples: dict[str, Sample],
    activity: str | None,
    on: date,
    metric_srid: int,
    cite: Callable[[str | None, str | None], dict | None],
) -> tuple[list[dict[str, Any]], list[tuple[str, BaseGeometry | None]]]:
    """Return the findings per raster and the (letter, part of the parcel) the rules make
    stricter (the part None at a point)."""
    if book is None:
        return [], []
    findings: list[dict[str, Any]] = []
    stricter: list[tuple[str, BaseGeometry | None]] = []
    for name in raster_names(book):
        sample = samples.get(name)
        if sample is None:
            parcel.warnings.append(f"raster {name!r} named by raster_rules.csv is not loaded")
            continue
        rec = sample.record
        entry: dict[str, Any] = {
            "raster": rec.name,
            "title": rec.title,
            "version": rec.version,
            "unit": rec.unit,
            "kind": rec.kind,
            "rules": [],
        }
        if sample.outside or sample.values.size == 0:
            entry["value" if parcel.is_point else "stats"] = None
            entry["note"] = "outside the raster" if sample.outside else "no data here"
            findings.append(entry)
            continue
        vals = sample.values.astype("float64")
        if parcel.is_point:
            entry["value"] = _plain(vals[0])
            entry["class"] = _class_of(rec, vals[0])
        else:
            entry["stats"] = {
                "count": int(vals.size),
                "min": _plain(vals.min()),
                "max": _plain(vals.max()),
                "mean": _plain(vals.mean()),
            }
        for rule in book.raster_rules_for(name, activity, on):
            hit = OPS[rule["op"]](vals, rule["value"])
            share = float(hit.mean())
            fires = bool(hit[0]) if parcel.is_point else share > rule["min_share"]
            if not fires:
                continue
            letter = rule["itbx"]
            entry["rules"].append(
                {
                    "condition": f"{rule['op']} {rule['value']:g}",
                    "share": round(share, 4),
                    "effect": rule["effect"],
                    "itbx": letter,
                    "finding": rule["finding"],
                    "finding_en": rule["finding_en"],
                    "legal": cite(rule["source_id"], rule["article"]),
                }
            )
            if letter and activity is not None:
                part = None if parcel.is_point else _hit_area(sample, rule, parcel, metric_srid)
                stricter.append((letter, part))
        findings.append(entry)
    return findings, stricter


def _plain(v: Any) -> float | int:
    f = float(v)
    return int(f) if f.is_integer() else round(f, 4)


def _class_of(rec: RasterRecord, v: Any) -> dict[str, Any] | None:
    for c in rec.classes:
        if c.value == int(v):
            return {"value": c.value, "name": c.name_id, "name_en": c.name_en, "colour": c.color}
    return None


def _hit_area(
    sample: Sample, rule: dict[str, Any], parcel: Parcel, metric_srid: int
) -> BaseGeometry:
    """Return the parcel (metric CRS) cut by the squares of its pixels meeting the rule."""
    assert sample.window_values is not None and sample.inside is not None
    hit = OPS[rule["op"]](sample.window_values.astype("float64"), rule["value"]) & sample.inside
    polys = [
        shape(g) for g, v in shapes(hit.astype("uint8"), mask=hit, transform=sample.transform)
        if v == 1
    ]  # fmt: skip
    if not polys:
        return shapely.Polygon()
    squares = shapely.union_all(polys)
    crs = sample.record.crs
    metric = reproject(squares, crs, metric_srid) if _epsg(crs) != metric_srid else squares
    return shapely.intersection(parcel.metric, metric)
