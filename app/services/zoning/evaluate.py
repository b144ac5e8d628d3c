"""Apply the rule book to a parcel's parts: the typed answer (app/services/zoning/answer.py).

The parts a parcel is cut into tile it: the part outside the planning area (beyond the
region's boundary: its top admin level's areas), the zones of the governing plans (RDTR over
RTRW, the newer over the older, the first polygon by fid where one layer's polygons overlap),
and what no plan covers inside. Pieces under the sliver size are merged into a neighbour, never
dropped, so the parts' areas add up to the parcel's area. The judge (judge.py) gives each zone
part its outcomes; the verdict is taken over the part inside the planning area.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from app.l10n import Text, both, in_both, percent, same
from app.services.geo.parse import Parcel
from app.services.rules.book import RuleBook
from app.services.zoning.admin import admin_answer, current_admin_parts
from app.services.zoning.answer import (
    Answer,
    Because,
    Citation,
    Notice,
    OverlayHit,
    OverlayRule,
    Sources,
    ZoneRow,
)
from app.services.zoning.attributes import (
    attribute_overlays,
    intensity_signature,
    overlay_rules,
)
from app.services.zoning.boundary import Boundary
from app.services.zoning.context import Context
from app.services.zoning.envelope import envelope as _envelope
from app.services.zoning.judge import (
    Restriction,
    cut_by_rules,
    matrix_letter,
    rule_letter,
    verdict_of,
)
from app.services.zoning.numbers import round_answer
from app.services.zoning.precedence import permit_route
from app.services.zoning.rasters import Sample, raster_findings
from app.services.zoning.sheet import summary_text


class Citations:
    """The legal sources an answer cites, collected as the rules are applied."""

    def __init__(self, book: RuleBook | None) -> None:
        self.book = book
        self.found: dict[tuple[str, str | None], Citation] = {}

    def __call__(self, source_id: str | None, article: str | None) -> Citation | None:
        """Return the citation of a rule row (and remember it), None without a source."""
        if self.book is None or source_id is None:
            return None
        src = self.book.sources.get(source_id, {})
        c = Citation(source_id, src.get("citation"), src.get("title"), article)
        self.found[(source_id, article)] = c
        return c

    def all(self) -> list[Citation]:
        """Return every citation, by source and article."""
        return sorted(self.found.values(), key=lambda c: (c.source, c.article or ""))


def evaluate(
    ctx: Context,
    parcel: Parcel,
    parts: list[dict[str, Any]],
    activity: str | None,
    on: date,
    samples: dict[str, Sample] | None = None,
    boundary: Boundary | None = None,
) -> Answer:
    """Apply the rules to a parcel's parts (and its raster samples); return the answer.

    `boundary`: the planning area's edge (boundary.region_boundary); None: the region has no
    admin areas, so its edge is unknown.
    """
    sliver = ctx.settings.sliver_m2
    book = ctx.book
    point = parcel.is_point
    total = 0.0 if point else float(parcel.area_m2 or 0.0)
    cite = Citations(book)
    warnings: list[Notice] = list(parcel.warnings)

    parts = current_admin_parts(ctx.layers, parts)
    kind_of = {vid: ref.kind for vid, ref in ctx.layers.items()}
    zoning = [p for p in parts if kind_of[p["version_id"]] == "zoning"]
    overlay_parts = [p for p in parts if kind_of[p["version_id"]] == "overlay"]
    admin_parts = [p for p in parts if kind_of[p["version_id"]] == "admin"]

    # 1. The planning area's edge: inside is what the region's top admin level covers.
    inside_geom, outside = _inside(boundary, parcel, parts, sliver)
    inside_area = 0.0 if point else total - outside
    is_outside = inside_geom is None if point else inside_area <= 0

    # 2. The zones of the governing plans, tiling the inside of the parcel.
    rows: list[ZoneRow] = []
    if not is_outside:
        rows = _zones(ctx, parcel, zoning, inside_geom, outside, sliver)
    elif zoning:
        for code, layer in sorted({(p["code"], ctx.layers[p["version_id"]].name) for p in zoning}):
            warnings.append(
                Notice.of("zoning_outside", both("warn.zoning_outside", code=code, layer=layer))
            )
    zoned = sum(z.area_m2 or 0.0 for z in rows)
    no_plan = 0.0 if point else max(inside_area - zoned, 0.0)
    if 0 < no_plan < sliver and rows:  # a sliver nothing covers: merged into the largest zone
        largest = max(rows, key=lambda z: z.area_m2 or 0.0)
        largest.area_m2 = (largest.area_m2 or 0.0) + no_plan
        no_plan = 0.0
    if point:
        no_plan = 0.0 if rows or is_outside else 1.0
    for z in rows:
        z.share = 1.0 if point else (z.area_m2 or 0.0) / total
        _letter(z, book, activity, on, cite, warnings)

    # 3. Overlays (layers, and the overlay attributes of the zoning polygons) and their rules.
    overlays = _overlays(ctx, parcel, overlay_parts, inside_geom, outside, total, sliver)
    overlays += _attribute_overlays(rows, point, total, sliver, ctx)
    restrictions: list[Restriction] = []
    for o in overlays:
        _overlay_rules(o, book, activity, on, cite, restrictions)

    # 4. Rasters: findings, and the parts of the parcel their rules make stricter.
    rasters, raster_restrictions = raster_findings(
        book, parcel, samples or {}, activity, on, ctx.metric_srid, cite, warnings
    )
    restrictions += raster_restrictions

    # 5. Each zone part's outcomes (the verdict follows once they are rounded, below).
    for z in rows:
        if z.itbx is None:
            continue
        cut = cut_by_rules(
            z.itbx, None if point else z.geom, 1.0 if point else (z.area_m2 or 0.0),
            restrictions, sliver,
        )  # fmt: skip
        z.effective_m2, z.because = cut.areas, cut.because
        z.effective = {k: (1.0 if point else v / total) for k, v in cut.areas.items()}

    route = permit_route(ctx, book, rows, no_plan, on, cite)
    envelope = _envelope(book, rows, on, parcel, cite, warnings)
    admin_entries = _admin_entries(ctx, parcel, admin_parts, sliver)
    admin = admin_answer(
        admin_entries, point, total, sliver, warnings, ctx.admin_version(3) is not None
    )
    answer = Answer(
        geometry_type="Point" if point else "Polygon",
        area_m2=None if point else total,
        activity=book.describe(activity) if (book and activity) else None,
        as_of=on,
        verdict=None,
        verdict_shares={},
        no_plan_share=no_plan if point else (no_plan / total if total else 0.0),
        outside_share=(1.0 if is_outside else 0.0)
        if point
        else (outside / total if total else 0.0),
        no_plan_m2=None if point else no_plan,
        outside_m2=None if point else outside,
        outside_warning=None,
        route=route,
        zones=sorted(rows, key=lambda z: (-(z.area_m2 or 0.0), z.code or "")),
        envelope=envelope,
        overlays=sorted(overlays, key=lambda o: -o.share),
        rasters=rasters,
        admin=admin,
        sources=_sources(ctx, admin_parts, rasters, book, cite),
        warnings=warnings,
        region={"code": ctx.region, "name": ctx.region_name} if ctx.region else None,
        geom=parcel.geom,
    )
    round_answer(answer)  # after all arithmetic; the words read the rounded numbers
    answer.verdict, answer.verdict_shares = _verdict(answer, is_outside, activity, no_plan)
    if is_outside:
        region = same(ctx.region_name or ctx.region or "—")
        key = "warn.outside_all" if (ctx.layers and parts) else "warn.outside_nothing"
        answer.warnings.append(Notice.of("outside", both(key, region=region)))
    elif answer.outside_share > 0:
        share = both("warn.outside_part", share=in_both(percent, answer.outside_share))
        answer.outside_warning = share
        answer.warnings.append(Notice.of("outside_part", share))
    answer.summary = summary_text(answer)
    return answer


def _union(geoms: list[BaseGeometry]) -> BaseGeometry:
    """Return the union of the pieces (the piece itself when there is one: the usual case)."""
    return geoms[0] if len(geoms) == 1 else shapely.union_all(geoms)


def _verdict(
    a: Answer, is_outside: bool, activity: str | None, no_plan_m2: float
) -> tuple[str | None, dict[str, float]]:
    """Return the verdict and its shares: the outcomes' areas over the part inside the
    planning area, counting the outcomes the (rounded) zone table shows and only those."""
    if is_outside:
        return "outside", {"outside": 1.0}
    if not a.zones:
        return "no_plan", {"no_plan": 1.0}
    if activity is None:
        return None, {}
    areas: dict[str, float] = defaultdict(float)
    for z in a.zones:
        for k, v in z.effective_m2.items():
            areas[k] += v
    shown = {k for z in a.zones for k in z.effective}
    if no_plan_m2 > 0:
        areas["no_plan"] += 1.0 if a.is_point else no_plan_m2
    if a.no_plan_share > 0:
        shown.add("no_plan")
    return verdict_of(areas, shown)


def _inside(
    boundary: Boundary | None,
    parcel: Parcel,
    parts: list[dict[str, Any]],
    sliver: float,
) -> tuple[BaseGeometry | None, float]:
    """Return the part of the parcel inside the planning area (metric; a point: itself or
    None) and the m² outside it.

    The boundary is the region's top admin level (boundary.py). A region without admin areas
    has no known edge: a geometry touching any of its layers is inside, one touching nothing
    is outside. An outside part under `sliver` m² counts as inside.
    """
    if boundary is None:
        if not parts:
            return None, 0.0 if parcel.is_point else float(parcel.area_m2 or 0.0)
        return (parcel.geom if parcel.is_point else parcel.metric), 0.0
    if parcel.is_point:
        return (parcel.geom if boundary.holds_point(parcel.geom) else None), 0.0
    total = float(parcel.area_m2 or 0.0)
    inside = boundary.inside(parcel.metric)
    if inside is parcel.metric:
        return inside, 0.0
    outside = total - float(inside.area)
    if outside < sliver:
        return parcel.metric, 0.0
    if inside.is_empty:
        return None, total
    return inside, outside


def _zones(
    ctx: Context,
    parcel: Parcel,
    zoning: list[dict[str, Any]],
    inside: BaseGeometry | None,
    outside: float,
    sliver: float,
) -> list[ZoneRow]:
    """Return the zone rows: each place inside the parcel in one zone of the governing plan.

    Parts are taken in rank order (RDTR over RTRW, the newer version over the older, then by
    fid) and each loses what the parts before it cover. A point keeps the first. Parts of one
    code with the same per-polygon intensity form one row; a row under `sliver` m² is merged
    into the largest row (its area added), never dropped.
    """
    ranked = sorted(
        zoning,
        key=lambda p: (tuple(-x for x in ctx.layers[p["version_id"]].precedence()), p["fid"]),
    )
    if parcel.is_point:
        ranked = ranked[:1]
    else:
        covered: BaseGeometry | None = None
        tiled = []
        for p in ranked:
            g = p["part"]
            if outside > 0 and inside is not None:
                g = shapely.intersection(g, inside)
            if covered is not None and shapely.intersects(g, covered):
                g = shapely.difference(g, covered)
            if g.is_empty or g.area <= 0:
                continue
            tiled.append({**p, "part": g})
            covered = g if covered is None else shapely.union(covered, g)
        ranked = tiled
    groups: dict[tuple[int, str | None, tuple[Any, ...]], list[dict[str, Any]]] = defaultdict(list)
    for p in ranked:
        groups[(p["version_id"], p["code"], intensity_signature(p.get("props")))].append(p)
    rows: list[ZoneRow] = []
    for (vid, code, _), items in groups.items():
        ref = ctx.layers[vid]
        geom = None
        area = None
        if not parcel.is_point:
            pieces = [i["part"] for i in items]
            geom = pieces[0] if len(pieces) == 1 else shapely.union_all(pieces)
            area = float(sum(g.area for g in pieces))
        rows.append(
            ZoneRow(
                layer=ref.name, layer_version=ref.version, plan=ref.plan or "rtrw", code=code,
                name=items[0]["name"], area_m2=area, share=1.0 if parcel.is_point else 0.0,
                geom=geom, vid=vid, items=items,
            )
        )  # fmt: skip
    if parcel.is_point or len(rows) < 2:
        return rows
    small = [z for z in rows if (z.area_m2 or 0.0) < sliver]
    if not small or len(small) == len(rows):
        return rows
    kept = [z for z in rows if (z.area_m2 or 0.0) >= sliver]
    largest = max(kept, key=lambda z: z.area_m2 or 0.0)
    largest.area_m2 = (largest.area_m2 or 0.0) + sum(z.area_m2 or 0.0 for z in small)
    return kept


def _letter(
    z: ZoneRow,
    book: RuleBook | None,
    activity: str | None,
    on: date,
    cite: Citations,
    warnings: list[Notice],
) -> None:
    """Fill a zone row's national code, class and colour, and its ITBX matrix letter."""
    national = book.zone_code(z.code) if book else z.code
    cls = book.zones.get(national or "") if book else None
    z.zone_code = national
    if cls is not None:
        z.class_, z.class_name, z.class_name_en = cls["class"], cls["name"], cls["name_en"]
        z.colour = cls["colour"]
    elif book is not None:
        text = both("warn.unknown_zone", code=same(repr(z.code)))
        if all(w.id != text.id for w in warnings):
            warnings.append(Notice.of("unknown_zone", text))
    if activity is None or book is None:
        return
    letter, row = matrix_letter(book, activity, national, z.layer, on)
    z.itbx = letter
    if row is not None:
        z.conditions, z.conditions_en = row["conditions"], row["conditions_en"]
        z.legal = cite(row["source_id"], row["article"])


