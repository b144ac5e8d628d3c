"""The permit-zoning (KKPR pre-)check: zones, ITBX verdict, envelope, overlays, admin, sources.

One SQL statement finds, for every parcel of a request (one, or up to 10,000 in a batch), the
parts of it that fall in each current zoning, overlay and admin feature, cut and reprojected
to the region's metric CRS by PostGIS. The rules (a cached RuleBook) are then applied to those
parts with shapely: shares, letters per part (overlays can make a part stricter), envelopes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, text

from app.errors import (
    InvalidGeometry,
    NoRules,
    NotFound,
    OutsidePlanningArea,
    RtrwError,
    TooLarge,
    TooManyParcels,
    TooManyVertices,
)
from app.services.loader import crs_label, parse_crs
from app.services.rulebook import STRICTNESS, RuleBook, current_rulebook, rulebook
from app.settings import ZoningSettings, loader_settings, zoning_settings

GEOM_TYPES = ("Point", "Polygon", "MultiPolygon")
LETTER_WORDS = {
    "I": ("diizinkan", "allowed"),
    "T": ("diizinkan terbatas", "allowed with limitations"),
    "B": ("diizinkan bersyarat", "allowed with conditions"),
    "TB": ("diizinkan terbatas dan bersyarat", "allowed with limitations and conditions"),
    "X": ("tidak diizinkan", "not allowed"),
    "not_listed": (
        "tidak tercantum dalam matriks ITBX (bukan berarti diizinkan)",
        "not listed in the ITBX matrix (which does not mean allowed)",
    ),
    "no_plan": (
        "tidak tercakup rencana pola ruang (tidak dapat dinyatakan diizinkan)",
        "not covered by any zoning plan (cannot be declared allowed)",
    ),
}


@dataclass
class Parcel:
    """One geometry to check, parsed and validated: EPSG:4326 and metric CRS copies."""

    geom: BaseGeometry
    metric: BaseGeometry
    is_point: bool
    area_m2: float | None
    warnings: list[str] = field(default_factory=list)
    ref: Any = None
    kbli: str | None = None
    activity: str | None = None


@dataclass
class LayerRef:
    """A current layer version the check reads."""

    name: str
    kind: str
    title: str
    version: int
    version_id: int


@dataclass
class Context:
    """What a check reads: current layer versions, the rule book and the metric CRS."""

    layers: dict[int, LayerRef]
    metric_srid: int
    book: RuleBook | None


@lru_cache(maxsize=64)
def _crs(value: str) -> CRS:
    return parse_crs(value)


@lru_cache(maxsize=64)
def _transformer(src: str, dst: int) -> Transformer:
    return Transformer.from_crs(_crs(src), CRS.from_epsg(dst), always_xy=True)


def _reproject(geom: BaseGeometry, src: str, dst: int) -> BaseGeometry:
    tr = _transformer(src, dst)

    def fn(coords: np.ndarray) -> np.ndarray:
        x, y = tr.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, fn)


def parse_geometry(
    obj: Any,
    crs: str | None,
    metric_srid: int,
    settings: ZoningSettings | None = None,
) -> Parcel:
    """Return a validated Parcel from a GeoJSON geometry in `crs`; raise a 4xx domain error.

    Polygons are also kept in the metric CRS (for their area); a point needs no metric copy.
    """
    settings = settings or zoning_settings()
    src = (crs or "EPSG:4326").strip()
    src_crs = _crs(src)  # lru_cache keeps no exceptions: unknown CRSs raise every time
    if not isinstance(obj, dict) or "type" not in obj:
        raise InvalidGeometry("geometry must be a GeoJSON object with a 'type'")
    if obj["type"] not in GEOM_TYPES:
        raise InvalidGeometry(
            f"geometry type {obj['type']!r} is not checked; use {', '.join(GEOM_TYPES)}"
        )
    try:
        geom = shape(obj)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise InvalidGeometry(f"malformed GeoJSON {obj['type']}: {exc}") from exc
    if geom.is_empty:
        raise InvalidGeometry("the geometry is empty")
    n = int(shapely.get_num_coordinates(geom))
    if n > settings.max_vertices:
        raise TooManyVertices(
            f"the geometry has {n} vertices; the limit is {settings.max_vertices}",
            limit=settings.max_vertices,
        )
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        raise InvalidGeometry("the geometry has coordinates that are not finite numbers")
    if src_crs.is_geographic and (
        (np.abs(coords[:, 0]) > 180).any() or (np.abs(coords[:, 1]) > 90).any()
    ):
        raise InvalidGeometry(
            f"coordinates are outside lon/lat ranges for {crs_label(src_crs)}; "
            'projected coordinates (e.g. UTM) need "crs": "EPSG:32749"'
        )
    warnings: list[str] = []
    is_point = geom.geom_type == "Point"
    if not is_point and not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        fixed = shapely.make_valid(geom)
        polys = [p for p in shapely.get_parts(fixed) if p.geom_type in ("Polygon", "MultiPolygon")]
        geom = shapely.union_all(polys) if polys else shapely.Polygon()
        if geom.is_empty or geom.area == 0:
            raise InvalidGeometry(f"the polygon is invalid ({reason}) and its repair is empty")
        warnings.append(f"the polygon was invalid ({reason}) and was repaired with make_valid")
    geom4326 = geom if src.upper() in ("EPSG:4326", "4326") else _reproject(geom, src, 4326)
    metric = geom4326 if is_point else _reproject(geom4326, "EPSG:4326", metric_srid)
    area = None if is_point else float(metric.area)
    if area is not None:
        if area <= 0:
            raise InvalidGeometry("the polygon has no area")
        if area > settings.max_area_ha * 10_000:
            raise TooLarge(
                f"the parcel is {area / 10_000:,.1f} ha; "
                f"the limit is {settings.max_area_ha:,.0f} ha",
                limit_ha=settings.max_area_ha,
            )
    return Parcel(geom=geom4326, metric=metric, is_point=is_point, area_m2=area, warnings=warnings)


_CONTEXT_SQL = """
SELECT
    (SELECT coalesce(json_agg(json_build_array(l.name, l.kind, v.title, v.version, v.id)), '[]')
     FROM layer l JOIN layer_version v ON v.id = l.current_version_id
     WHERE l.kind IN ('zoning', 'overlay', 'admin')) AS layers,
    (SELECT metric_crs FROM region ORDER BY loaded_at DESC LIMIT 1) AS metric_crs,
    (SELECT id FROM rule_set ORDER BY version DESC LIMIT 1) AS rule_set_id
