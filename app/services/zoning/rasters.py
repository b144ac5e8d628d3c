"""Raster findings of the check: the pack's raster_rules.csv thresholds at a point or a parcel.

Sampling (`sample_rasters`) reads the rasters the context names (their records kept per
version, small bands kept in memory, larger ones read by windows of files each worker thread
keeps open); judging
(`raster_findings`) applies the rule book to the samples inside `evaluate`.

The rule for pixels: the statistics (count, min, max, mean) take the pixels whose **centre**
lies inside the parcel, as the zonal statistics do (app/services/rasters/query.py); a parcel
holding no pixel centre takes the pixel under its representative point; nodata is left out.
A rule's `share` is the share of the parcel's **area** lying in pixels that meet
`raster op value` (every place of the parcel lies in one pixel, so this is exact whatever the
pixels' size); it fires when that share is above `min_share` (at a point: when the pixel under
it meets it), and that part of the parcel is made stricter.
"""

from __future__ import annotations

import operator
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import shapely
from rasterio.windows import Window
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection

from app.l10n import Text, both, same
from app.services.geo.crs import STORAGE_SRID, epsg_of, reproject, reproject_many
from app.services.rasters.catalog import records_by_version
from app.services.rasters.records import RasterRecord
from app.services.rules.book import RuleBook
from app.services.zoning.answer import Because, Citation, Notice, RasterFinding, RasterRule
from app.services.zoning.context import Context
from app.services.zoning.judge import Restriction, rule_letter
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
    values: np.ndarray  # the valid pixels whose centre lies inside the parcel (one at a point)
    # parcels: every pixel of the window over the parcel's bounds, and where it lies
    window_values: np.ndarray | None = None
    window_valid: np.ndarray | None = None
    origin: tuple[float, float, float, float] | None = None  # left, top, dx, dy of the window
    geom: BaseGeometry | None = None  # the parcel in the raster's CRS
    outside: bool = False  # the geometry lies outside the raster's footprint


def raster_names(book: RuleBook | None) -> list[str]:
    """Return the rasters the rule book's raster rules name, in order."""
    return list(dict.fromkeys(r["raster"] for r in book.raster_rules)) if book else []


def sample_rasters(
    conn: Connection, ctx: Context, parcels: Sequence[Parcel]
) -> list[dict[str, Sample]]:
    """Return, per parcel, the samples of every raster the rules name.

    The context names each raster's current version (its query reads them); a version's
    record is kept in memory once read. Per raster, the parcels are moved into its CRS in one
    call and points are read together; a raster of at most BAND_CACHE_BYTES is read whole once
    per process and sampled from memory, a larger one by windows. A raster the rules name but
    the catalog lacks is left out (the answer says so).
    """
    out: list[dict[str, Sample]] = [{} for _ in parcels]
    names = [n for n in raster_names(ctx.book) if n in ctx.rasters]
    if not names or not parcels:
        return out
    records = _records(conn, [ctx.rasters[n] for n in names])
    geoms = np.array([p.geom for p in parcels], dtype=object)
    is_point = np.array([p.is_point for p in parcels])
    moved_by_crs: dict[str, np.ndarray] = {}
    for name in names:
        record = records.get(ctx.rasters[name])
        if record is None:
            continue
        ds = _dataset(record)
        if record.crs not in moved_by_crs:
            epsg = ds.crs.to_epsg()
            moved_by_crs[record.crs] = (
                reproject_many(geoms, f"EPSG:{STORAGE_SRID}", epsg)
                if epsg
                else np.array([_to_crs(g, ds.crs) for g in geoms], dtype=object)
            )
        moved = moved_by_crs[record.crs]
        grid = _Grid(ds, _band(record, ds))
        for i, sample in _sample_points(grid, record, moved, is_point):
            out[i][name] = sample
        for j in np.flatnonzero(~is_point):
            out[int(j)][name] = _sample_polygon(grid, record, moved[j])
    return out


_RECORDS: OrderedDict[int, RasterRecord] = OrderedDict()
_BANDS: OrderedDict[tuple[Path, str], np.ndarray] = OrderedDict()
_LOCK = threading.Lock()
RECORDS_KEPT = 256
BAND_CACHE_BYTES = 256 * 1024 * 1024  # bands kept in memory per process, at most


def _records(conn: Connection, version_ids: list[int]) -> dict[int, RasterRecord]:
    """Return the records of these raster versions: kept ones, the rest in one query."""
    with _LOCK:
        found = {v: _RECORDS[v] for v in version_ids if v in _RECORDS}
    missing = [v for v in version_ids if v not in found]
    if missing:
        read = records_by_version(conn, missing)
        with _LOCK:
            for v, rec in read.items():
                _RECORDS[v] = rec
            while len(_RECORDS) > RECORDS_KEPT:
                _RECORDS.popitem(last=False)
        found.update(read)
    return found


