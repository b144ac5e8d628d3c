"""The zoning report: check each parcel or point, draw its map, lay the pages out as a PDF.

Each item is checked exactly as POST /zoning/check (or /zoning/at, /parcels/{id}) answers it;
the map is the static renderer's (app/services/maps/static.py) at RTRW_MAPS_REPORT_DPI
(>= 200 dpi) over the zoning, overlays, roads/rivers and admin outlines, the parcel outlined.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection

from app.errors import TooManyParcels
from app.l10n import t
from app.services.maps.static import Highlight, render_map
from app.services.reports import pdf
from app.services.rules.book import RuleBooks
from app.services.zoning.check import check, check_parcel
from app.settings import Settings

REPORT_LAYERS = ["zoning", "overlay", "base", "admin"]
MAP_MIN_SPAN_M = 300.0  # a point or a small parcel is shown with this much around it
MAX_QR_CHARS = 1800  # a longer permalink (a parcel of many vertices) is simplified


@dataclass
class ReportItem:
    """One page: a GeoJSON geometry (+crs), or a stored parcel's id, and the activity asked."""

    geometry: dict[str, Any] | None = None
    crs: str | None = None
    parcel_id: str | None = None
    region: str | None = None
    kbli: str | None = None
    activity: str | None = None
    as_of: date | None = None


def zoning_report(
    conn: Connection,
    settings: Settings,
    items: list[ReportItem],
    lang: str = "id",
    *,
    books: RuleBooks | None = None,
    today: date | None = None,
    base_url: str | None = None,
) -> bytes:
    """Return the PDF: one A4 page per item (TooManyParcels above RTRW_MAPS_MAX_REPORT_PARCELS).

    Permalinks and QR codes start with RTRW_MAPS_PUBLIC_BASE_URL, else with `base_url` (the
    address the request came to), else they are relative.
    """
    maps = settings.maps
    if len(items) > maps.max_report_parcels:
        raise TooManyParcels(
            f"a report takes at most {maps.max_report_parcels} parcels; got {len(items)}",
            message_id=f"Satu laporan paling banyak {maps.max_report_parcels} persil; "
            f"diterima {len(items)}",
            limit=maps.max_report_parcels,
        )
    base = maps.public_base_url or base_url or ""
    pages = [_page(conn, settings, item, lang, books, base) for item in items]
    return pdf.build(pages, lang, today or date.today())


def _page(
    conn: Connection,
    settings: Settings,
    item: ReportItem,
    lang: str,
    books: RuleBooks | None,
    base: str = "",
) -> pdf.Page:
    """Check one item and draw its map."""
    if item.parcel_id is not None:
        answer = check_parcel(
            conn, item.parcel_id, kbli=item.kbli, activity=item.activity, as_of=item.as_of,
            books=books, settings=settings, region=item.region,
        )  # fmt: skip
    else:
        geometry = item.geometry or {}
        answer = check(
            conn, geometry, item.crs, item.kbli, item.activity, item.as_of, books=books,
            settings=settings,
        )  # fmt: skip
    geom = answer.geom  # the geometry checked, in EPSG:4326
    assert geom is not None
    width_pt, height_pt = pdf.MAP_SIZE_PT
    dpi = settings.maps.report_dpi
    rendered = render_map(
        conn, settings.maps, frame=geom.bounds, pad=0.35, min_span_m=MAP_MIN_SPAN_M,
        width=math.ceil(width_pt / 72 * dpi), height=math.ceil(height_pt / 72 * dpi), dpi=dpi,
        layers=REPORT_LAYERS, highlight=Highlight([geom], t("sheet.parcel", lang)), lang=lang,
        region=(answer.parcel or {}).get("region") or (answer.region or {}).get("code"),
        books=books,
    )  # fmt: skip
    kbli = item.kbli or ((answer.activity or {}).get("code"))
    return pdf.Page(
        answer=answer,
        map_png=rendered.png,
        map_crs=rendered.crs,
        permalink=permalink(base, geom, kbli, lang),
        point=geom.coords[0] if geom.geom_type == "Point" else None,
    )


def permalink(base: str, geom: BaseGeometry, kbli: str | None, lang: str) -> str:
    """Return the public map's link to the place: `pt=lat,lon` for a point, else
    `parcel=lon lat,...` (the exterior ring of the largest polygon, 6 decimals)."""
    tail = (f"&kbli={quote(kbli)}" if kbli else "") + f"&lang={lang}"
    root = base.rstrip("/") + "/peta?"
    if geom.geom_type == "Point":
        return f"{root}pt={geom.y:.6f},{geom.x:.6f}&z=17{tail}"
    polys = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon"]
    poly = max(polys, key=lambda p: p.area) if polys else geom.envelope
    tolerance = 0.0
    while True:
        ring = poly.exterior.simplify(tolerance) if tolerance else poly.exterior
        value = ",".join(f"{x:.6f} {y:.6f}" for x, y, *_ in ring.coords)
        url = f"{root}parcel={quote(value, safe=',.-')}&z=17{tail}"
        if len(url) <= MAX_QR_CHARS or len(ring.coords) <= 5:
            return url
        tolerance = tolerance * 2 if tolerance else 1e-6
