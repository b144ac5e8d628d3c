"""Raster findings of the check: the pack's raster_rules.csv thresholds at a point or a parcel.

Sampling (`sample_rasters`) reads the rasters the context names (their records kept per
version) through the one raster sampler (`app/services/rasters/sample.py`), which the point and
zonal queries use too; judging (`raster_findings`) applies the rule book to the samples inside
`evaluate`.

The rule for pixels is the sampler's: the statistics (count, min, max, mean) take the pixels
whose **centre** lies inside the parcel; a parcel holding no pixel centre takes the pixel under
its representative point; nodata is left out. A rule's `share` is the share of the parcel's
**area** lying in pixels that meet `raster op value` (every place of the parcel on the raster
lies in one pixel, so this is exact whatever the pixels' size); it fires when that share is
above `min_share` (at a point: when the pixel under it meets it), and that part of the parcel
is made stricter.
"""

from __future__ import annotations

import operator
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection

from app.l10n import Text, both, same
from app.services.geo.crs import epsg_of, reproject
from app.services.geo.parse import Parcel
from app.services.rasters.catalog import records_by_version
from app.services.rasters.records import RasterRecord
from app.services.rasters.sample import Sample, class_of, sample_geoms, to_raster_crs
from app.services.rules.book import RuleBook
from app.services.zoning.answer import Because, Citation, Notice, RasterFinding, RasterRule
from app.services.zoning.context import Context
from app.services.zoning.judge import Restriction, rule_letter

OPS: dict[str, Callable[[Any, Any], Any]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "=": operator.eq,
}


def raster_names(book: RuleBook | None) -> list[str]:
    """Return the rasters the rule book's raster rules name, in order."""
    return list(dict.fromkeys(r["raster"] for r in book.raster_rules)) if book else []


def sample_rasters(
    conn: Connection, ctx: Context, parcels: Sequence[Parcel]
) -> list[dict[str, Sample]]:
    """Return, per parcel, the samples of every raster the rules name.

    The context names each raster's current version (its query reads them); a version's
    record is kept in memory once read. Per raster CRS, the parcels are moved in one call; the
    sampler reads points together and each parcel's window. A raster the rules name but the
    catalog lacks is left out (the answer says so).
    """
    out: list[dict[str, Sample]] = [{} for _ in parcels]
    names = [n for n in raster_names(ctx.book) if n in ctx.rasters]
    if not names or not parcels:
        return out
    records = _records(conn, [ctx.rasters[n] for n in names])
    geoms = np.array([p.geom for p in parcels], dtype=object)
    moved_by_crs: dict[str, np.ndarray] = {}
    for name in names:
        record = records.get(ctx.rasters[name])
        if record is None:
            continue
        if record.crs not in moved_by_crs:
            moved_by_crs[record.crs] = to_raster_crs(record.crs, geoms)
        for i, sample in enumerate(sample_geoms(record, moved_by_crs[record.crs])):
            out[i][name] = sample
    return out


_RECORDS: OrderedDict[int, RasterRecord] = OrderedDict()
_LOCK = threading.Lock()
RECORDS_KEPT = 256


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
            entry.value = _plain(sample.value)
            entry.class_ = _class_dict(rec, sample.value)
        else:
            stats = sample.stats()
            assert stats is not None  # values.size > 0
            entry.stats = {
                "count": stats.count,
                "min": _plain(stats.min),
                "max": _plain(stats.max),
                "mean": _plain(stats.mean),
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


def _class_dict(rec: RasterRecord, v: int | float | None) -> dict[str, Any] | None:
    """Return the class of a categorical raster's value as the answer shows it, or None."""
    c = class_of(rec, v)
    if c is None:
        return None
    return {"value": c.value, "name": c.name_id, "name_en": c.name_en, "colour": c.color}


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
    if hit.all() and sample.inside_share == 1.0:  # the window covers the whole parcel
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
