"""`protected_zone` and `forbidden_zone` flags: each project judged by the zoning check itself.

A project placed by its own coordinates or WKT is checked exactly as POST /zoning/check checks
a parcel (parts, precedence, overlays, rasters, the judge), for its activity: its KBLI through
the rule book, else its sub-activity through the pack's project_types.csv. A point is judged
at the point; a polygon over its area; a line (a road, a channel) as a strip
LINE_HALF_WIDTH_M wide on each side in the region's metric CRS, so its shares are shares of
its length. So a flag never says "forbidden" where the check says "permitted".

- `forbidden_zone`: the activity's outcome is X on more than SHARE_FLAGGED of the part inside
  the planning area (at a point: the verdict is X).
- `protected_zone`: more than SHARE_FLAGGED of it lies in protected sub-zones (class
  `lindung`) or in overlays with a rule that prohibits (at a point: any).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Connection, text

from app.l10n import Text, both, number, same
from app.services.geo.crs import STORAGE_SRID, reproject_many
from app.services.geo.parse import Parcel
from app.services.rules.book import RuleBook, RuleBooks
from app.services.zoning.answer import Answer, ZoneRow
from app.services.zoning.boundary import region_boundary
from app.services.zoning.context import context, regions_of
from app.services.zoning.evaluate import evaluate
from app.services.zoning.judge import is_protected_zone
from app.services.zoning.parts import parts_in_chunks
from app.services.zoning.rasters import sample_rasters
from app.services.zoning.sheet import zone_label
from app.settings import Settings

# A line or polygon is flagged for a zone only when more than this share of it lies there.
SHARE_FLAGGED = 0.5
# A line is checked as a strip this wide on each side (metres): its area is its length.
LINE_HALF_WIDTH_M = 0.5
# Placements that come from the row itself; desa_code/text placements are stand-in points.
OWN_PLACEMENTS = ("coordinates", "wkt")

_PROJECTS_SQL = """
    SELECT p.id, p.kbli, p.sub_activity_code, p.sub_activity, p.region_code,
           ST_AsBinary(p.geom) AS wkb
    FROM project p
    WHERE (CAST(:year AS integer) IS NULL OR p.year = CAST(:year AS integer))
      AND p.geom IS NOT NULL
      AND (p.placed_by IS NULL OR p.placed_by = ANY(CAST(:own AS text[])))
    ORDER BY p.id
"""


def zone_flags(
    conn: Connection, params: Mapping[str, Any], on: date, books: RuleBooks, settings: Settings
) -> list[tuple[int, str, Text]]:
    """Return (project id, flag, reason) of every protected_zone and forbidden_zone finding."""
    rows = conn.execute(text(_PROJECTS_SQL), {**params, "own": list(OWN_PLACEMENTS)}).all()
    if not rows:
        return []
    geoms = shapely.from_wkb([r.wkb for r in rows])
    regions: list[str | None] = [r.region_code for r in rows]
    unknown = [i for i, r in enumerate(regions) if r is None]
    for i, hit in zip(unknown, regions_of(conn, [geoms[i] for i in unknown]), strict=True):
        regions[i] = hit.code
    by_region: dict[str | None, list[int]] = defaultdict(list)
    for i, region in enumerate(regions):
        by_region[region].append(i)
    out: list[tuple[int, str, Text]] = []
    for region, idx in by_region.items():
        ctx = context(conn, books, region, settings)
        size = ctx.settings.batch_chunk
        book = ctx.book
        if book is None or not ctx.layers:
            continue
        parcels = _parcels(geoms[idx], ctx.metric_srid)
        samples = sample_rasters(conn, ctx, parcels)
        boundary = region_boundary(conn, ctx)
        # the caller's transaction holds the projects: one connection, chunk after chunk
        for start, parts in zip(
            range(0, len(parcels), size), parts_in_chunks([conn], ctx, parcels, size), strict=True
        ):
            for k in range(start, min(start + size, len(parcels))):
                row = rows[idx[k]]
                activity = project_activity(book, row.kbli, row.sub_activity_code, row.sub_activity)
                answer = evaluate(
                    ctx, parcels[k], parts.get(k, []), activity, on, samples[k], boundary
                )
                line = shapely.get_dimensions(geoms[idx[k]]) == 1
                out += _judged(row.id, answer, book, row.kbli, line)
    return out


def project_activity(
    book: RuleBook, kbli: str | None, code: str | None, name: str | None
) -> str | None:
    """Return the project's rule activity: by KBLI, else by project_types.csv, else None."""
    if kbli and kbli.strip() in book.kbli:
        return book.kbli[kbli.strip()]
    return book.project_activity(code, name)


