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
from app.services.geo.crs import STORAGE_SRID, epsg_of
from app.services.rules.book import RuleBooks, process_rulebooks
from app.services.zoning.check import activity_of as _activity
from app.services.zoning.context import Context, context, regions_of
from app.services.zoning.evaluate import evaluate
from app.services.zoning.parse import Parcel, parse_many
from app.services.zoning.parts import parts_in_chunks
from app.services.zoning.rasters import sample_rasters
from app.settings import loader_settings, zoning_settings


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
) -> list[dict[str, Any]]:
    """Return one answer (or error) per item, with every parcel's parts found in one query."""
    settings = zoning_settings()
    if len(items) > settings.max_batch:
        raise TooManyParcels(
            f"the batch has {len(items)} parcels; the limit is {settings.max_batch}",
            message_id=f"Batch memuat {len(items)} persil; batasnya {settings.max_batch} persil",
            limit=settings.max_batch,
        )
    books = process_rulebooks() if books is None else books
    srid = epsg_of(loader_settings().default_metric_crs) or 0
    on = as_of or date.today()
    results: list[dict[str, Any]] = [{} for _ in items]
    by_crs: dict[str | None, list[int]] = defaultdict(list)
    for i, item in enumerate(items):
        if item.error is not None:
            results[i] = _failed(item, item.error_code, item.error, item.error_id)
            continue
        by_crs[item.crs].append(i)
    parsed: list[Parcel] = []
    where: list[int] = []
    for crs, idx in by_crs.items():  # one vectorised parse per CRS (usually one)
        outcomes = parse_many([items[i].geometry for i in idx], crs, srid, settings)
        for i, outcome in zip(idx, outcomes, strict=True):
            if isinstance(outcome, RtrwError):
                results[i] = _failed(items[i], outcome.code, outcome.message, outcome.message_id)
                continue
            outcome.ref = items[i].ref
            parsed.append(outcome)
            where.append(i)
    # Each parcel is answered by the region that holds it: one run of the chunks per region.
    groups: dict[str | None, list[int]] = defaultdict(list)
    for j, hit in enumerate(regions_of(conn, [p.geom for p in parsed])):
        if hit.warning:
            parsed[j].warnings.append(hit.warning)
        groups[hit.code].append(j)
    for code, members in groups.items():
        ctx = context(conn, books, code)
        group: list[Parcel] = []
        at: list[int] = []
        acts: list[str | None] = []
        for j in members:
            parcel, i = parsed[j], where[j]
            try:
                act = _activity(ctx, items[i].kbli, items[i].activity)
                if ctx.metric_srid != srid and not parcel.is_point:
                    again = parse_many([items[i].geometry], items[i].crs, ctx.metric_srid, settings)
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
    return results


def _check_group(
    conn: Connection,
    ctx: Context,
    group: list[Parcel],
    at: list[int],
    acts: list[str | None],
    items: list[BatchItem],
    results: list[dict[str, Any]],
    on: date,
) -> None:
    """Answer the parcels of one region (`at`: their item index) in chunks, into `results`."""
    settings = zoning_settings()
    order = list(range(len(group)))
    group, order = _spatial_order(group, order)
    size = settings.batch_chunk
    with _connections(conn, settings.batch_connections, len(group) > size) as conns:
        chunks = parts_in_chunks(conns, ctx, group, size)
        samples = sample_rasters(conn, ctx, group)
        for start, parts in zip(range(0, len(group), size), chunks, strict=True):
            for j in range(start, min(start + size, len(group))):
                parcel, k = group[j], order[j]
                i = at[k]
                try:
                    answer = evaluate(ctx, parcel, parts.get(j, []), acts[k], on, samples[j])
                except RtrwError as exc:
                    results[i] = _failed(items[i], exc.code, exc.message, exc.message_id)
                    continue
                answer["id"] = items[i].ref
                answer["_kbli"] = items[i].kbli  # the code the row sent, for its output row
                answer["_geometry"] = parcel.geom
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


