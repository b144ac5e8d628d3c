"""The public map (/peta) and the staff embed (/embed/map), built with folium.

folium writes the Leaflet map: vector-tile layers from our own /tiles endpoint (never one big
GeoJSON), a layer control, Leaflet.draw, measure, "my location" and full screen. The few things
folium has no element for (the answer panel, KBLI picker, place search, language switch, URL
state, legend) are app/static/app/peta.js, which `RTRW.init` starts with the config built
here from the catalog and the region's rules. Every asset comes from /static (maps/assets.py).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import Any

import folium
from folium import plugins
from folium.elements import Element, MacroElement
from folium.template import Template
from sqlalchemy import Connection, text

from app.l10n import LANGS, t, table
from app.services.catalog.layers import LAYER, list_layers
from app.services.catalog.named import region_or_all
from app.services.maps.assets import localize
from app.services.rasters.catalog import get_raster, list_rasters
from app.services.rasters.tiles import legend as raster_legend
from app.services.rasters.tiles import parse_style
from app.services.rules.book import RuleBooks

APP_STATIC = "/static/app"

# Which layers a page shows when it opens, by kind (the others are one click away).
SHOWN_KINDS = ("zoning", "admin", "base")
# Drawing order, bottom to top.
KIND_ORDER = {"zoning": 0, "overlay": 1, "thematic": 2, "parcel": 3, "base": 4, "admin": 5}
# The region's extent and centre: the union of its current admin (else zoning) layers' bounds.
REGION_SQL = f"""
    SELECT l.region_code AS code, r.name,
           min(v.minx) AS minx, min(v.miny) AS miny, max(v.maxx) AS maxx, max(v.maxy) AS maxy
    FROM {LAYER.current()}
    LEFT JOIN region r ON r.code = l.region_code
    WHERE l.kind IN ('admin', 'zoning') AND {region_or_all()}
    GROUP BY l.region_code, r.name, r.loaded_at
    ORDER BY r.loaded_at DESC NULLS LAST
"""


# The admin levels (2 kabupaten, 3 kecamatan, 4 desa) each current admin layer holds.
ADMIN_LEVELS_SQL = f"""
    SELECT l.name, v.levels FROM {LAYER.current()}
    WHERE l.kind = 'admin' AND {region_or_all()}
"""
# What the budget and PPID filters offer: the years, OPDs and funding sources of the projects
# (the years of the region's projects and of those placed in no region).
BUDGET_FACETS_SQL = f"""
    SELECT
      (SELECT coalesce(array_agg(DISTINCT year ORDER BY year DESC), '{{}}') FROM project
       WHERE {region_or_all("region_code")} OR region_code IS NULL)
         AS years,
      (SELECT coalesce(json_agg(o ORDER BY o.name), '[]') FROM (
          SELECT DISTINCT ON (coalesce(opd_code, opd_name)) opd_code AS code, opd_name AS name
          FROM project WHERE coalesce(opd_code, opd_name) IS NOT NULL
          ORDER BY coalesce(opd_code, opd_name), opd_name) o) AS opds,
      (SELECT coalesce(array_agg(DISTINCT source ORDER BY source), '{{}}') FROM project
       WHERE source IS NOT NULL) AS sources,
      (SELECT count(*) FROM ppid) AS ppid_rows