def _band(record: RasterRecord, ds: Any) -> np.ndarray | None:
    """Return the raster's band 1 from memory (read on first use); None when too large."""
    size = ds.width * ds.height * np.dtype(ds.dtypes[0]).itemsize
    if size > BAND_CACHE_BYTES // 4:
        return None
    key = (record.path, record.checksum)
    with _LOCK:
        band = _BANDS.get(key)
        if band is not None:
            _BANDS.move_to_end(key)
            return band
    band = ds.read(1)
    band.setflags(write=False)
    with _LOCK:
        _BANDS[key] = band
        while sum(b.nbytes for b in _BANDS.values()) > BAND_CACHE_BYTES:
            _BANDS.popitem(last=False)
    return band


@dataclass
class _Grid:
    """An open raster's grid (north-up), with its band when it was read whole."""

    ds: Any
    band: np.ndarray | None = None

    def __post_init__(self) -> None:
        t = self.ds.transform
        self.left, self.top, self.dx, self.dy = t.c, t.f, t.a, -t.e
        self.width, self.height = self.ds.width, self.ds.height
        self.nodata = self.ds.nodata

    def read(self, row0: int, col0: int, rows: int, cols: int) -> np.ndarray:
        if self.band is not None:
            return self.band[row0 : row0 + rows, col0 : col0 + cols]
        return self.ds.read(1, window=Window(col0, row0, cols, rows))

    def valid(self, data: np.ndarray) -> np.ndarray:
        if self.nodata is None:
            return np.ones(data.shape, dtype=bool)
        return ~np.isnan(data) if np.isnan(self.nodata) else data != self.nodata


def _sample_points(
    grid: _Grid, record: RasterRecord, moved: np.ndarray, is_point: np.ndarray
) -> list[tuple[int, Sample]]:
    """Return the samples of the point parcels: the pixel under each, read together."""
    idx = np.flatnonzero(is_point)
    if idx.size == 0:
        return []
    x, y = shapely.get_x(moved[idx]), shapely.get_y(moved[idx])
    cols = np.floor((x - grid.left) / grid.dx).astype(np.int64)
    rows = np.floor((grid.top - y) / grid.dy).astype(np.int64)
    inside = (cols >= 0) & (cols < grid.width) & (rows >= 0) & (rows < grid.height)
    values = np.zeros(idx.size, dtype=grid.ds.dtypes[0])
    if grid.band is not None:
        values[inside] = grid.band[rows[inside], cols[inside]]
    else:
        for m in np.flatnonzero(inside):
            values[m] = grid.read(int(rows[m]), int(cols[m]), 1, 1)[0, 0]
    ok = grid.valid(values)
    out = []
    for k, at in enumerate(idx.tolist()):
        if not inside[k]:
            out.append((at, Sample(record, np.array([]), outside=True)))
        else:
            out.append((at, Sample(record, values[k : k + 1] if ok[k] else np.array([]))))
    return out


def _sample_polygon(grid: _Grid, record: RasterRecord, geom: BaseGeometry) -> Sample:
    """Read the pixels whose centre lies inside `geom` (in the raster's CRS)."""
    gx0, gy0, gx1, gy1 = geom.bounds
    col0 = max(0, int(np.floor((gx0 - grid.left) / grid.dx)))
    col1 = min(grid.width, int(np.ceil((gx1 - grid.left) / grid.dx)))
    row0 = max(0, int(np.floor((grid.top - gy1) / grid.dy)))
    row1 = min(grid.height, int(np.ceil((grid.top - gy0) / grid.dy)))
    if col1 <= col0 or row1 <= row0:
        return Sample(record, np.array([]), outside=True)
    data = grid.read(row0, col0, row1 - row0, col1 - col0)
    xs = grid.left + (np.arange(col0, col1) + 0.5) * grid.dx
    ys = grid.top - (np.arange(row0, row1) + 0.5) * grid.dy
    cx, cy = np.meshgrid(xs, ys)
    inside = shapely.contains_xy(geom, cx, cy)
    if not inside.any():  # smaller than a pixel: the pixel under a point inside it
        p = geom.representative_point()
        r = int(np.floor((grid.top - p.y) / grid.dy)) - row0
        c = int(np.floor((p.x - grid.left) / grid.dx)) - col0
        if 0 <= r < data.shape[0] and 0 <= c < data.shape[1]:
            inside[r, c] = True
    ok = grid.valid(data)
    origin = (grid.left + col0 * grid.dx, grid.top - row0 * grid.dy, grid.dx, grid.dy)
    return Sample(record, data[inside & ok], window_values=data, window_valid=ok, origin=origin,
                  geom=geom)  # fmt: skip


class _Datasets(threading.local):
    """This thread's open raster files by (path, checksum): opening a COG costs ~1 ms."""

    def __init__(self) -> None:
        self.open: OrderedDict[tuple[Path, str], Any] = OrderedDict()


_datasets = _Datasets()
DATASETS_PER_THREAD = 16