def _overlays(
    ctx: Context,
    parcel: Parcel,
    parts: list[dict[str, Any]],
    inside: BaseGeometry | None,
    outside: float,
    total: float,
    sliver: float,
) -> list[OverlayHit]:
    """Return the overlay classes the parcel touches inside the planning area (one per layer
    version and class; a piece under `sliver` m² is not reported)."""
    groups: dict[tuple[int, str | None], list[dict[str, Any]]] = defaultdict(list)
    for p in parts:
        groups[(p["version_id"], p["code"])].append(p)
    out = []
    for (vid, code), items in groups.items():
        ref = ctx.layers[vid]
        geom, area, share = None, None, 1.0
        if not parcel.is_point:
            geom = _union([i["part"] for i in items])
            if outside > 0 and inside is not None:
                geom = shapely.intersection(geom, inside)
            area = float(geom.area)
            if area < sliver:
                continue
            share = area / total
        out.append(
            OverlayHit(
                ref.name,
                ref.version,
                None,
                code,
                items[0]["name"],
                area,
                share,
                layer_title_en=ref.title_en,
                geom=geom,
            )  # fmt: skip
        )
    return out


def _attribute_overlays(
    rows: list[ZoneRow], point: bool, total: float, sliver: float, ctx: Context
) -> list[OverlayHit]:
    """Return the overlay attributes (KKOP_1, LP2B_2, ...) of the zoning polygons as hits."""
    entries = [
        {"layer": z.layer, "layer_version": z.layer_version, "_geom": z.geom, "_items": z.items}
        for z in rows
    ]
    return [
        OverlayHit(
            a["layer"],
            a["layer_version"],
            a["attribute"],
            a["code"],
            None,
            a["area_m2"],
            a["share"],
            geom=a["_geom"],
        )  # fmt: skip
        for a in attribute_overlays(entries, point, total, sliver)
    ]