"""


def context(conn: Connection) -> Context:
    """Return the current zoning, overlay and admin layer versions and the rule book."""
    return _context_from(conn, conn.execute(text(_CONTEXT_SQL)).one())


def _context_from(conn: Connection, row: Any) -> Context:
    metric = row.metric_crs or loader_settings().default_metric_crs
    epsg = _epsg(metric)
    if epsg is None:
        raise RtrwError(f"the region's metric CRS {metric} has no EPSG code")
    return Context(
        layers={r[4]: LayerRef(*r) for r in row.layers},
        metric_srid=epsg,
        book=rulebook(conn, row.rule_set_id) if row.rule_set_id is not None else None,
    )


@lru_cache(maxsize=16)
def _epsg(crs: str) -> int | None:
    return _crs(crs).to_epsg()


# A point check in one round trip: the context and the features under the point together.
_POINT_CONTEXT_SQL = """
WITH cur AS MATERIALIZED (
    SELECT l.name, l.kind, v.title, v.version, v.id
    FROM layer l JOIN layer_version v ON v.id = l.current_version_id
    WHERE l.kind IN ('zoning', 'overlay', 'admin')
)
SELECT
    (SELECT coalesce(json_agg(json_build_array(name, kind, title, version, id)), '[]')
     FROM cur) AS layers,
    (SELECT metric_crs FROM region ORDER BY loaded_at DESC LIMIT 1) AS metric_crs,
    (SELECT id FROM rule_set ORDER BY version DESC LIMIT 1) AS rule_set_id,
    (SELECT coalesce(json_agg(json_build_array(f.version_id, f.fid, f.code, f.name, f.level)
                              ORDER BY f.version_id, f.fid), '[]')
     FROM feature f
     WHERE f.version_id = ANY(ARRAY(SELECT id FROM cur))
       AND ST_Intersects(f.geom, ST_SetSRID(ST_MakePoint(:x, :y), 4326))
       AND (f.level IS NULL OR f.level >= 3)) AS hits