def _parcels(geoms: np.ndarray, srid: int) -> list[Parcel]:
    """Return the projects as parcels: points as they are, polygons, lines as thin strips."""
    kinds = shapely.get_dimensions(geoms)
    metric = geoms.copy()
    shaped = kinds > 0
    if shaped.any():
        metric[shaped] = reproject_many(geoms[shaped], f"EPSG:{STORAGE_SRID}", srid)
        lines = kinds == 1
        metric[lines] = shapely.buffer(metric[lines], LINE_HALF_WIDTH_M, cap_style="flat")
        invalid = shaped & ~shapely.is_valid(metric)
        metric[invalid] = shapely.make_valid(metric[invalid])
        geoms = geoms.copy()
        geoms[shaped] = reproject_many(metric[shaped], f"EPSG:{srid}", STORAGE_SRID)
    return [
        Parcel(geom=g, metric=m, is_point=bool(k == 0), area_m2=None if k == 0 else float(m.area))
        for g, m, k in zip(geoms, metric, kinds, strict=True)
    ]


def _judged(
    pid: int, a: Answer, book: RuleBook, kbli: str | None, line: bool
) -> list[tuple[int, str, Text]]:
    """Return the project's protected_zone and forbidden_zone flags from its answer."""
    out = []
    protected = _protected(a, book, line)
    if protected is not None:
        out.append((pid, "protected_zone", protected))
    forbidden = _forbidden(a, book, kbli, line)
    if forbidden is not None:
        out.append((pid, "forbidden_zone", forbidden))
    return out


def _whole(line: bool) -> Text:
    return both("flag.length") if line else both("flag.area")


def _pct(share: float) -> Text:
    return Text(number(share * 100, 0, "id") + " %", number(share * 100, 0, "en") + " %")


def _protected(a: Answer, book: RuleBook, line: bool) -> Text | None:
    """Return why the project lies in a protected area, or None when it does not (enough)."""
    zones = [z for z in a.zones if is_protected_zone(book, z.zone_code)]
    overlays = [o for o in a.overlays if o.protection is not None]
    if not zones and not overlays:
        return None
    found = [both("flag.protected_zone", zone=_zone(z)) for z in zones]
    for o in overlays:
        assert o.protection is not None
        if o.attribute:
            found.append(both("flag.protected_attribute", what=same(o.label()), rule=o.protection))
        else:
            found.append(
                both("flag.protected_overlay", what=same(o.label()), layer=same(o.layer),
                     rule=o.protection)
            )  # fmt: skip
    reasons = _join(found)
    if a.is_point:
        return both("flag.protected_point", reasons=reasons)
    pieces = [z.geom for z in zones if z.geom is not None]
    pieces += [o.geom for o in overlays if o.geom is not None]
    inside = (a.area_m2 or 0.0) - (a.outside_m2 or 0.0)
    share = float(shapely.union_all(pieces).area) / inside if pieces and inside > 0 else 0.0
    if share <= SHARE_FLAGGED:
        return None
    return both("flag.protected_most", whole=_whole(line), share=_pct(share), reasons=reasons)


def _forbidden(a: Answer, book: RuleBook, kbli: str | None, line: bool) -> Text | None:
    """Return why the project's activity is not permitted where it lies, or None."""
    share = a.verdict_shares.get("X", 0.0)
    if (a.is_point and a.verdict != "X") or (not a.is_point and share <= SHARE_FLAGGED):
        return None
    act = a.activity or {}
    name = Text(act.get("name") or "?", act.get("name_en") or act.get("name") or "?")
    via = same(f" (KBLI {kbli})" if kbli and kbli.strip() in book.kbli else "")
    found = []
    for z in a.zones:
        if "X" not in z.effective:
            continue
        zone = _zone(z)
        if z.itbx == "X":
            cited = both("flag.under", source=same(z.legal.label())) if z.legal else same("")
            found.append(both("flag.forbidden_zone", activity=name, via=via, zone=zone,
                              cited=cited))  # fmt: skip
        else:
            why = _join([b.what for b in z.because if b.itbx == "X"])
            found.append(both("flag.forbidden_because", activity=name, via=via, zone=zone,
                              why=why))  # fmt: skip
    reasons = _join(found)
    if a.is_point:
        return both("flag.forbidden_point", reasons=reasons)
    return both("flag.forbidden_most", whole=_whole(line), share=_pct(share), reasons=reasons)


def _zone(z: ZoneRow) -> Text:
    return Text(zone_label(z, "id"), zone_label(z, "en"))


def _join(texts: list[Text]) -> Text:
    """Return the texts joined with '; ' in each language, each once."""
    unique = list(dict.fromkeys(texts))
    return Text("; ".join(x.id for x in unique), "; ".join(x.en for x in unique))