"""


@dataclass
class PageOptions:
    """What a page shows: the full public map, or an embed framed on a place or box."""

    embed: bool = False
    layers: list[str] | None = None  # names to show (None: the defaults by kind)
    bbox: tuple[float, float, float, float] | None = None
    highlight: list[str] = field(default_factory=list)  # admin codes to outline
    legend: bool = True
    lang: str = "id"
    themes: list[str] = field(default_factory=list)  # projects, budget, budget_kec, ppid
    theme_year: int | None = None
    basemap: str | None = None  # an XYZ URL template, only when a setting names one
    basemap_attribution: str | None = None


def map_config(conn: Connection, books: RuleBooks, region: str | None = None) -> dict[str, Any]:
    """Return what the page needs: the region, its layers with tile URLs, the zone legend."""
    regions = conn.execute(text(REGION_SQL), {"region": region}).all()
    reg = regions[0] if regions else None
    code = reg.code if reg else region
    layers: list[dict[str, Any]] = []
    for row in list_layers(conn, region=code):
        if row.geometry_type is None:
            continue
        layers.append(
            {
                "name": row.name,
                "kind": row.kind,
                "title": row.title or row.name,
                "title_en": row.title_en,  # None: the pack gives none
                "plan": row.plan,
                "version": row.version,
                "geometry_type": row.geometry_type,
                "tiles": f"/tiles/{row.name}/{{z}}/{{x}}/{{y}}.pbf"
                + (f"?region={code}" if code and len(regions) > 1 else ""),
                "licence": row.licence,
                "bounds": row.bounds,
            }
        )
    rows = conn.execute(text(ADMIN_LEVELS_SQL), {"region": code}).all()
    levels: dict[str, list[int]] = {r.name: list(r.levels or []) for r in rows}
    for layer in layers:
        if layer["kind"] == "admin":
            layer["levels"] = levels.get(layer["name"], [])
    layers.sort(key=lambda ly: (KIND_ORDER.get(ly["kind"], 9), ly["name"]))
    facets = conn.execute(text(BUDGET_FACETS_SQL), {"region": code}).one()
    budget = (
        {"years": list(facets.years), "opds": facets.opds, "sources": list(facets.sources)}
        if facets.years or facets.ppid_rows
        else None
    )
    book = books.current(conn, code) if code else books.current(conn)
    zones = []
    aliases: dict[str, str] = {}
    if book is not None:
        for zcode, z in sorted(book.zones.items()):
            zones.append(
                {
                    "code": zcode,
                    "name": z.get("name"),
                    "name_en": z.get("name_en"),
                    "class": z.get("class"),
                    "colour": z.get("colour"),
                }
            )
        aliases = dict(book.aliases)
    bounds = (
        [reg.minx, reg.miny, reg.maxx, reg.maxy]
        if reg is not None and reg.minx is not None
        else None
    )
    rasters = []
    for r in list_rasters(conn, region=code):
        record = get_raster(conn, r.name, region=r.region)
        rasters.append(
            {
                "name": record.name,
                "title": record.title or record.name,
                "title_en": record.title_en,
                "kind": record.kind,
                "unit": record.unit,
                "tiles": f"/rasters/{record.name}/tiles/{{z}}/{{x}}/{{y}}.png"
                + (f"?region={code}" if code and len(regions) > 1 else ""),
                "bounds": list(record.bounds_wgs84),
                "licence": "; ".join(t for t in (record.source, r.licence) if t) or None,
                "legend": raster_legend(record, parse_style(None, None)),
            }
        )
    return {
        "region": {"code": code, "name": reg.name if reg else None, "bounds": bounds},
        "layers": layers,
        "rasters": rasters,
        "zones": zones,
        "aliases": aliases,
        "budget": budget,
    }


class _Init(MacroElement):
    """Starts peta.js once every folium element exists: RTRW.init(map, config, handles)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        RTRW.init({{ this._parent.get_name() }}, {{ this.config|tojson }}, {
            layers: {
            {%- for name, var in this.layer_vars %}
                {{ name|tojson }}: {{ var }},
            {%- endfor %}
            },
            drawn: {{ this.drawn }},
        });
        {% endmacro %}
        """
    )

    def __init__(self, config: dict[str, Any], layer_vars: list[tuple[str, str]], drawn: str):
        super().__init__()
        self._name = "RtrwInit"
        self.config = config
        self.layer_vars = layer_vars
        self.drawn = drawn


def _centre(bounds: list[float] | None) -> tuple[list[float], int]:
    if not bounds:
        return [-6.95, 109.85], 11  # Batang, until a region is loaded
    return [(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2], 11


def build_page(config: dict[str, Any], opts: PageOptions) -> str:
    """Return the HTML of the map page (public or embed) for `config` (map_config)."""
    location, zoom = _centre(config["region"]["bounds"])
    m = folium.Map(
        location=location,
        zoom_start=zoom,
        tiles=None,
        maxZoom=20,  # a Leaflet map option: with tiles=None folium sets no max zoom
        control_scale=True,
        prefer_canvas=True,
        zoom_control=not opts.embed,
        attribution_control=True,
    )
    root = m.get_root()
    assert isinstance(root, folium.Figure)
    root.header.add_child(
        Element(
            '<meta name="viewport" content="width=device-width, initial-scale=1, '
            'viewport-fit=cover">'
            '<meta name="theme-color" content="#0b6e4f">'
            '<link rel="manifest" href="/manifest.webmanifest">'
            '<link rel="icon" href="/static/app/icons/icon-192.png">'
            f'<link rel="stylesheet" href="{APP_STATIC}/peta.css">'
            f'<script src="{APP_STATIC}/peta.js"></script>'
            f'<script src="{APP_STATIC}/tema.js"></script>'
        )
    )
    root.title = t("map.title", opts.lang) + (
        f" — {config['region']['name']}" if config["region"]["name"] else ""
    )
    if opts.basemap:
        folium.TileLayer(
            opts.basemap,
            attr=opts.basemap_attribution or "basemap",
            name=t("map.basemap", opts.lang),
        ).add_to(m)

    wanted = set(opts.layers) if opts.layers is not None else None
    layer_vars = []
    for layer in config["layers"]:
        show = layer["kind"] in SHOWN_KINDS if wanted is None else layer["name"] in wanted
        if opts.embed and wanted is not None and not show:
            continue
        grid = plugins.VectorGridProtobuf(
            layer["tiles"],
            name=layer["title"],
            options=f"RTRW.tileOptions({json.dumps(layer['name'])})",
            overlay=True,
            show=show,
        )
        grid.add_to(m)
        layer_vars.append((layer["name"], grid.get_name()))
    for raster in config.get("rasters", []):
        show = wanted is not None and raster["name"] in wanted
        if opts.embed and wanted is not None and not show:
            continue
        w, s_, e, n = raster["bounds"]
        tiles = folium.TileLayer(
            raster["tiles"],
            name=raster["title"],
            attr=raster["licence"] or raster["title"],
            overlay=True,
            show=show,
            opacity=0.65,
            bounds=[[s_, w], [n, e]],
            max_zoom=20,
        )
        tiles.add_to(m)
        layer_vars.append((raster["name"], tiles.get_name()))
    drawn = folium.FeatureGroup(name=t("sheet.parcel", opts.lang), control=False).add_to(m)
    if config.get("budget"):  # brings Leaflet.markercluster; tema.js fills its own groups
        plugins.MarkerCluster(name="_", control=False).add_to(m)
    if not opts.embed:
        plugins.Draw(
            feature_group=drawn,
            show_geometry_on_click=False,
            position="topleft",
            draw_options={
                "polyline": False,
                "circle": False,
                "circlemarker": False,
                "marker": False,
                "polygon": {"allowIntersection": False, "showArea": True},
                "rectangle": {"showArea": True},
            },
            edit_options={"edit": False, "remove": False},
        ).add_to(m)
        plugins.MeasureControl(
            position="topleft",
            primary_length_unit="meters",
            secondary_length_unit="kilometers",
            primary_area_unit="sqmeters",
            secondary_area_unit="hectares",
        ).add_to(m)
        plugins.LocateControl(
            position="topleft",
            strings={"title": t("map.locate", opts.lang)},
            flyTo=True,
            showPopup=False,
        ).add_to(m)
        plugins.Fullscreen(position="topleft", title=t("map.fullscreen", opts.lang)).add_to(m)
    folium.LayerControl(position="topright", collapsed=True).add_to(m)

    page_config = {
        **config,
        "embed": opts.embed,
        "legend": opts.legend,
        "lang": opts.lang,
        "bbox": list(opts.bbox) if opts.bbox else None,
        "highlight": opts.highlight,
        "themes": opts.themes,
        "theme_year": opts.theme_year,
        "i18n": {lang: table("map", lang) for lang in LANGS},
        "i18n_themes": {lang: table("themes", lang) for lang in LANGS},
    }
    root.html.add_child(Element(_chrome(opts)))
    _Init(page_config, layer_vars, drawn.get_name()).add_to(m)
    localize(m)
    # The <html> element carries the language and, in an embed, the class that makes the map
    # fill its frame from the first layout (peta.css), before any script runs.
    embed = ' class="rtrw-embed"' if opts.embed else ""
    return root.render().replace("<html>", f'<html lang="{html.escape(opts.lang)}"{embed}>', 1)


def _chrome(opts: PageOptions) -> str:
    """Return the page's own HTML around the map: top bar and answer panel (not in embeds).

    Texts are written in the page's language from app/l10n and carry data-i18n keys, with
    which peta.js rewrites them when the reader switches language.
    """
    if opts.embed:
        return '<div id="rtrw-legend" class="rtrw-legend" hidden></div>'
    lang = html.escape(opts.lang)

    def w(key: str) -> str:
        return html.escape(t(f"map.{key}", opts.lang))

    other = "EN" if opts.lang == "id" else "ID"
    return f"""