def _failed(
    item: BatchItem,
    code: str,
    detail: str,
    detail_id: str | None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the result of a row that could not be checked: its error, naming the row."""
    detail_id = detail_id or with_fallback(code, detail)
    if item.where:
        detail, detail_id = f"{item.where}: {detail}", f"{item.where_id or item.where}: {detail_id}"
    out: dict[str, Any] = {
        "id": item.ref,
        "_kbli": item.kbli,
        "error": code,
        "detail": detail,
        "detail_id": detail_id,
    }
    if extra and extra.get("suggestions"):
        out["suggestions"] = extra["suggestions"]  # unknown_activity: the nearest activities
    return out


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
    "error",
    "detail",
    "detail_id",  # `detail` in Bahasa Indonesia
]
ENVELOPE_COLUMNS = ("max_footprint_m2", "max_floor_area_m2", "min_green_area_m2", "max_height_m")


def flat_row(answer: dict[str, Any]) -> dict[str, Any]:
    """Return one flat row of a batch answer (CSV, GeoJSON properties and JSON rows alike).

    Every row has every column of COLUMNS; lists are joined into one cell: shares as
    `code:share;code:share`, texts (conditions, citations) as `text | text`.
    """
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row["id"] = answer["id"]
    row["kbli"] = answer.get("_kbli")
    if "error" in answer:
        row["error"], row["detail"] = answer["error"], answer["detail"]
        row["detail_id"] = answer.get("detail_id") or with_fallback(
            answer["error"], answer["detail"]
        )
        return row

    def shares(pairs: list[tuple[str | None, float]]) -> str | None:
        return ";".join(f"{k}:{v}" for k, v in pairs) or None

    def texts(items: list[str]) -> str | None:
        return " | ".join(items) or None

    zones, env = answer["zones"], answer["envelope"] or {}

    def conditions(key: str) -> str | None:  # the conditions of each zone's ITBX letter
        return texts([f"{z['code']}: {z[key]}" for z in zones if z["itbx"] and z.get(key)])

    desa = next((a for a in answer["admin"] if a["level"] == "desa"), None)
    kec = next((a for a in answer["admin"] if a["level"] == "kecamatan"), None)
    row.update(
        {
            "activity": answer["activity"]["id"] if answer["activity"] else None,
            "verdict": answer["verdict"],
            "verdict_shares": shares(list(answer["verdict_shares"].items())),
            "area_m2": answer["area_m2"],
            "zones": shares([(z["code"], z["share"]) for z in zones]),
            "plans": ";".join(f"{z['code']}:{z['plan']}" for z in zones if z.get("plan")) or None,
            "itbx": ";".join(f"{z['code']}:{z['itbx']}" for z in zones if z["itbx"]) or None,
            "conditions": conditions("conditions"),
            "conditions_en": conditions("conditions_en"),
            "overlays": shares([(_overlay_label(o), o["share"]) for o in answer["overlays"]]),
            # each raster rule met: `raster op value:letter-or-effect:share`
            "rasters": ";".join(
                f"{r['raster']}{x['condition'].replace(' ', '')}:{x['itbx'] or x['effect']}:"
                f"{x['share']}"
                for r in answer.get("rasters", [])
                for x in r["rules"]
            )
            or None,
            "no_plan_share": answer["no_plan_share"],
            "outside_share": answer.get("outside_share", 0.0),
            **{k: env.get(k) for k in ENVELOPE_COLUMNS},
            "desa_code": desa["code"] if desa else None,
            "desa": desa["name"] if desa else None,
            "kecamatan_code": kec["code"] if kec else None,
            "kecamatan": kec["name"] if kec else None,
            "route": answer["route"]["route"] if answer.get("route") else None,
            "legal": texts([_cited(c) for c in answer["sources"]["legal"]]),
            "summary_id": answer["summary"]["id"],
            "summary_en": answer["summary"]["en"],
            "warnings": "; ".join(answer["warnings"]) or None,
        }
    )
    return row


def _cited(c: dict[str, Any]) -> str:
    """Return a citation as `Perda ... Tahun 2024 Pasal 10` (the source id without one)."""
    return " ".join(p for p in (c["citation"] or c["source"], c["article"]) if p)


def _overlay_label(o: dict[str, Any]) -> str | None:
    """Return an overlay's code; an attribute of the zoning polygons reads `KKOP_1=<value>`."""
    return f"{o['attribute']}={o['code']}" if o.get("attribute") else o["code"]