def _overlay_rules(
    o: OverlayHit,
    book: RuleBook | None,
    activity: str | None,
    on: date,
    cite: Citations,
    restrictions: list[Restriction],
) -> None:
    """Attach an overlay's rules for the activity; add the parts they make stricter."""
    hit = {"layer": o.layer, "code": o.code, "attribute": o.attribute}
    every = overlay_rules(book, hit, None, on)
    prohibits = [r for r in every if r["effect"] == "prohibit"]
    if prohibits:
        first = prohibits[0]
        o.protection = Text(first["restriction"], first["restriction_en"] or first["restriction"])
    rules = every if activity is None else overlay_rules(book, hit, activity, on)
    for rule in rules:
        letter = rule_letter(rule)
        legal = cite(rule["source_id"], rule["article"])
        o.rules.append(
            OverlayRule(
                rule["effect"], letter if rule["effect"] != "note" else rule["itbx"],
                rule["restriction"], rule["restriction_en"], legal,
            )
        )  # fmt: skip
        if letter is None or activity is None:
            continue
        if o.attribute:
            what = both("because.attribute", what=same(f"{o.attribute} {o.code}"))
        else:
            what = both("because.overlay", what=Text(o.label("id"), o.label("en")), layer=o.layer)
        text = Text(rule["restriction"], rule["restriction_en"] or rule["restriction"])
        restrictions.append(
            Restriction(
                letter, o.geom,
                Because("overlay", o.layer, o.attribute, o.code, letter, rule["effect"], what,
                        text, legal),
            )
        )  # fmt: skip


