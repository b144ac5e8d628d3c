"""A batch of up to 10,000 parcels checked with one parts query; flat rows for output."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import geopandas as gpd
import numpy as np
from sqlalchemy import Connection

from app.errors import (
    RtrwError,
    TooManyParcels,
    with_fallback,
)
from app.l10n import Lang
from app.services.geo.crs import STORAGE_SRID, epsg_of
from app.services.geo.parse import Parcel, parse_many
from app.services.rules.book import RuleBooks, process_rulebooks
from app.services.zoning.answer import Answer, OverlayHit
from app.services.zoning.boundary import region_boundary
from app.services.zoning.check import activity_of as _activity
from app.services.zoning.context import Context, context, regions_of
from app.services.zoning.evaluate import evaluate
from app.services.zoning.parts import parts_in_chunks
from app.services.zoning.rasters import sample_rasters
from app.settings import Settings, ZoningSettings, process_settings


@dataclass
class BatchItem:
    """One row of a batch: its id, geometry (GeoJSON), CRS and activity."""

    ref: Any
    geometry: Any
    crs: str | None = None
    kbli: str | None = None
    activity: str | None = None
    error: str | None = None  # a row that could not be read: says which row and why
    error_code: str = "invalid_geometry"
    error_id: str | None = None  # `error` in Bahasa Indonesia (the code's fallback if None)
    # The row as its file counts it (`row 3 (id P-2)`, `feature 2 (features[1])`): every error
    # of the row starts with it; `where_id` in Bahasa Indonesia.
    where: str | None = None
    where_id: str | None = None


def check_batch(
    conn: Connection,
    items: list[BatchItem],
    as_of: date | None = None,
    *,
    books: RuleBooks | None = None,
    settings: Settings | None = None,
) -> list[Answer | BatchFailure]:
    """Return one answer (or error) per item, with every parcel's parts found in one query.

    `books` and `settings`: the API's rule-book cache and limits; default the process's.
    """
    settings = settings or process_settings()
    limits = settings.zoning
    if len(items) > limits.max_batch:
        raise TooManyParcels(
            f"the batch has {len(items)} parcels; the limit is {limits.max_batch}",
            message_id=f"Batch memuat {len(items)} persil; batasnya {limits.max_batch} persil",
            limit=limits.max_batch,
        )
    books = process_rulebooks() if books is None else books
    srid = epsg_of(settings.loader.default_metric_crs) or 0
    on = as_of or date.today()
    results: list[Answer | BatchFailure | None] = [None for _ in items]
    parsed, where = _parse_items(items, srid, limits, results)
    # Each parcel is answered by the region that holds it: one run of the chunks per region.
    groups: dict[str | None, list[int]] = defaultdict(list)
    for j, hit in enumerate(regions_of(conn, [p.geom for p in parsed])):
        if hit.warning:
            parsed[j].warnings.append(hit.warning)
        groups[hit.code].append(j)
    for code, members in groups.items():
        ctx = context(conn, books, code, settings)
        group: list[Parcel] = []
        at: list[int] = []
        acts: list[str | None] = []
        for j in members:
            parcel, i = parsed[j], where[j]
            try:
                act = _activity(ctx, items[i].kbli, items[i].activity)
                if ctx.metric_srid != srid and not parcel.is_point:
                    again = parse_many([items[i].geometry], items[i].crs, ctx.metric_srid, limits)
                    if isinstance(again[0], RtrwError):
                        raise again[0]
                    again[0].ref, again[0].warnings = parcel.ref, parcel.warnings
                    parcel = again[0]
            except RtrwError as exc:
                results[i] = _failed(items[i], exc.code, exc.message, exc.message_id, exc.extra)
                continue
            group.append(parcel)
            at.append(i)
            acts.append(act)
        _check_group(conn, ctx, group, at, acts, items, results, on)
    return [r for r in results if r is not None]


def _parse_items(
    items: list[BatchItem],
    srid: int,
    limits: ZoningSettings,
    results: list[Answer | BatchFailure | None],
) -> tuple[list[Parcel], list[int]]:
    """Return the items' parcels and the index of each parcel's item; an item refused (by the
    reader or the parser) gets its BatchFailure in `results` instead."""
    by_crs: dict[str | None, list[int]] = defaultdict(list)
    for i, item in enumerate(items):
        if item.error is not None:
            results[i] = _failed(item, item.error_code, item.error, item.error_id)
            continue
        by_crs[item.crs].append(i)
    parsed: list[Parcel] = []
    where: list[int] = []
    for crs, idx in by_crs.items():  # one vectorised parse per CRS (usually one)
        outcomes = parse_many([items[i].geometry for i in idx], crs, srid, limits)
        for i, outcome in zip(idx, outcomes, strict=True):
            if isinstance(outcome, RtrwError):
                results[i] = _failed(items[i], outcome.code, outcome.message, outcome.message_id)
                continue
            outcome.ref = items[i].ref
            parsed.append(outcome)
            where.append(i)
    return parsed, where


def _check_group(
    conn: Connection,
    ctx: Context,
    group: list[Parcel],
    at: list[int],
    acts: list[str | None],
    items: list[BatchItem],
    results: list[Answer | BatchFailure | None],
    on: date,
) -> None:
    """Answer the parcels of one region (`at`: their item index) in chunks, into `results`."""
    settings = ctx.settings
    order = list(range(len(group)))
    group, order = _spatial_order(group, order)
    size = settings.batch_chunk
    with _connections(conn, settings.batch_connections, len(group) > size) as conns:
        chunks = parts_in_chunks(conns, ctx, group, size)
        samples = sample_rasters(conn, ctx, group)
        boundary = region_boundary(conn, ctx)
        for start, parts in zip(range(0, len(group), size), chunks, strict=True):
            for j in range(start, min(start + size, len(group))):
                parcel, k = group[j], order[j]
                i = at[k]
                try:
                    answer = evaluate(
                        ctx, parcel, parts.get(j, []), acts[k], on, samples[j], boundary
                    )
                except RtrwError as exc:
                    results[i] = _failed(items[i], exc.code, exc.message, exc.message_id)
                    continue
                answer.ref, answer.asked_kbli = items[i].ref, items[i].kbli
                results[i] = answer


@contextmanager
def _connections(conn: Connection, wanted: int, worth_it: bool) -> Iterator[list[Connection]]:
    """Yield `conn` and, for a large batch read in autocommit, more pooled connections.

    More backends cut chunks on more cores. Only an autocommit (read-only) caller gets them:
    a caller inside a transaction may read rows of its own that no other connection sees.
    """
    extra: list[Connection] = []
    autocommit = conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
    try:
        if autocommit and worth_it:
            for _ in range(wanted - 1):
                extra.append(conn.engine.connect().execution_options(isolation_level="AUTOCOMMIT"))
        yield [conn, *extra]
    finally:
        for c in extra:
            c.close()


def _spatial_order(parsed: list[Parcel], where: list[int]) -> tuple[list[Parcel], list[int]]:
    """Return the parcels (and their row numbers) sorted along a Hilbert curve.

    Neighbouring parcels then go to PostgreSQL one after another, so consecutive tests hit the
    same zone, desa and kecamatan polygons (PostGIS reuses a prepared geometry while its
    argument repeats) and the same pages: about 15 % less database time on the demo batch.
    """
    if len(parsed) < 2:
        return parsed, where
    series = gpd.GeoSeries([p.geom for p in parsed], crs=STORAGE_SRID)
    order = np.argsort(
        series.hilbert_distance(total_bounds=series.total_bounds).to_numpy(), kind="stable"
    )
    return [parsed[k] for k in order], [where[k] for k in order]


@dataclass
class BatchFailure:
    """A batch row that could not be checked: its id, the code it sent and the error."""

    ref: Any
    kbli: str | None
    error: str
    detail: str
    detail_id: str
    suggestions: list[Any] | None = None
    geom: None = None  # no geometry is answered for a failed row


def _failed(
    item: BatchItem,
    code: str,
    detail: str,
    detail_id: str | None,
    extra: dict[str, Any] | None = None,
) -> BatchFailure:
    """Return the result of a row that could not be checked: its error, naming the row."""
    detail_id = detail_id or with_fallback(code, detail)
    if item.where:
        detail, detail_id = f"{item.where}: {detail}", f"{item.where_id or item.where}: {detail_id}"
    suggestions = (extra or {}).get("suggestions") or None  # unknown_activity: the nearest
    return BatchFailure(item.ref, item.kbli, code, detail, detail_id, suggestions)


COLUMNS = [
    "id",
    "kbli",
    "activity",
    "verdict",
    "verdict_shares",
    "area_m2",
    "zones",
    "plans",
    "itbx",
    "effective",
    "because",
    "because_id",
    "conditions",
    "conditions_en",
    "overlays",
    "rasters",
    "no_plan_share",
    "outside_share",
    "max_footprint_m2",
    "max_floor_area_m2",
    "min_green_area_m2",
    "max_height_m",
    "desa_code",
    "desa",
    "kecamatan_code",
    "kecamatan",
    "route",
    "legal",
    "summary_id",
    "summary_en",
    "warnings",
    "warnings_id",
    "error",
    "detail",
    "detail_id",  # `detail` in Bahasa Indonesia
]
ENVELOPE_COLUMNS = ("max_footprint_m2", "max_floor_area_m2", "min_green_area_m2", "max_height_m")


def flat_row(result: Answer | BatchFailure) -> dict[str, Any]:
    """Return one flat row of a batch answer (CSV, GeoJSON properties and JSON rows alike).

    Every row has every column of COLUMNS; lists are joined into one cell: shares as
    `code:share;code:share`, the outcomes in effect as `code:letter:share`, texts
    (conditions, reasons, citations) as `text | text`.
    """
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    if isinstance(result, BatchFailure):
        row.update(id=result.ref, kbli=result.kbli, error=result.error, detail=result.detail)
        row["detail_id"] = result.detail_id
        return row
    a = result
    row["id"], row["kbli"] = a.ref, a.asked_kbli

    def shares(pairs: list[tuple[str | None, float]]) -> str | None:
        return ";".join(f"{k}:{v}" for k, v in pairs) or None

    def texts(items: list[str]) -> str | None:
        return " | ".join(items) or None

    zones = a.zones

    def conditions(lang: Lang) -> str | None:  # the conditions of each zone's ITBX letter
        return texts(
            [
                f"{z.code}: {(z.conditions_en or z.conditions) if lang == 'en' else z.conditions}"
                for z in zones
                if z.itbx and z.conditions
            ]
        )

    env = a.envelope
    desa = next((x for x in a.admin if x.level == "desa"), None)
    kec = next((x for x in a.admin if x.level == "kecamatan"), None)
    row.update(
        {
            "activity": a.activity["id"] if a.activity else None,
            "verdict": a.verdict,
            "verdict_shares": shares(list(a.verdict_shares.items())),
            "area_m2": a.area_m2,
            "zones": shares([(z.code, z.share) for z in zones]),
            "plans": ";".join(f"{z.code}:{z.plan}" for z in zones) or None,
            "itbx": ";".join(f"{z.code}:{z.itbx}" for z in zones if z.itbx) or None,
            "effective": ";".join(
                f"{z.code}:{k}:{v}" for z in zones for k, v in z.effective.items()
            )
            or None,
            "because": texts([f"{z.code}: {b.itbx} {b.what.en}" for z in zones for b in z.because]),
            "because_id": texts(
                [f"{z.code}: {b.itbx} {b.what.id}" for z in zones for b in z.because]
            ),
            "conditions": conditions("id"),
            "conditions_en": conditions("en"),
            "overlays": shares([(_overlay_label(o), o.share) for o in a.overlays]),
            # each raster rule met: `raster op value:letter-or-effect:share`
            "rasters": ";".join(
                f"{r.raster}{x.condition.replace(' ', '')}:{x.itbx or x.effect}:{x.share}"
                for r in a.rasters
                for x in r.rules
            )
            or None,
            "no_plan_share": a.no_plan_share,
            "outside_share": a.outside_share,
            **{k: getattr(env, k) if env else None for k in ENVELOPE_COLUMNS},
            "desa_code": desa.code if desa else None,
            "desa": desa.name if desa else None,
            "kecamatan_code": kec.code if kec else None,
            "kecamatan": kec.name if kec else None,
            "route": a.route.route if a.route else None,
            "legal": texts([c.label() for c in a.sources.legal]),
            "summary_id": a.summary.id,
            "summary_en": a.summary.en,
            "warnings": "; ".join(w.en for w in a.warnings) or None,
            "warnings_id": "; ".join(w.id for w in a.warnings) or None,
        }
    )
    return row


def _overlay_label(o: OverlayHit) -> str | None:
    """Return an overlay's code; an attribute of the zoning polygons reads `KKOP_1=<value>`."""
    return f"{o.attribute}={o.code}" if o.attribute else o.code