"""


def point_context(conn: Connection, parcel: Parcel) -> tuple[Context, list[dict[str, Any]]]:
    """Return the context and the features under a point, in one query."""
    row = conn.execute(text(_POINT_CONTEXT_SQL), {"x": parcel.geom.x, "y": parcel.geom.y}).one()
    keys = ("version_id", "fid", "code", "name", "level")
    hits = [{**dict(zip(keys, h, strict=True)), "part": None} for h in row.hits]
    return _context_from(conn, row), hits


_PARTS_SQL = """
WITH p AS (
    SELECT t.pid, ST_GeomFromWKB(t.wkb, 4326) AS geom
    FROM unnest(CAST(:pids AS integer[]), CAST(:wkbs AS bytea[])) AS t(pid, wkb)
)
SELECT p.pid, f.version_id, f.fid, f.code, f.name, f.level, {cut} AS wkb
FROM p JOIN feature f
  ON f.version_id = ANY(CAST(:vids AS integer[])) AND ST_Intersects(f.geom, p.geom)
WHERE f.level IS NULL OR f.level >= 3
ORDER BY p.pid, f.version_id, f.fid
"""
# Cut in the metric CRS: features were loaded from (and parcels are often drawn in) that CRS,
# so edges that coincide there stay coincident and leave no slivers.
_CUT = (
    "ST_AsBinary(CASE WHEN ST_CoveredBy(p.geom, f.geom) "
    "THEN ST_Transform(p.geom, CAST(:srid AS integer)) "
    "ELSE ST_Intersection(ST_Transform(p.geom, CAST(:srid AS integer)), "
    "ST_Transform(f.geom, CAST(:srid AS integer))) END)"
)


def find_parts(
    conn: Connection, ctx: Context, parcels: list[Parcel]
) -> dict[int, list[dict[str, Any]]]:
    """Return, per parcel index, the features it touches with the cut parts (metric CRS)."""
    vids = list(ctx.layers)
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not vids or not parcels:
        return out
    for points in (True, False):
        idx = [i for i, p in enumerate(parcels) if p.is_point == points]
        if not idx:
            continue
        rows = conn.execute(
            text(_PARTS_SQL.format(cut="NULL" if points else _CUT)),
            {
                "pids": idx,
                "wkbs": [shapely.to_wkb(parcels[i].geom) for i in idx],
                "vids": vids,
                "srid": ctx.metric_srid,
            },
        ).all()
        for r in rows:
            out[r.pid].append(
                {
                    "version_id": r.version_id,
                    "fid": r.fid,
                    "code": r.code,
                    "name": r.name,
                    "level": r.level,
                    "part": shapely.from_wkb(r.wkb) if r.wkb is not None else None,
                }
            )
    return out


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


def _pct(share: float) -> str:
    return f"{share * 100:.0f} %" if share >= 0.01 or share == 0 else f"{share * 100:.2f} %"


def evaluate(
    ctx: Context, parcel: Parcel, parts: list[dict[str, Any]], activity: str | None, on: date
) -> dict[str, Any]:
    """Apply the rules to a parcel's parts; return the full check answer."""
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

    groups: dict[tuple[int, str | None], list[dict[str, Any]]] = defaultdict(list)
    for part in parts:
        groups[(part["version_id"], part["code"])].append(part)

    zones: list[dict[str, Any]] = []
    overlays: list[dict[str, Any]] = []
    admin: list[dict[str, Any]] = []
    for (vid, code), items in groups.items():
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
        }
        {"zoning": zones, "overlay": overlays, "admin": admin}[ref.kind].append(entry)
    if parcel.is_point:  # one zone per layer: the first by fid (a point on a shared edge)
        first: dict[str, dict[str, Any]] = {}
        for z in zones:
            first.setdefault(z["layer"], z)
        zones = list(first.values())
    if not zones and not admin:
        raise OutsidePlanningArea(
            "the geometry is outside the planning area: it touches no zoning polygon and no "
            "administrative area of this region"
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
        z["colour"] = cls["colour"] if cls else None
        if cls is None and book is not None:
            parcel.warnings.append(f"zone code {z['code']!r} is not in the rule tables")
        if activity is not None and book is not None:
            row = book.itbx_for(activity, national or "", on)
            z["itbx"] = row["itbx"] if row else "not_listed"
            z["conditions"] = row["conditions"] if row else None
            z["conditions_en"] = row["conditions_en"] if row else None
            z["legal"] = cite(row["source_id"], row["article"]) if row else None
        else:
            z["itbx"] = z["conditions"] = z["conditions_en"] = z["legal"] = None

    # Overlay rules: restrictions, and parts made stricter.
    stricter: dict[str, list[BaseGeometry]] = defaultdict(list)
    for o in overlays:
        rules = book.overlay_rules_for(o["layer"], o["code"], activity, on) if book else []
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

    # What no zoning polygon covers.
    if parcel.is_point:
        no_plan = 0.0 if zones else 1.0
    else:
        _, covered = area_of([z["_geom"] for z in zones])
        no_plan = max(total - covered, 0.0)
        no_plan = no_plan if no_plan >= sliver else 0.0
    if activity is not None and no_plan > 0:
        letter_area["no_plan"] += no_plan
    denominator = 1.0 if parcel.is_point else total
    shares = {k: v / denominator for k, v in sorted(letter_area.items(), key=lambda kv: -kv[1])}
    if not zones:
        verdict: str | None = "no_plan"
        shares = {"no_plan": 1.0}
    elif activity is None:
        verdict = None
    else:
        verdict = next(iter(shares)) if len(shares) == 1 else "mixed"

    envelope = _envelope(book, zones, on, parcel, cite)
    admin_out = [
        {
            "code": a["code"],
            "name": a["name"],
            "level": "desa" if a["_level"] == 4 else "kecamatan",
            "area_m2": a["area_m2"],
            "share": a["share"],
        }
        for a in sorted(admin, key=lambda a: (-(a["_level"] or 0), -a["share"], a["code"] or ""))
    ]
    layers_used = sorted(
        (
            {"layer": r.name, "kind": r.kind, "version": r.version, "title": r.title}
            for r in ctx.layers.values()
            if r.kind in ("zoning", "overlay") or r.name in {a["layer"] for a in admin}
        ),
        key=lambda d: (d["kind"], d["layer"]),
    )
    act = book.activities.get(activity) if (book and activity) else None
    answer: dict[str, Any] = {
        "geometry_type": "Point" if parcel.is_point else "Polygon",
        "area_m2": parcel.area_m2,
        "activity": (
            {
                "id": activity,
                "name": act["name"],
                "name_en": act["name_en"],
                "sector": act["sector"],
                "kbli": sorted(k for k, v in book.kbli.items() if v == activity) if book else [],
            }
            if act
            else None
        ),
        "as_of": on.isoformat(),
        "verdict": verdict,
        "verdict_shares": shares if activity is not None else {},
        "no_plan_share": (no_plan / denominator) if denominator else 0.0,
        "zones": [
            _public(z) for z in sorted(zones, key=lambda z: (-(z["share"]), z["code"] or ""))
        ],
        "envelope": envelope,
        "overlays": [_public(o) for o in sorted(overlays, key=lambda o: -o["share"])],
        "admin": admin_out,
        "sources": {
            "layers": layers_used,
            "rules": {"version": book.version} if book else None,
            "legal": sorted(citations.values(), key=lambda c: (c["source"], c["article"] or "")),
        },
        "warnings": parcel.warnings,
    }
    answer["summary"] = _summary(answer)
    return answer


def _public(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if not k.startswith("_")}


def _envelope(
    book: RuleBook | None,
    zones: list[dict[str, Any]],
    on: date,
    parcel: Parcel,
    cite: Any,
) -> dict[str, Any] | None:
    """Return the building envelope per zone part and in total (KDB, KLB, KDH x area)."""
    if book is None or not zones:
        return None
    parts = []
    totals = {"max_footprint_m2": 0.0, "max_floor_area_m2": 0.0, "min_green_area_m2": 0.0}
    complete = {k: True for k in totals}
    for z in zones:
        row = book.intensity_for(z["zone_code"] or "", on)
        if row is None:
            parts.append({"code": z["code"], "layer": z["layer"], "rules": None})
            for k in complete:
                complete[k] = False
            continue
        area = z["area_m2"]
        item: dict[str, Any] = {
            "code": z["code"],
            "layer": z["layer"],
            "area_m2": area,
            "kdb_max_pct": row["kdb_max"],
            "klb_max": row["klb_max"],
            "klb_min": row["klb_min"],
            "kdh_min_pct": row["kdh_min"],
            "ktb_max_pct": row["ktb_max"],
            "height_max_m": row["height_max_m"],
            "floors_max": row["floors_max"],
            "gsb_m": row["gsb_m"],
            "legal": cite(row["source_id"], row["article"]),
        }
        if area is not None:
            for key, col, scale in (
                ("max_footprint_m2", "kdb_max", 0.01),
                ("max_floor_area_m2", "klb_max", 1.0),
                ("min_green_area_m2", "kdh_min", 0.01),
            ):
                value = None if row[col] is None else row[col] * scale * area
                item[key] = value
                if value is None:
                    complete[key] = False
                else:
                    totals[key] += value
        parts.append(item)
    heights = [p["height_max_m"] for p in parts if p.get("height_max_m") is not None]
    out: dict[str, Any] = {"parts": parts}
    if not parcel.is_point:
        out.update({k: (v if complete[k] else None) for k, v in totals.items()})
        out["max_height_m"] = min(heights) if heights and len(heights) == len(parts) else None
    return out


def _summary(a: dict[str, Any]) -> dict[str, str]:
    """Return a short plain-language answer in Bahasa Indonesia and English."""
    act = a["activity"]
    name_id = act["name"] if act else None
    name_en = (act["name_en"] or act["name"]) if act else None
    point = a["geometry_type"] == "Point"
    where_id = "Titik ini" if point else "Persil ini"
    where_en = "This point" if point else "This parcel"
    if a["verdict"] == "no_plan":
        return {
            "id": f"{where_id} berada di luar semua poligon rencana pola ruang: "
            f"{LETTER_WORDS['no_plan'][0]}.",
            "en": f"{where_en} lies outside every zoning polygon: {LETTER_WORDS['no_plan'][1]}.",
        }
    ids, ens = [], []
    for z in a["zones"]:
        label = f"{z['code']} ({z['name'] or z.get('class_name') or ''})".replace(" ()", "")
        share_id = "" if point else f"{_pct(z['share'])} persil "
        share_en = "" if point else f"{_pct(z['share'])} of the parcel "
        if act and z["itbx"]:
            w_id, w_en = LETTER_WORDS[z["itbx"]]
            cond_id = f": {z['conditions']}" if z.get("conditions") else ""
            cond_en = f": {z['conditions_en']}" if z.get("conditions_en") else ""
            ids.append(f"{share_id}berada di {label}, di mana {name_id} {w_id}{cond_id}".strip())
            ens.append(f"{share_en}is in {label}, where {name_en} is {w_en}{cond_en}".strip())
        else:
            ids.append(f"{share_id}berada di {label}".strip())
            ens.append(f"{share_en}is in {label}".strip())
    text_id = ("Titik ini " if point else "") + "; ".join(ids)
    text_en = ("This point " if point else "") + "; ".join(ens)
    if not point and a["no_plan_share"] > 0:
        text_id += f"; {_pct(a['no_plan_share'])} persil tidak tercakup rencana pola ruang"
        text_en += f"; {_pct(a['no_plan_share'])} of the parcel is outside every zoning polygon"
    for o in a["overlays"]:
        for rule in o.get("rules", []):
            share = "" if point else f" ({_pct(o['share'])})"
            text_id += f". Overlay {o['code']}{share}: {rule['restriction']}"
            text_en += (
                f". Overlay {o['code']}{share}: {rule['restriction_en'] or rule['restriction']}"
            )
    if act and a["verdict"] == "mixed":
        parts_id = ", ".join(f"{k} {_pct(v)}" for k, v in a["verdict_shares"].items())
        text_id += f". Putusan campuran: {parts_id}"
        text_en += f". Mixed verdict: {parts_id}"
    elif act and a["verdict"]:
        text_id += f". Kesimpulan: {LETTER_WORDS[a['verdict']][0]}"
        text_en += f". Verdict: {LETTER_WORDS[a['verdict']][1]}"
    return {
        "id": text_id[:1].upper() + text_id[1:] + ".",
        "en": text_en[:1].upper() + text_en[1:] + ".",
    }


def check(
    conn: Connection,
    geometry: Any,
    crs: str | None = None,
    kbli: str | None = None,
    activity: str | None = None,
    as_of: date | None = None,
) -> dict[str, Any]:
    """Return the zoning answer for one geometry (GeoJSON in `crs`) and optional activity."""
    if isinstance(geometry, dict) and geometry.get("type") == "Point":
        parcel = parse_geometry(geometry, crs, 0)
        ctx, hits = point_context(conn, parcel)
        act = _activity(ctx, kbli, activity)
        return evaluate(ctx, parcel, hits, act, as_of or date.today())
    ctx = context(conn)
    act = _activity(ctx, kbli, activity)
    parcel = parse_geometry(geometry, crs, ctx.metric_srid)
    parts = find_parts(conn, ctx, [parcel])
    return evaluate(ctx, parcel, parts.get(0, []), act, as_of or date.today())


def _activity(ctx: Context, kbli: str | None, activity: str | None) -> str | None:
    if kbli is None and activity is None:
        return None
    if ctx.book is None:
        raise NoRules("no zoning rules are loaded: run `rtrw rules load <pack>` first")
    return ctx.book.resolve_activity(kbli, activity)


def check_point(
    conn: Connection,
    lon: float,
    lat: float,
    kbli: str | None = None,
    activity: str | None = None,
    as_of: date | None = None,
) -> dict[str, Any]:
    """Return the zoning answer for a lon/lat point."""
    return check(
        conn, {"type": "Point", "coordinates": [lon, lat]}, "EPSG:4326", kbli, activity, as_of
    )


def check_parcel(
    conn: Connection,
    parcel_id: str,
    kbli: str | None = None,
    activity: str | None = None,
    as_of: date | None = None,
) -> dict[str, Any]:
    """Return the zoning answer for a stored parcel (kind `parcel`) by its id (code)."""
    row = conn.execute(
        text(
            """
            SELECT ST_AsGeoJSON(f.geom) AS g, l.name, v.version
            FROM feature f JOIN layer l ON l.current_version_id = f.version_id
            JOIN layer_version v ON v.id = f.version_id
            WHERE l.kind = 'parcel' AND f.code = :id
            ORDER BY l.name LIMIT 1
            """
        ),
        {"id": parcel_id},
    ).first()
    if row is None:
        raise NotFound(f"no parcel with id {parcel_id!r} in the current parcel layers")
    answer = check(conn, json.loads(row.g), "EPSG:4326", kbli, activity, as_of)
    answer["parcel"] = {"id": parcel_id, "layer": row.name, "version": row.version}
    return answer


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


def search_activities(conn: Connection, q: str | None, limit: int = 20) -> list[dict[str, Any]]:
    """Return activities matching a KBLI prefix or words (for pickers and investors)."""
    book = current_rulebook(conn)
    if book is None:
        raise NoRules("no zoning rules are loaded: run `rtrw rules load <pack>` first")
    return book.search(q, limit)


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


__all__ = [
    "BatchItem",
    "check",
    "check_batch",
    "check_parcel",
    "check_point",
    "flat_row",
    "search_activities",
]