<header id="rtrw-bar" class="rtrw-bar" data-lang="{lang}">
  <h1 class="rtrw-title" data-i18n="title">{w("title")}</h1>
  <form id="rtrw-search" class="rtrw-search" role="search" autocomplete="off">
    <input id="rtrw-place" type="search" data-i18n-placeholder="search_place"
           data-i18n-aria="search_place" aria-label="{w("search_place")}"
           placeholder="{w("search_place")}">
    <ul id="rtrw-place-list" class="rtrw-list" role="listbox" hidden></ul>
  </form>
  <button id="rtrw-lang" class="rtrw-btn" type="button"
          aria-label="Bahasa / Language">{other}</button>
</header>
<section id="rtrw-panel" class="rtrw-panel" aria-live="polite">
  <button id="rtrw-panel-toggle" class="rtrw-panel-toggle" type="button"
          data-i18n-aria="toggle_panel" aria-label="{w("toggle_panel")}"></button>
  <label class="rtrw-label" for="rtrw-kbli" data-i18n="kbli_label">{w("kbli_label")}</label>
  <div class="rtrw-kbli-box">
    <input id="rtrw-kbli" type="search" autocomplete="off" data-i18n-placeholder="kbli_hint"
           placeholder="{w("kbli_hint")}">
    <ul id="rtrw-kbli-list" class="rtrw-list" role="listbox" hidden></ul>
  </div>
  <p id="rtrw-hint" class="rtrw-hint" data-i18n="click_hint">{w("click_hint")}</p>
  <div id="rtrw-answer" class="rtrw-answer"></div>
  <div id="rtrw-actions" class="rtrw-actions" hidden>
    <button id="rtrw-copy" class="rtrw-btn" type="button"
            data-i18n="copy_link">{w("copy_link")}</button>
    <a id="rtrw-pdf" class="rtrw-btn" target="_blank" rel="noopener" data-i18n="pdf">{w("pdf")}</a>
    <button id="rtrw-embed" class="rtrw-btn" type="button" data-i18n="embed">{w("embed")}</button>
  </div>
  <textarea id="rtrw-snippet" class="rtrw-snippet" readonly hidden></textarea>
</section>
<div id="rtrw-legend" class="rtrw-legend" hidden></div>
"""
