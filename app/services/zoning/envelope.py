"""The building envelope (KDB, KLB, KDH x area, height, floors, GSB) per zone part."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.l10n import both, same
from app.services.geo.parse import Parcel
from app.services.rules.book import RuleBook
from app.services.zoning.answer import Envelope, EnvelopePart, Notice, ZoneRow
from app.services.zoning.attributes import polygon_intensity

# Envelope key -> intensity table column.
_COLUMNS = {
    "kdb_max_pct": "kdb_max",
    "klb_max": "klb_max",
    "klb_min": "klb_min",
    "kdh_min_pct": "kdh_min",
    "ktb_max_pct": "ktb_max",
    "height_max_m": "height_max_m",
    "floors_max": "floors_max",
    "gsb_m": "gsb_m",
}
# Envelope total -> (the value it multiplies, scale).
_PRODUCTS = {
    "max_footprint_m2": ("kdb_max_pct", 0.01),
    "max_floor_area_m2": ("klb_max", 1.0),
    "min_green_area_m2": ("kdh_min_pct", 0.01),
}


# Long by design (C901): each value from polygon or table, then summed.
def envelope(  # noqa: C901
    book: RuleBook | None,
    zones: list[ZoneRow],
    on: date,
    parcel: Parcel,
    cite: Any,
    warnings: list[Notice],
) -> Envelope | None:
    """Return the building envelope per zone part and in total (KDB, KLB, KDH x area).

    Numeric per-polygon values of the zoning feature (KDB, KLB, ...) take precedence over the
    pack's intensity table (the row of the parcel's area class); each part's `sources` says
    where each value came from (`polygon` or `table`). Free text is passed through with a warning.
    """
    own_of = {id(z): _polygon(z, warnings) for z in zones}
    if not zones or (book is None and not any(own_of[id(z)][0] for z in zones)):
        return None
    parts: list[EnvelopePart] = []
    totals = dict.fromkeys(_PRODUCTS, 0.0)
    complete = dict.fromkeys(totals, True)
    for z in zones:
        row = book.intensity_for(z.zone_code or "", on, parcel.area_m2) if book else None
        own, fields = own_of[id(z)]
        if row is None and not own:
            parts.append(EnvelopePart(z.code, z.layer, has_rules=False))
            for k in complete:
                complete[k] = False
            continue
        area = z.area_m2
        item = EnvelopePart(z.code, z.layer, area_m2=area)
        for key, col in _COLUMNS.items():
            if key in own:
                setattr(item, key, own[key])
                item.sources[key] = "polygon"
            else:
                value = row[col] if row is not None else None
                setattr(item, key, value)
                if value is not None:
                    item.sources[key] = "table"
        if fields:
            item.polygon_fields = fields
        item.legal = cite(row["source_id"], row["article"]) if row is not None else None
        if row is not None and (row.get("min_area_m2"), row.get("max_area_m2")) != (None, None):
            item.area_class_m2 = [row.get("min_area_m2"), row.get("max_area_m2")]
        for key, (value_key, scale) in _PRODUCTS.items():
            value = getattr(item, value_key)
            product = (
                value * scale * area
                if area is not None and isinstance(value, int | float)
                else None
            )
            setattr(item, key, product)
            if product is None:
                complete[key] = False
            else:
                totals[key] += product
        parts.append(item)
    heights = [p.height_max_m for p in parts if isinstance(p.height_max_m, int | float)]
    out = Envelope(parts)
    if not parcel.is_point:
        for key, value in totals.items():
            setattr(out, key, value if complete[key] else None)
        out.max_height_m = min(heights) if heights and len(heights) == len(parts) else None
    return out


def _polygon(z: ZoneRow, warnings: list[Notice]) -> tuple[dict[str, Any], dict[str, str]]:
    """Return a zone part's per-polygon intensity and its fields; warn about free text."""
    items = z.items or [{}]
    values, fields = polygon_intensity(items[0].get("props"))
    for key, value in values.items():
        if isinstance(value, str):
            warnings.append(
                Notice.of(
                    "intensity_text",
                    both(
                        "warn.intensity_text", zone=same(f"{z.code} ({z.layer})"),
                        field=same(fields[key]), value=same(repr(value)),
                    ),
                )
            )  # fmt: skip
    return values, fields