def _dataset(record: RasterRecord) -> Any:
    """Return this thread's open dataset of the record's file (a new version, a new file)."""
    key = (record.path, record.checksum)
    ds = _datasets.open.get(key)
    if ds is not None:
        _datasets.open.move_to_end(key)
        return ds
    ds = rasterio.open(record.path)
    _datasets.open[key] = ds
    while len(_datasets.open) > DATASETS_PER_THREAD:
        _, old = _datasets.open.popitem(last=False)
        old.close()
    return ds


def _to_crs(geom: BaseGeometry, crs: Any) -> BaseGeometry:
    from pyproj import Transformer

    tr = Transformer.from_crs(f"EPSG:{STORAGE_SRID}", crs.to_wkt(), always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def raster_findings(
    book: RuleBook | None,
    parcel: Parcel,
    samples: dict[str, Sample],
    activity: str | None,
    on: date,
    metric_srid: int,
    cite: Callable[[str | None, str | None], Citation | None],
    warnings: list[Notice],
) -> tuple[list[RasterFinding], list[Restriction]]:
    """Return the findings per raster and the parts of the parcel the rules make stricter
    (each part None at a point), with the rule that does it."""
    if book is None:
        return [], []
    findings: list[RasterFinding] = []
    stricter: list[Restriction] = []
    for name in raster_names(book):
        sample = samples.get(name)
        if sample is None:
            warnings.append(
                Notice.of("raster_missing", both("warn.raster_missing", name=same(repr(name))))
            )
            continue
        rec = sample.record
        entry = RasterFinding(rec.name, rec.title, rec.version, rec.unit, rec.kind, rec.title_en)
        if sample.outside or sample.values.size == 0:
            entry.note = both("raster.outside" if sample.outside else "raster.no_data")
            findings.append(entry)
            continue
        vals = sample.values.astype("float64")
        if parcel.is_point:
            entry.value = _plain(vals[0])
            entry.class_ = _class_of(rec, vals[0])
        else:
            entry.stats = {
                "count": int(vals.size),
                "min": _plain(vals.min()),
                "max": _plain(vals.max()),
                "mean": _plain(vals.mean()),
            }
        for rule in book.raster_rules_for(name, activity, on):
            if parcel.is_point:
                share, part = (1.0 if OPS[rule["op"]](vals[0], rule["value"]) else 0.0), None
                fires = share == 1.0
            else:
                share, part = _hit_part(sample, rule, parcel, metric_srid)
                fires = share > rule["min_share"]
            if not fires:
                continue
            condition = f"{rule['op']} {rule['value']:g}"
            legal = cite(rule["source_id"], rule["article"])
            entry.rules.append(
                RasterRule(
                    condition, round(share, 4), rule["effect"], rule["itbx"], rule["finding"],
                    rule["finding_en"], legal,
                )
            )  # fmt: skip
            letter = rule_letter(rule)
            if letter and activity is not None:
                title = Text(rec.title or rec.name, rec.title_en or rec.title or rec.name)
                what = both("because.raster", title=title, condition=same(condition))
                text = Text(rule["finding"], rule["finding_en"] or rule["finding"])
                because = Because(
                    "raster", rec.name, None, condition, letter, rule["effect"], what, text, legal
                )
                stricter.append(Restriction(letter, part, because))
        findings.append(entry)
    return findings, stricter


def _plain(v: Any) -> float | int:
    f = float(v)
    return int(f) if f.is_integer() else round(f, 4)


def _class_of(rec: RasterRecord, v: Any) -> dict[str, Any] | None:
    """Return the class of a categorical raster's value (name in both languages), or None."""
    for c in rec.classes:
        if c.value == int(v):
            return {"value": c.value, "name": c.name_id, "name_en": c.name_en, "colour": c.color}
    return None


def _hit_part(
    sample: Sample, rule: dict[str, Any], parcel: Parcel, metric_srid: int
) -> tuple[float, BaseGeometry]:
    """Return the share of the parcel's area lying in pixels that meet the rule, and that part
    of the parcel in the metric CRS (every place of the parcel belongs to one pixel)."""
    assert sample.window_values is not None and sample.window_valid is not None
    assert sample.origin is not None and sample.geom is not None
    hit = OPS[rule["op"]](sample.window_values, rule["value"]) & sample.window_valid
    if not hit.any():
        return 0.0, shapely.Polygon()
    if hit.all():  # the window covers the parcel's bounds: all of it
        return 1.0, parcel.metric
    left, top, dx, dy = sample.origin
    rows, cols = np.nonzero(hit)
    squares = shapely.union_all(shapely.box(
        left + cols * dx, top - (rows + 1) * dy, left + (cols + 1) * dx, top - rows * dy
    ))  # fmt: skip
    inside = shapely.intersection(sample.geom, squares)
    total = sample.geom.area
    share = min(1.0, float(inside.area) / total) if total > 0 else 0.0
    crs = sample.record.crs
    metric = reproject(squares, crs, metric_srid) if epsg_of(crs) != metric_srid else squares
    return share, shapely.intersection(parcel.metric, metric)