def _admin_entries(
    ctx: Context, parcel: Parcel, admin_parts: list[dict[str, Any]], sliver: float
) -> list[dict[str, Any]]:
    """Return one entry per desa/kecamatan feature under the parcel (admin_answer's input)."""
    groups: dict[tuple[int, str | None], list[dict[str, Any]]] = defaultdict(list)
    for p in admin_parts:
        if p["level"] in (3, 4):
            groups[(p["version_id"], p["code"])].append(p)
    total = float(parcel.area_m2 or 0.0)
    out = []
    for (vid, code), items in groups.items():
        geom, area = None, None
        if not parcel.is_point:
            geom = _union([i["part"] for i in items])
            area = float(geom.area)
            if area < sliver:
                continue
        out.append(
            {
                "layer": ctx.layers[vid].name,
                "code": code,
                "name": items[0]["name"],
                "area_m2": area,
                "share": 1.0 if parcel.is_point else (area or 0.0) / total,
                "_geom": geom,
                "_level": items[0]["level"],
                "_vid": vid,
                "_items": items,
            }
        )
    return out


def _sources(
    ctx: Context,
    admin_parts: list[dict[str, Any]],
    rasters: list[Any],
    book: RuleBook | None,
    cite: Citations,
) -> Sources:
    """Return the layer versions, rasters, rule set and citations the answer read."""
    admin_vids = {p["version_id"] for p in admin_parts}
    layers = sorted(
        (
            {
                "layer": r.name,
                "kind": r.kind,
                "version": r.version,
                "title": r.title,
                "title_en": r.title_en,
            }
            | ({"plan": r.plan or "rtrw"} if r.kind == "zoning" else {})
            for vid, r in ctx.layers.items()
            if r.kind in ("zoning", "overlay") or vid in admin_vids
        ),
        key=lambda d: (d["kind"], d["layer"]),
    )
    return Sources(
        layers=layers,
        rasters=[
            {"raster": r.raster, "version": r.version, "title": r.title, "title_en": r.title_en}
            for r in rasters
        ],
        rules={"version": book.version} if book else None,
        legal=cite.all(),
    )
