"""Static PNG maps rendered server-side from the catalog's own layers (no internet basemap).

Drawing CRS: the region's **metric CRS** (UTM zone 49S, EPSG:32749, for Batang), not Web
Mercator: a map in it is at a true scale, so the scale bar is right everywhere on the map (the
UTM point scale factor at the centre, ~0.9996, is applied to the bar; Web Mercator would be
off by 1/cos(lat)), and the north arrow is turned by the grid convergence at the centre.

One parameterised SQL statement per layer reads the features of its current version that meet
the frame (`&&` + `ST_Intersects`, the GiST index), cut to the frame with `ST_ClipByBox2D`
(a large desa costs only its vertices in view), transformed to the drawing CRS and simplified
to half a pixel (`ST_SimplifyPreserveTopology`). Layer names come from the catalog, values are
bound. Zoning is filled with the colour the region's rule book gives each sub-zone code
(zone_classes.csv `colour`, through zone_aliases), as the check's answer does.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Proj
from shapely.geometry import Point, box, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, text

from app.errors import (
    AdminAreaNotFound,
    InvalidParameter,
    LayerNotFound,
    OutsidePlanningArea,
)
from app.services.catalog.admin import get_area
from app.services.catalog.current import CURRENT_ADMIN_SQL, REGION_METRIC_CRS_SQL
from app.services.catalog.layers import LAYER
from app.services.catalog.named import region_is
from app.services.geo import kemendagri
from app.services.geo.crs import STORAGE_SRID, epsg_of, transformer
from app.services.maps import draw, themes
from app.services.maps.raster_image import raster_legend, raster_rgba
from app.services.rasters.catalog import get_raster, list_rasters
from app.services.rules.book import (
    REGION_RULE_SET_KEY_SQL,
    RuleBook,
    RuleBooks,
    process_rulebooks,
)
from app.services.zoning.context import regions_of
from app.settings import MapSettings, loader_settings

DEFAULT_LAYERS = ("zoning", "admin")
POINT_MIN_SPAN_M = 300.0  # a map framed on a highlighted point shows this much around it
KINDS = ("zoning", "admin", "overlay", "base", "thematic", "parcel")  # names that mean a kind
LANGS = ("id", "en")

# The current layers of region :region, with what drawing and attribution need; `admin` says
# whether the version is current for an admin level (catalog/current.py), `levels` which.
LAYERS_SQL = f"""
    SELECT l.name, l.kind, v.id AS version_id, v.version, v.title, v.title_en, v.licence, v.plan,
           v.levels,
           v.minx, v.miny, v.maxx, v.maxy,
           EXISTS (SELECT 1 FROM ({CURRENT_ADMIN_SQL}) c
                   WHERE c.version_id = v.id AND {region_is("c.region_code")}) AS admin
    FROM {LAYER.current()}
    WHERE {region_is()}
    ORDER BY l.name
"""

# The features of version :vid in the lon/lat box, cut to it, in EPSG :srid, simplified to :tol
# metres; admin polygons also bring a point inside the whole polygon for their label.
FEATURES_SQL = """
    WITH b AS (SELECT ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326) AS box)
    SELECT f.code, f.name, f.level,
           ST_AsBinary(ST_SimplifyPreserveTopology(
               ST_Transform(ST_ClipByBox2D(f.geom, b.box), :srid), :tol)) AS wkb,
           CASE WHEN :labels THEN ST_AsBinary(ST_Transform(ST_PointOnSurface(f.geom), :srid))
           END AS label_at
    FROM feature f, b
    WHERE f.version_id = :vid AND f.geom && b.box AND ST_Intersects(f.geom, b.box)
    ORDER BY f.area_m2 DESC NULLS LAST, f.fid
    LIMIT :cap
"""

# A desa (level 4) of the current desa versions by code or by name (any case).
DESA_SQL = f"""
    SELECT f.code, f.name, c.region_code, ST_AsBinary(f.geom) AS wkb
    FROM ({CURRENT_ADMIN_SQL}) c
    JOIN feature f ON f.version_id = c.version_id AND f.level = c.level
    WHERE c.level = 4
      AND (f.code = CAST(:code AS text) OR lower(f.name) = lower(CAST(:name AS text)))
    ORDER BY f.code
