"""The building envelope (KDB, KLB, KDH x area, height, floors, GSB) per zone part."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.services.rules.book import RuleBook
from app.services.zoning.parse import Parcel


def envelope(
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
