"""Apply the rule book to a parcel's parts: shares, ITBX letters, overlays, the answer."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from app.errors import (
    OutsidePlanningArea,
)
from app.services.rules.book import STRICTNESS, RuleBook
from app.services.zoning.admin import admin_answer, current_admin_parts
from app.services.zoning.attributes import (
    attribute_overlays,
    intensity_signature,
    overlay_rules,
)
from app.services.zoning.context import Context
from app.services.zoning.envelope import envelope as _envelope
from app.services.zoning.numbers import round_answer, round_share
from app.services.zoning.parse import Parcel
from app.services.zoning.precedence import (
    governing_parts,
    outside_area,
    outside_warning,
    permit_route,
)
from app.services.zoning.rasters import Sample, raster_findings
from app.services.zoning.summary import answer_summary as _summary
from app.settings import zoning_settings


def _citation(book: RuleBook | None, source_id: str | None, article: str | None) -> dict | None:
    if book is None or source_id is None:
        return None
    src = book.sources.get(source_id, {})
    return {
        "source": source_id,
        "citation": src.get("citation"),
        "title": src.get("title"),
        "article": article,
    }


def evaluate(
    ctx: Context,
    parcel: Parcel,
    parts: list[dict[str, Any]],
    activity: str | None,
    on: date,
    samples: dict[str, Sample] | None = None,
) -> dict[str, Any]:
    """Apply the rules to a parcel's parts (and its raster samples); return the full answer."""
    settings = zoning_settings()
    book = ctx.book
    sliver = settings.sliver_m2
    total = parcel.area_m2 or 0.0

    def area_of(geoms: list[BaseGeometry]) -> tuple[BaseGeometry, float]:
        polys = [g for g in geoms if g is not None and not g.is_empty]
        if not polys:
            return shapely.Polygon(), 0.0
        merged = polys[0] if len(polys) == 1 else shapely.union_all(polys)
        return merged, float(merged.area)

    # Each part answered by the most detailed plan covering it (RDTR over RTRW, newer first).
    parts = governing_parts(ctx, parts, parcel.is_point, sliver)
    # Admin features only of the one version current for their level.
    parts = current_admin_parts(ctx.layers, parts)
    # Zoning polygons of one code with different per-polygon intensity stay apart.
    groups: dict[tuple[int, str | None, tuple[Any, ...]], list[dict[str, Any]]] = defaultdict(list)
    for part in parts:
        groups[(part["version_id"], part["code"], intensity_signature(part.get("props")))].append(
            part
        )

    zones: list[dict[str, Any]] = []
    overlays: list[dict[str, Any]] = []
    admin: list[dict[str, Any]] = []
    for (vid, code, _), items in groups.items():
        ref = ctx.layers[vid]
        geom, area = (None, None) if parcel.is_point else area_of([i["part"] for i in items])
        if not parcel.is_point and area is not None and area < sliver:
            continue
        entry = {
            "layer": ref.name,
            "layer_version": ref.version,
            "code": code,
            "name": items[0]["name"],
            "area_m2": None if parcel.is_point else area,
            "share": 1.0 if parcel.is_point else (area or 0.0) / total,
            "_geom": geom,
            "_level": items[0]["level"],
            "_vid": vid,
            "_items": items,
        }
        if ref.kind == "zoning":
            entry["plan"] = ref.plan or "rtrw"
        {"zoning": zones, "overlay": overlays, "admin": admin}[ref.kind].append(entry)
    if parcel.is_point:  # one zone per layer: the first by fid (a point on a shared edge)
        first: dict[str, dict[str, Any]] = {}
        for z in zones:
            first.setdefault(z["layer"], z)
        zones = list(first.values())
    if not zones and not admin:
        raise OutsidePlanningArea(
            "the geometry is outside the planning area: it touches no zoning polygon and no "
            "administrative area of this region",
            message_id="Geometri berada di luar wilayah perencanaan: tidak menyentuh poligon "
            "zonasi maupun wilayah administrasi mana pun di daerah ini",
        )

    citations: dict[tuple[str, str | None], dict[str, Any]] = {}

    def cite(source_id: str | None, article: str | None) -> dict | None:
        c = _citation(book, source_id, article)
        if c is not None:
            citations[(source_id or "", article)] = c
        return c

    # Letters of the zones for the activity.
    for z in zones:
        national = book.zone_code(z["code"]) if book else z["code"]
        cls = book.zones.get(national or "") if book else None
        z["zone_code"] = national
        z["class"] = cls["class"] if cls else None
        z["class_name"] = cls["name"] if cls else None
        z["class_name_en"] = cls["name_en"] if cls else None
        z["colour"] = cls["colour"] if cls else None
        if cls is None and book is not None:
            parcel.warnings.append(f"zone code {z['code']!r} is not in the rule tables")
        if activity is not None and book is not None:
            row = book.itbx_for(activity, national or "", on, z["layer"])
            z["itbx"] = row["itbx"] if row else "not_listed"
            z["conditions"] = row["conditions"] if row else None
            z["conditions_en"] = row["conditions_en"] if row else None
            z["legal"] = cite(row["source_id"], row["article"]) if row else None
        else:
            z["itbx"] = z["conditions"] = z["conditions_en"] = z["legal"] = None

    # Overlay rules: restrictions, and parts made stricter. The overlay attributes of the
    # zoning polygons (KKOP_1, LP2B_2, ...) are overlays too.
    overlays += attribute_overlays(zones, parcel.is_point, total, sliver)
    stricter: dict[str, list[BaseGeometry]] = defaultdict(list)
    for o in overlays:
        rules = overlay_rules(book, o, activity, on)
        o["rules"] = []
        for rule in rules:
            letter = "X" if rule["effect"] == "prohibit" else rule["itbx"]
            o["rules"].append(
                {
                    "effect": rule["effect"],
                    "itbx": letter,
                    "restriction": rule["restriction"],
                    "restriction_en": rule["restriction_en"],
                    "legal": cite(rule["source_id"], rule["article"]),
                }
            )
            if letter and activity is not None:
                stricter[letter].append(o["_geom"] if not parcel.is_point else None)

    # Raster rules (slope, hazard classes): findings, and the parts they make stricter.
    rasters, raster_stricter = raster_findings(
        book, parcel, samples or {}, activity, on, ctx.metric_srid, cite
    )
    for letter, piece in raster_stricter:
        stricter[letter].append(piece)

    letter_area: dict[str, float] = defaultdict(float)
    order = sorted(stricter, key=lambda k: -STRICTNESS[k])
    unions = (
        {k: shapely.union_all([g for g in v if g is not None]) for k, v in stricter.items()}
        if not parcel.is_point
        else {}
    )
    for z in zones:
        own = z["itbx"]
        z["effective"] = {}
        if own is None:
            continue
        if parcel.is_point:
            final = own
            for letter in order:
                if own == "not_listed" and letter != "X":
                    continue
                if own == "not_listed" or STRICTNESS[letter] > STRICTNESS[own]:
                    final = letter
                    break
            z["effective"] = {final: 1.0}
            letter_area[final] += 1.0
            continue
        remaining = z["_geom"]
        for letter in order:
            if own == "not_listed" and letter != "X":
                continue
            if own != "not_listed" and STRICTNESS[letter] <= STRICTNESS[own]:
                continue
            piece = shapely.intersection(remaining, unions[letter])
            a = float(piece.area)
            if a >= sliver:
                letter_area[letter] += a
                z["effective"][letter] = a / total
            remaining = shapely.difference(remaining, unions[letter])
        a = float(remaining.area)
        if a >= sliver:
            letter_area[own] += a
            z["effective"][own] = z["effective"].get(own, 0.0) + a / total

    # What no zoning polygon covers; of that, what lies beyond the region (not answered).
    outside = 0.0
    if parcel.is_point:
        no_plan = 0.0 if zones else 1.0
    else:
        covered_geom, covered = area_of([z["_geom"] for z in zones])
        no_plan = max(total - covered, 0.0)
        no_plan = no_plan if no_plan >= sliver else 0.0
        if no_plan > 0:
            admin_geoms = [a["_geom"] for a in admin]
            outside = min(outside_area(covered_geom, admin_geoms, parcel.metric, sliver), no_plan)
    unzoned_inside = no_plan - outside if no_plan - outside >= sliver else 0.0
    if activity is not None and unzoned_inside > 0:
        letter_area["no_plan"] += unzoned_inside
    if activity is not None and outside > 0:
        letter_area["outside"] += outside
    denominator = 1.0 if parcel.is_point else total
    shares = {k: v / denominator for k, v in sorted(letter_area.items(), key=lambda kv: -kv[1])}
    # The verdict is on the part inside the region; `outside` stays in the shares only.
    inside_letters = [k for k in shares if k != "outside"]
    if not zones:
        verdict: str | None = "no_plan"
        shares = (
            {"no_plan": unzoned_inside / total, "outside": outside / total}
            if outside > 0
            else {"no_plan": 1.0}
        )
    elif activity is None:
        verdict = None
    else:
        verdict = inside_letters[0] if len(inside_letters) == 1 else "mixed"
    route = permit_route(ctx, book, zones, unzoned_inside, on, cite)

    envelope = _envelope(book, zones, on, parcel, cite)
    admin_out = admin_answer(
        admin, parcel.is_point, total, sliver, parcel.warnings, ctx.admin_version(3) is not None
    )
    admin_layers = {a["layer"] for a in admin}
    layers_used = sorted(
        (
            {"layer": r.name, "kind": r.kind, "version": r.version, "title": r.title,
             "title_en": r.title_en}
            | ({"plan": r.plan or "rtrw"} if r.kind == "zoning" else {})
            for r in ctx.layers.values()
            if r.kind in ("zoning", "overlay") or r.name in admin_layers
        ),
        key=lambda d: (d["kind"], d["layer"]),
    )
    answer: dict[str, Any] = {
        "geometry_type": "Point" if parcel.is_point else "Polygon",
        "area_m2": parcel.area_m2,
        # A listed activity, or a KBLI 2020 code the rules do not list (its title, listed false).
        "activity": book.describe(activity) if (book and activity) else None,
        "as_of": on.isoformat(),
        "verdict": verdict,
        "verdict_shares": shares if activity is not None else {},
        "no_plan_share": (no_plan / denominator) if denominator else 0.0,
        "outside_share": outside / total if outside > 0 else 0.0,
        "outside_warning": None,
        "route": route,
        "zones": [
            _public(z) for z in sorted(zones, key=lambda z: (-(z["share"]), z["code"] or ""))
        ],
        "envelope": envelope,
        "overlays": [_public(o) for o in sorted(overlays, key=lambda o: -o["share"])],
        "rasters": rasters,
        "admin": admin_out,
        "sources": {
            "layers": layers_used,
            "rasters": [
                {"raster": r["raster"], "version": r["version"], "title": r["title"]}
                for r in rasters
            ],
            "rules": {"version": book.version} if book else None,
            "legal": sorted(citations.values(), key=lambda c: (c["source"], c["article"] or "")),
        },
        "warnings": parcel.warnings,
    }
    round_answer(answer, parcel.is_point)  # after all arithmetic; the summary reads the result
    answer["outside_share"] = min(round_share(answer["outside_share"]), answer["no_plan_share"])
    if answer["outside_share"] > 0:
        answer["outside_warning"] = outside_warning(answer["outside_share"])
        answer["warnings"] = [*answer["warnings"], answer["outside_warning"]["en"]]
    answer["summary"] = _summary(answer)
    return answer


def _public(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if not k.startswith("_")}
