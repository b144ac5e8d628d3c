"""A batch of up to 10,000 parcels checked with one parts query; flat rows for output."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection

from app.errors import (
    RtrwError,
    TooManyParcels,
)
from app.services.zoning.check import activity_of as _activity
from app.services.zoning.context import context
from app.services.zoning.evaluate import evaluate
from app.services.zoning.parse import Parcel, parse_geometry
from app.services.zoning.parts import find_parts
from app.settings import zoning_settings


@dataclass
class BatchItem:
    """One row of a batch: its id, geometry (GeoJSON), CRS and activity."""

    ref: Any
    geometry: Any
    crs: str | None = None
    kbli: str | None = None
    activity: str | None = None
    error: str | None = None  # a row that could not be read (bad WKT or number)


def check_batch(
    conn: Connection, items: list[BatchItem], as_of: date | None = None
) -> list[dict[str, Any]]:
    """Return one answer (or error) per item, with every parcel's parts found in one query."""
    settings = zoning_settings()
    if len(items) > settings.max_batch:
        raise TooManyParcels(
            f"the batch has {len(items)} parcels; the limit is {settings.max_batch}",
            limit=settings.max_batch,
        )
    ctx = context(conn)
    on = as_of or date.today()
    parsed: list[Parcel] = []
    where: list[int] = []
    results: list[dict[str, Any]] = [{} for _ in items]
    acts: list[str | None] = [None] * len(items)
    for i, item in enumerate(items):
        if item.error is not None:
            results[i] = {"id": item.ref, "error": "invalid_geometry", "detail": item.error}
            continue
        try:
            acts[i] = _activity(ctx, item.kbli, item.activity)
            parcel = parse_geometry(item.geometry, item.crs, ctx.metric_srid, settings)
        except RtrwError as exc:
            results[i] = {"id": item.ref, "error": exc.code, "detail": exc.message}
            continue
        parcel.ref = item.ref
        parsed.append(parcel)
        where.append(i)
    parts = find_parts(conn, ctx, parsed)
    for j, parcel in enumerate(parsed):
        i = where[j]
        try:
            answer = evaluate(ctx, parcel, parts.get(j, []), acts[i], on)
        except RtrwError as exc:
            results[i] = {"id": items[i].ref, "error": exc.code, "detail": exc.message}
            continue
        answer["id"] = items[i].ref
        answer["_geometry"] = parcel.geom
        results[i] = answer
    return results


def flat_row(answer: dict[str, Any]) -> dict[str, Any]:
    """Return one flat row of a batch answer (for CSV, GeoJSON properties and JSON lists)."""
    if "error" in answer:
        return {"id": answer["id"], "error": answer["error"], "detail": answer["detail"]}

    def join(pairs: list[tuple[str, float]]) -> str:
        return ";".join(f"{k}:{v:.6f}" for k, v in pairs)

    desa = next((a for a in answer["admin"] if a["level"] == "desa"), None)
    kec = next((a for a in answer["admin"] if a["level"] == "kecamatan"), None)
    return {
        "id": answer["id"],
        "verdict": answer["verdict"],
        "verdict_shares": join(list(answer["verdict_shares"].items())),
        "area_m2": None if answer["area_m2"] is None else round(answer["area_m2"], 3),
        "zones": join([(z["code"], z["share"]) for z in answer["zones"]]),
        "itbx": ";".join(f"{z['code']}:{z['itbx']}" for z in answer["zones"] if z["itbx"]),
        "overlays": join([(o["code"], o["share"]) for o in answer["overlays"]]),
        "no_plan_share": round(answer["no_plan_share"], 6),
        "desa_code": desa["code"] if desa else None,
        "desa": desa["name"] if desa else None,
        "kecamatan_code": kec["code"] if kec else None,
        "kecamatan": kec["name"] if kec else None,
        "kbli": ";".join(answer["activity"]["kbli"]) if answer["activity"] else None,
        "activity": answer["activity"]["id"] if answer["activity"] else None,
        "summary_id": answer["summary"]["id"],
        "summary_en": answer["summary"]["en"],
        "warnings": "; ".join(answer["warnings"]),
        "error": None,
        "detail": None,
    }
