"""Which plan answers where: RDTR over RTRW, the newer over the older; route and outside parts.

A regency holds the RTRW (the whole regency, coarse) and one or more RDTR (detailed). Where an
RDTR is in force it governs; elsewhere the RTRW does. Each zoning layer version has a rank
(`LayerRef.precedence`: plan first, RDTR over RTRW, then the higher version id), and every part
of a parcel is answered by the highest-ranked zoning version covering it, so zone shares plus
`no_plan` add up to 1 and no footprint is counted twice.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from app.services.rules.book import RuleBook
from app.services.zoning.context import Context
from app.services.zoning.numbers import percent


def governing_parts(
    ctx: Context, parts: list[dict[str, Any]], is_point: bool, sliver: float
) -> list[dict[str, Any]]:
    """Return the parts with each zoning part cut to where no higher-ranked plan lies.

    Parts of a lower-ranked zoning version lose what the union of every higher-ranked
    version's parts covers; pieces under `sliver` m² are dropped. A point keeps only the hits
    of the highest-ranked zoning version under it. Overlay and admin parts pass unchanged.
    """
    zoning_vids = {
        p["version_id"] for p in parts if ctx.layers[p["version_id"]].kind == "zoning"
    }
    if len(zoning_vids) < 2:  # the usual case: one plan, nothing to settle
        return parts
    ranked = sorted(zoning_vids, key=lambda v: ctx.layers[v].precedence(), reverse=True)
    if is_point:
        top = ranked[0]
        return [p for p in parts if p["version_id"] == top or p["version_id"] not in zoning_vids]
    by_vid: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for p in parts:
        by_vid[p["version_id"]].append(p)
    cut: dict[int, list[dict[str, Any]]] = {ranked[0]: by_vid[ranked[0]]}
    above: BaseGeometry = shapely.union_all([p["part"] for p in by_vid[ranked[0]]])
    for vid in ranked[1:]:
        kept = []
        for p in by_vid[vid]:
            rest = shapely.difference(p["part"], above)
            if not rest.is_empty and rest.area >= sliver:
                kept.append({**p, "part": rest})
        cut[vid] = kept
        above = shapely.union_all([above, *(p["part"] for p in by_vid[vid])])
    others = [p for p in parts if p["version_id"] not in zoning_vids]
    return others + [p for vid in sorted(cut) for p in cut[vid]]


def outside_area(
    covered: BaseGeometry, admin: list[BaseGeometry], parcel: BaseGeometry, sliver: float
) -> float:
    """Return the m² of the parcel outside every zoning polygon and every admin area.

    That is the part beyond the region (the sea, another regency), which is not answered.
    Only measured when the parcel touches some admin area (`admin` not empty): without one
    the region's edge is unknown here and the unzoned part stays `no_plan`.
    """
    if not admin:
        return 0.0
    inside = shapely.union_all([covered, *admin])
    out = float(shapely.difference(parcel, inside).area)
    return out if out >= sliver else 0.0


def outside_warning(share: float) -> dict[str, str]:
    """Return the plain warning (id, en) for a parcel partly outside the region."""
    return {
        "id": f"{percent(share, 'id')} persil berada di luar wilayah perencanaan (laut atau "
        "wilayah lain) dan tidak dinilai; jawaban ini hanya untuk bagian di dalam wilayah",
        "en": f"{percent(share, 'en')} of the parcel lies outside the planning area (the sea "
        "or another region) and is not assessed; this answer covers only the part inside",
    }


def permit_route(
    ctx: Context,
    book: RuleBook | None,
    zones: list[dict[str, Any]],
    unzoned_inside: float,
    on: date,
    cite: Any,
) -> dict[str, Any] | None:
    """Return the permit route (KKKPR/PKKPR) with its reason and citation, from routes.csv.

    `all_rdtr_oss` holds when there is a zoned part, every zoned part lies in an
    OSS-integrated RDTR and nothing of the parcel inside the region is unzoned; otherwise
    the `otherwise` row applies. None when the rule set has no routes table.
    """
    if book is None or not book.routes:
        return None
    refs = [ctx.layers[z["_vid"]] for z in zones]
    all_oss = (
        bool(refs)
        and all(r.plan == "rdtr" and r.oss_integrated for r in refs)
        and unzoned_inside <= 0
    )
    row = book.route_for(all_oss, on)
    if row is None:
        return None
    return {
        "route": row["route"],
        "when": row["applies_when"],
        "reason": row["reason"],
        "reason_en": row["reason_en"],
        "legal": cite(row["source_id"], row["article"]),
    }
