"""The desa and kecamatan of a parcel: one admin version per level, kecamatan by the desa code.

The context holds, per level, the one current admin version (catalog/current.py), so a second
desa layer never lists a desa twice. A desa's kecamatan is the one its Kemendagri code names
(33.25.01.2001 lies in 33.25.01), named from the current kecamatan layer; a kecamatan polygon
under the parcel that disagrees with the desa's code is not reported, only warned about.
Kecamatan polygons count only where no desa lies (a desa layer that covers part of the region).
"""

from __future__ import annotations

from typing import Any

import shapely

from app.l10n import both, same
from app.services.geo import kemendagri
from app.services.zoning.answer import AdminHit, Notice

LEVEL_NAMES = {3: "kecamatan", 4: "desa"}
_WHOLE_TOLERANCE = 1e-6


def current_admin_parts(
    layers: dict[int, Any], parts: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Return the parts without admin features of a level their version is not current for."""
    return [
        p
        for p in parts
        if layers[p["version_id"]].kind != "admin"
        or (p["level"] is not None and p["level"] in (layers[p["version_id"]].levels or ()))
    ]


def _within_whole(entries: list[dict[str, Any]], total: float) -> list[dict[str, Any]]:
    """Return the entries of one level with shares that add up to at most 1.

    One layer's polygons should not overlap; where a source's do (real boundaries often
    overlap by a few metres), their parts add up to more than the parcel: each keeps its true
    area, and the shares become parts of their sum instead of parts of the parcel.
    """
    whole = sum(e["area_m2"] for e in entries)
    if whole <= total * (1 + _WHOLE_TOLERANCE):
        return entries
    return [{**e, "share": e["area_m2"] / whole} for e in entries]


# Long by design (C901): desa and kecamatan reconciled in one pass.
def admin_answer(  # noqa: C901
    admin: list[dict[str, Any]],
    is_point: bool,
    total: float,
    sliver: float,
    warnings: list[Notice],
    kecamatan_layer: bool,
) -> list[AdminHit]:
    """Return the answer's `admin` list (unrounded): desa, then kecamatan by the desa codes.

    `admin` holds one entry per admin feature under the parcel (current versions only), with
    `_level`, `_geom`, `_items` as evaluate builds them. Kecamatan entries are reported when a
    kecamatan layer is current (`kecamatan_layer`); without one a desa's `parent_code` still
    names its kecamatan. Disagreements go to `warnings`.
    """

    def first_fid(e: dict[str, Any]) -> tuple[int, int]:
        return (e["_vid"], min(i["fid"] for i in e["_items"]))

    desa = [a for a in admin if a["_level"] == 4]
    kec = [a for a in admin if a["_level"] == 3]
    if is_point:  # a point on a shared edge: the first feature by fid, as for zones
        desa = sorted(desa, key=first_fid)[:1]
    else:
        desa, kec = _within_whole(desa, total), _within_whole(kec, total)
    polygon_names = {k["code"]: k["name"] for k in kec}
    derived: dict[str, dict[str, Any]] = {}

    def add(code: str | None, name: str | None, area: float | None, share: float) -> None:
        entry = derived.setdefault(
            code or "",
            {"code": code, "name": name, "level": "kecamatan", "area_m2": None, "share": 0.0},
        )
        entry["name"] = entry["name"] or name
        if area is not None:
            entry["area_m2"] = (entry["area_m2"] or 0.0) + area
        entry["share"] += share

    for d in desa:
        parent = kemendagri.parent_of(d["code"]) if d["code"] else None
        name = d["_items"][0].get("parent_name") or polygon_names.get(parent)
        add(parent, name, d["area_m2"], d["share"])
        for k in kec:
            if k["code"] == parent or (is_point and parent in polygon_names):
                continue
            if not is_point and shapely.intersection(d["_geom"], k["_geom"]).area < sliver:
                continue
            warnings.append(
                Notice.of(
                    "kecamatan_mismatch",
                    both(
                        "warn.kecamatan_mismatch",
                        desa=same(f"{d['code']} ({d['name']})"),
                        found=same(f"{k['code']} ({k['name']}, {k['layer']})"),
                        named=same(str(parent)),
                    ),
                )
            )
    if is_point:
        if not desa:
            for k in sorted(kec, key=first_fid)[:1]:
                add(k["code"], k["name"], None, 1.0)
    elif kec:
        covered = sum(d["area_m2"] for d in desa)
        if covered > total * (1 + _WHOLE_TOLERANCE):  # overlapping desa: measure their union
            covered = shapely.union_all([d["_geom"] for d in desa]).area
        if covered < total - sliver:  # kecamatan polygons count where no desa lies
            under_desa = shapely.union_all([d["_geom"] for d in desa])
            for k in kec:
                rest = shapely.difference(k["_geom"], under_desa)
                if rest.area >= sliver:
                    add(k["code"], k["name"], rest.area, rest.area / total)
            whole = sum(k["share"] for k in derived.values())
            for k in derived.values() if whole > 1 + _WHOLE_TOLERANCE else ():
                k["share"] /= whole
    out = [
        AdminHit(
            d["code"],
            d["name"],
            "desa",
            d["area_m2"],
            d["share"],
            kemendagri.parent_of(d["code"]) if d["code"] else None,
        )  # fmt: skip
        for d in desa
    ] + [
        AdminHit(
            k["code"],
            k["name"],
            "kecamatan",
            k["area_m2"],
            k["share"],
            kemendagri.parent_of(k["code"]) if k["code"] else None,
        )  # fmt: skip
        for k in (derived.values() if kecamatan_layer else ())
    ]
    return sorted(out, key=lambda a: (a.level != "desa", -a.share, a.code or ""))