"""

_COORD_PAIR = re.compile(r"^\s*-?\d+(\.\d+)?\s+-?\d+(\.\d+)?\s*$")


@dataclass
class Highlight:
    """Outlines to stress on the map (EPSG:4326) and the legend text for them."""

    geoms: list[BaseGeometry] = field(default_factory=list)
    label: str | None = None


@dataclass(frozen=True)
class StaticMap:
    """A rendered map: the PNG and what frames it."""

    png: bytes
    bbox: tuple[float, float, float, float]  # the drawn frame in EPSG:4326 (lon/lat)
    crs: str  # the drawing CRS, e.g. EPSG:32749
    layers: list[str]
    width: int
    height: int
    dpi: int
    # the names written on the map and the highlighted points' marker boxes (drawing CRS)
    labels: list[draw.PlacedLabel] = field(default_factory=list)
    markers: list[tuple[float, float, float, float]] = field(default_factory=list)


def check_size(settings: MapSettings, width: int, height: int, dpi: int) -> None:
    """Raise InvalidParameter (422) naming the limits when the size or dpi is out of range."""
    lo = settings.min_size
    checks = [
        ("width", width, lo, settings.max_width, " px"),
        ("height", height, lo, settings.max_height, " px"),
        ("dpi", dpi, settings.min_dpi, settings.max_dpi, ""),
    ]
    problems = [
        (f"{name} must be {low}..{high}{unit}; got {value}",
         f"{name} harus {low}..{high}{unit}; diterima {value}")
        for name, value, low, high, unit in checks
        if not low <= value <= high
    ]  # fmt: skip
    if problems:
        raise InvalidParameter(
            "; ".join(p[0] for p in problems),
            message_id="; ".join(p[1] for p in problems),
            limits={
                "width": [lo, settings.max_width],
                "height": [lo, settings.max_height],
                "dpi": [settings.min_dpi, settings.max_dpi],
            },
        )


def parse_layers(raw: str | None) -> list[str]:
    """Return the layer names (or kinds) of a comma list; the default zoning + admin."""
    if raw is None or not raw.strip():
        return list(DEFAULT_LAYERS)
    names = [n.strip() for n in raw.split(",") if n.strip()]
    if not names:
        return list(DEFAULT_LAYERS)
    return list(dict.fromkeys(names))


def _bbox_span_km(bbox: tuple[float, float, float, float]) -> float:
    x0, y0, x1, y1 = bbox
    mid = math.radians((y0 + y1) / 2)
    return max((x1 - x0) * 111.32 * math.cos(mid), (y1 - y0) * 110.57)


def check_bbox(settings: MapSettings, bbox: tuple[float, float, float, float]) -> None:
    """Raise InvalidParameter for an empty or too large bbox (lon/lat)."""
    x0, y0, x1, y1 = bbox
    if x1 - x0 <= 0 or y1 - y0 <= 0:
        raise InvalidParameter(
            f"bbox has no area: {list(bbox)}",
            message_id=f"bbox tidak memiliki luas: {list(bbox)}",
        )
    span = _bbox_span_km(bbox)
    if span > settings.max_span_km:
        raise InvalidParameter(
            f"bbox spans {span:.0f} km; a static map may span at most {settings.max_span_km:g} km",
            message_id=f"bbox membentang {span:.0f} km; peta statis paling luas "
            f"{settings.max_span_km:g} km",
        )


def find_desa(conn: Connection, value: str, region: str | None = None) -> dict[str, Any]:
    """Return the desa (code, name, region, EPSG:4326 geometry) a Kemendagri code or name names.

    A code of another level is InvalidParameter; none found AdminAreaNotFound; a name several
    desa share InvalidParameter listing their codes.
    """
    raw = value.strip()
    code = kemendagri.normalize_code(raw)
    if code is not None and kemendagri.level_of(code) != 4:
        raise InvalidParameter(
            f"{raw!r} is not a desa code: a desa/kelurahan code has four parts, like 33.25.01.2001",
            message_id=f"{raw!r} bukan kode desa: kode desa/kelurahan terdiri atas empat bagian, "
            "misalnya 33.25.01.2001",
        )
    rows = conn.execute(text(DESA_SQL), {"code": code, "name": None if code else raw}).all()
    if region is not None:
        rows = [r for r in rows if r.region_code == region] or rows
    if not rows:
        raise AdminAreaNotFound(
            f"no desa/kelurahan {'with code' if code else 'named'} {raw!r} is loaded",
            message_id=f"Desa/kelurahan {'dengan kode' if code else 'bernama'} {raw!r} "
            "belum dimuat",
        )
    codes = sorted({str(r.code) for r in rows})
    if len(codes) > 1:
        raise InvalidParameter(
            f"several desa are named {raw!r} ({', '.join(codes)}); give the code",
            message_id=f"Beberapa desa bernama {raw!r} ({', '.join(codes)}); sebutkan kodenya",
            codes=codes,
        )
    row = rows[0]
    return {
        "code": row.code,
        "name": row.name,
        "region": row.region_code,
        "geometry": shapely.from_wkb(row.wkb),
    }


def parse_highlight(conn: Connection, raw: str) -> Highlight:
    """Return the outline `highlight=` names: `lon lat,lon lat,...` (a ring; one pair a point),
    a Kemendagri code (any level) or a desa name."""
    items = [p for p in raw.split(",") if p.strip()]
    if items and all(_COORD_PAIR.match(p) for p in items):
        pts = [tuple(float(v) for v in p.split()) for p in items]
        if not all(-180 <= x <= 180 and -90 <= y <= 90 for x, y in pts):
            raise InvalidParameter(
                "highlight coordinates must be lon lat in -180..180 / -90..90",
                message_id="Koordinat highlight harus bujur lintang dalam -180..180 / -90..90",
            )
        if len(pts) == 1:
            return Highlight([Point(pts[0])])
        if len(pts) < 3:
            raise InvalidParameter(
                "highlight needs one point or a ring of at least 3 points: lon lat,lon lat,...",
                message_id="highlight harus berupa satu titik atau cincin minimal 3 titik: "
                "bujur lintang,bujur lintang,...",
            )
        ring = shapely.Polygon(pts)
        return Highlight([ring if ring.is_valid else shapely.make_valid(ring)])
    code = kemendagri.normalize_code(raw)
    if code is not None:
        area = get_area(conn, code)
        return Highlight([shape(area["geometry"])], area["name"])
    desa = find_desa(conn, raw)
    return Highlight([desa["geometry"]], desa["name"])


def static_map(
    conn: Connection,
    settings: MapSettings,
    *,
    width: int,
    height: int,
    dpi: int,
    layers: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    desa: str | None = None,
    title: str | None = None,
    highlight: str | None = None,
    lang: str = "id",
    region: str | None = None,
    books: RuleBooks | None = None,
    year: int | None = None,
) -> StaticMap:
    """Return the static map of GET /maps/static.png: framed by `bbox`, else the desa, else the
    highlighted outline (one of them is needed)."""
    check_size(settings, width, height, dpi)
    if bbox is not None:
        check_bbox(settings, bbox)
    marked = Highlight()
    if highlight is not None and highlight.strip():
        marked = parse_highlight(conn, highlight)
    frame: tuple[float, float, float, float] | None = bbox
    pad = 0.0
    if desa is not None and desa.strip():
        found = find_desa(conn, desa, region)
        marked.geoms.append(found["geometry"])
        marked.label = marked.label or f"Desa {found['name']}"
        region = region or found["region"]
        if frame is None:
            frame, pad = found["geometry"].bounds, 0.06
    min_span_m = 0.0
    if frame is None and marked.geoms:
        frame, pad = shapely.GeometryCollection(marked.geoms).bounds, 0.15
        min_span_m = POINT_MIN_SPAN_M  # a point (or a tiny parcel) is not shown 1 m wide
    if frame is None:
        raise InvalidParameter(
            "say where the map is: bbox=minlon,minlat,maxlon,maxlat, desa=CODE|NAME or "
            "highlight=...",
            message_id="Sebutkan letak peta: bbox=minlon,minlat,maxlon,maxlat, "
            "desa=KODE|NAMA atau highlight=...",
        )
    return render_map(
        conn, settings, frame=frame, pad=pad, width=width, height=height, dpi=dpi,
        layers=parse_layers(layers), title=title, highlight=marked, lang=lang, region=region,
        books=books, year=year, min_span_m=min_span_m,
    )  # fmt: skip


def render_map(
    conn: Connection,
    settings: MapSettings,
    *,
    frame: tuple[float, float, float, float],
    width: int,
    height: int,
    dpi: int,
    layers: list[str],
    title: str | None = None,
    highlight: Highlight | None = None,
    lang: str = "id",
    region: str | None = None,
    books: RuleBooks | None = None,
    pad: float = 0.0,
    min_span_m: float = 0.0,
    year: int | None = None,
) -> StaticMap:
    """Return a map of `layers` over the lon/lat `frame` (grown by `pad` of its size on each
    side, to at least `min_span_m`, then to the map's aspect ratio), `width` x `height` px."""
    lang = lang if lang in LANGS else "id"
    highlight = highlight or Highlight()
    if region is None:
        region = regions_of(conn, [box(*frame)])[0].code
    rows = list(conn.execute(text(LAYERS_SQL), {"region": region}).all())
    _check_in_region(rows, frame)
    wanted_themes = [n for n in layers if n in themes.THEMES]
    raster_names = {r.name for r in list_rasters(conn, region=region)} - {r.name for r in rows}
    wanted_rasters = [n for n in layers if n in raster_names and n not in themes.THEMES]
    vector_names = [n for n in layers if n not in themes.THEMES and n not in wanted_rasters]
    chosen = _choose(rows, vector_names) if vector_names else []
    metric = conn.execute(text(REGION_METRIC_CRS_SQL), {"region": region}).scalar()
    metric = metric or loader_settings().default_metric_crs
    srid = epsg_of(metric) or 32749
    to_m = transformer(f"EPSG:{STORAGE_SRID}", srid)
    to_ll = transformer(f"EPSG:{srid}", STORAGE_SRID)
    mx0, my0, mx1, my1 = to_m.transform_bounds(*frame, densify_pts=21)
    dx, dy = (mx1 - mx0) * pad, (my1 - my0) * pad
    mx0, my0, mx1, my1 = mx0 - dx, my0 - dy, mx1 + dx, my1 + dy
    key = conn.execute(text(REGION_RULE_SET_KEY_SQL), {"region": region}).scalar()
    book = (books or process_rulebooks()).get(conn, key) if key is not None else None
    raster_records = [get_raster(conn, name, region=region) for name in wanted_rasters]
    attribution = _attribution(chosen, book, metric, lang)
    if raster_records:
        credits = "; ".join(
            f"{shown_title(r.title, r.title_en, r.name, lang)} v{r.version}"
            + (f" ({'; '.join(t for t in (r.source, r.licence) if t)})" if r.source or r.licence
               else "")
            for r in raster_records
        )  # fmt: skip
        attribution = f"Raster: {credits}. {attribution}"
    canvas = draw.Canvas(
        width=width, height=height, dpi=dpi, frame=(mx0, my0, mx1, my1), title=title,
        attribution=attribution, lang=lang,
    )  # fmt: skip
    canvas.frame = _fit(canvas, min_span_m)
    fx0, fy0, fx1, fy1 = canvas.frame
    cx, cy = to_ll.transform((fx0 + fx1) / 2, (fy0 + fy1) / 2)
    canvas.scale_factor, canvas.convergence_deg = _factors(srid, cx, cy)
    ll = to_ll.transform_bounds(fx0, fy0, fx1, fy1, densify_pts=21)
    tol = 0.5 * (fx1 - fx0) / width
    drawn: list[draw.DrawnLayer] = []
    for name, record in zip(wanted_rasters, raster_records, strict=True):
        drawn.append(draw.DrawnLayer(
            name, "raster", shown_title(record.title, record.title_en, name, lang), [],
            legend=raster_legend(record, lang),
            image=raster_rgba(record, srid, canvas.frame, *map(int, draw.map_axes_px(canvas))),
        ))  # fmt: skip
    overlay_index = 0
    for row in chosen:
        layer = _read_layer(conn, row, ll, srid, tol, settings.max_features, lang)
        if row.kind == "zoning" and book is not None:
            layer.colours, layer.code_names = _zone_colours(book, layer, lang)
        if row.kind in ("overlay", "thematic"):
            layer.index = overlay_index
            overlay_index += 1
        drawn.append(layer)
    if wanted_themes:
        desa = _desa_layer(conn, rows, drawn, ll, srid, tol, settings.max_features)
        for name in wanted_themes:
            drawn.append(themes.theme_layer(
                conn, name, desa=desa, box=ll, srid=srid, year=year, region=region, lang=lang,
                cap=settings.max_features,
            ))  # fmt: skip
    # outlines in the drawing CRS
    canvas.highlight = [shapely.transform(g, lambda xy: _xy(to_m, xy)) for g in highlight.geoms]
    canvas.highlight_label = highlight.label
    drawing = draw.draw_map(canvas, drawn)
    return StaticMap(
        png=drawing.png,
        bbox=(round(ll[0], 7), round(ll[1], 7), round(ll[2], 7), round(ll[3], 7)),
        crs=f"EPSG:{srid}",
        layers=wanted_rasters + [r.name for r in chosen] + wanted_themes,
        width=width,
        height=height,
        dpi=dpi,
        labels=drawing.labels,
        markers=drawing.markers,
    )


def _desa_layer(
    conn: Connection,
    rows: list[Any],
    drawn: list[draw.DrawnLayer],
    ll: tuple[float, float, float, float],
    srid: int,
    tol: float,
    cap: int,
) -> draw.DrawnLayer | None:
    """Return the current desa (level 4) admin layer in the frame: the drawn one, else read."""
    row = next((r for r in rows if r.admin and 4 in (r.levels or [])), None)
    if row is None:
        return None
    for layer in drawn:
        if layer.name == row.name:
            return layer
    return _read_layer(conn, row, ll, srid, tol, cap)


def _xy(tr: Any, xy: Any) -> Any:
    x, y = tr.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def _check_in_region(rows: list[Any], frame: tuple[float, float, float, float]) -> None:
    """Raise OutsidePlanningArea when the frame misses the region's admin and zoning extent."""
    bounds = [
        (r.minx, r.miny, r.maxx, r.maxy)
        for r in rows
        if (r.kind in ("admin", "zoning")) and r.minx is not None
    ]
    if not bounds:
        raise OutsidePlanningArea(
            "no admin or zoning layer is loaded for this place, so there is no map to draw",
            message_id="Belum ada lapisan batas administrasi atau zonasi untuk tempat ini, "
            "jadi tidak ada peta yang dapat digambar",
        )
    ext = (
        min(b[0] for b in bounds),
        min(b[1] for b in bounds),
        max(b[2] for b in bounds),
        max(b[3] for b in bounds),
    )
    x0, y0, x1, y1 = frame
    if x1 < ext[0] or x0 > ext[2] or y1 < ext[1] or y0 > ext[3]:
        shown = ",".join(f"{v:.4f}" for v in ext)
        raise OutsidePlanningArea(
            f"the map frame lies outside the planning area (its extent is {shown})",
            message_id=f"Bingkai peta berada di luar wilayah perencanaan (cakupannya {shown})",
            extent=[round(v, 6) for v in ext],
        )


def _choose(rows: list[Any], names: list[str]) -> list[Any]:
    """Return the layer rows the names stand for, in drawing order; LayerNotFound if unknown.

    A layer's own name wins; `zoning`, `admin`, `overlay`, `base`, ... mean every layer of that
    kind (`admin`: the versions current for an admin level).
    """
    by_name = {r.name: r for r in rows}
    out: dict[str, Any] = {}
    unknown = []
    for name in names:
        if name in by_name:
            out[name] = by_name[name]
        elif name in KINDS:
            for r in rows:
                if r.kind == name and (name != "admin" or r.admin):
                    out.setdefault(r.name, r)
        else:
            unknown.append(name)
    if unknown:
        known = ", ".join(sorted(by_name)) or "none"
        raise LayerNotFound(
            f"no layer named {', '.join(map(repr, unknown))} in this region; layers: {known} "
            f"(or a kind: {', '.join(KINDS)}; or a theme: {', '.join(themes.THEMES)})",
            message_id=f"Lapisan {', '.join(map(repr, unknown))} tidak ada di wilayah ini; "
            f"lapisan yang ada: {known} (atau jenis: {', '.join(KINDS)}; atau tema: "
            f"{', '.join(themes.THEMES)})",
        )
    # RTRW under RDTR, older under newer (the precedence of the check)
    return sorted(
        out.values(),
        key=lambda r: (r.kind != "zoning", r.plan == "rdtr", r.version_id),
    )


def _fit(canvas: draw.Canvas, min_span_m: float) -> tuple[float, float, float, float]:
    """Grow the frame to the map area's aspect ratio (and to `min_span_m`), about its centre."""
    x0, y0, x1, y1 = canvas.frame
    aw, ah = draw.map_axes_px(canvas)
    w = max(x1 - x0, min_span_m, 1.0)
    h = max(y1 - y0, min_span_m, 1.0)
    if w / h < aw / ah:
        w = h * aw / ah
    else:
        h = w * ah / aw
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def _factors(srid: int, lon: float, lat: float) -> tuple[float, float]:
    """Return the point scale factor and meridian convergence (degrees) of the CRS at lon/lat."""
    try:
        f = Proj(CRS.from_epsg(srid)).get_factors(lon, lat)
        scale = float(f.meridional_scale)
        conv = float(f.meridian_convergence)
        if math.isfinite(scale) and scale > 0 and math.isfinite(conv):
            return scale, conv
    except Exception:  # noqa: BLE001 - a CRS without factors draws a plain bar
        pass
    return 1.0, 0.0


def shown_title(title: str | None, title_en: str | None, name: str, lang: str) -> str:
    """Return a layer's or raster's title in `lang`: the English one when asked for and given,
    else the Indonesian one, else its name."""
    if lang == "en" and title_en:
        return title_en
    return title or name


def _read_layer(
    conn: Connection,
    row: Any,
    ll: tuple[float, float, float, float],
    srid: int,
    tol: float,
    cap: int,
    lang: str = "id",
) -> draw.DrawnLayer:
    """Return the layer's features in the lon/lat box `ll`, in EPSG `srid` (one SQL statement)."""
    result = conn.execute(
        text(FEATURES_SQL),
        {
            "vid": row.version_id, "x0": ll[0], "y0": ll[1], "x1": ll[2], "y1": ll[3],
            "srid": srid, "tol": tol, "cap": cap, "labels": row.kind == "admin",
        },
    ).all()  # fmt: skip
    features = []
    for r in result:
        if r.wkb is None:
            continue
        geom = shapely.from_wkb(r.wkb)
        if geom.is_empty:
            continue
        at = shapely.from_wkb(r.label_at) if r.label_at is not None else None
        features.append(draw.Feature(geom, r.code, r.name, r.level, at))
    title = shown_title(row.title, row.title_en, row.name, lang)
    return draw.DrawnLayer(row.name, row.kind, title, features)


def _zone_colours(
    book: RuleBook, layer: draw.DrawnLayer, lang: str
) -> tuple[dict[str, str], dict[str, str]]:
    """Return each zone code's colour and class name from the rule book (via zone aliases)."""
    colours: dict[str, str] = {}
    names: dict[str, str] = {}
    for f in layer.features:
        code = f.code or ""
        if code in colours:
            continue
        cls = book.zones.get(book.zone_code(code) or "")
        if cls is not None:
            if cls.get("colour"):
                colours[code] = str(cls["colour"])
            name = cls.get("name_en") if lang == "en" else cls.get("name")
            names[code] = str(name or cls.get("name") or "")
    return colours, names


def _attribution(rows: list[Any], book: RuleBook | None, metric: str, lang: str) -> str:
    """Return the sources line: each layer's title and version, grouped by licence."""
    words = draw.words(lang)
    by_licence: dict[str, list[str]] = {}
    for r in rows:
        title = shown_title(r.title, r.title_en, r.name, lang)
        by_licence.setdefault(r.licence or "", []).append(f"{title} v{r.version}")
    parts = [
        ", ".join(names) + (f" ({licence})" if licence else "")
        for licence, names in by_licence.items()
    ]
    if book is not None:
        parts.append(f"{words['rules']} v{book.version}")
    label = CRS.from_user_input(metric).name
    made = f"{words['made']}, {date.today().isoformat()}"
    return (
        f"{words['source']}: " + "; ".join(parts) + f". {words['crs']}: {metric} ({label}). {made}."
    )
