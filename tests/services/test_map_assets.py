"""folium maps load Leaflet and its plugins from app/static/vendor only (maps/assets.py)."""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import folium
import pytest
from folium import plugins

from app.services.maps.assets import (
    DROPPED_ASSETS,
    LOCAL_ASSETS,
    VENDOR_DIR,
    ExternalAsset,
    UnvendoredAsset,
    localize,
)

STATIC_DIR = VENDOR_DIR.parent
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+?)['"]?\s*\)""")
CDN_HOSTS = ("jsdelivr", "cdnjs", "unpkg", "code.jquery.com", "bootstrapcdn", "googleapis")


class _Refs(HTMLParser):
    """Every src/href attribute and every url(...) in <style> blocks and style attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if key in ("src", "href") and value:
                self.refs.append(value)
            if key == "style" and value:
                self.refs += CSS_URL.findall(value)
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.refs += CSS_URL.findall(data)


def _refs(html: str) -> list[str]:
    parser = _Refs()
    parser.feed(html)
    return parser.refs


def _full_map() -> folium.Map:
    m = folium.Map(location=[-6.9, 109.7], zoom_start=11, tiles=None, maxZoom=20)
    folium.Marker([-6.9, 109.7], popup=folium.Popup("Batang"), tooltip="Batang").add_to(m)
    folium.GeoJson({"type": "Point", "coordinates": [109.7, -6.9]}).add_to(m)
    plugins.Draw(export=False).add_to(m)
    plugins.MeasureControl().add_to(m)
    plugins.LocateControl().add_to(m)
    plugins.Fullscreen().add_to(m)
    cluster = plugins.MarkerCluster().add_to(m)
    folium.CircleMarker([-6.91, 109.71], radius=5).add_to(cluster)
    plugins.VectorGridProtobuf("/tiles/zoning/{z}/{x}/{y}.pbf", "zoning").add_to(m)
    folium.TileLayer("/tiles/raster/{z}/{x}/{y}.png", attr="rtrw", name="raster").add_to(m)
    folium.LayerControl().add_to(m)
    return m


def _local_file(url: str, static_url: str = "/static") -> Path:
    assert url.startswith(static_url + "/"), url
    return STATIC_DIR / urlsplit(url).path[len(static_url) + 1 :]


def test_map_with_every_plugin_renders_no_external_url() -> None:
    html = localize(_full_map()).get_root().render()
    refs = _refs(html)
    scripts = [r for r in refs if r.endswith(".js")]
    # leaflet, jquery, draw, measure, locate, fullscreen, markercluster, vectorgrid
    assert len(scripts) == 8
    for ref in refs:
        parts = urlsplit(ref)
        assert (parts.scheme, parts.netloc) == ("", ""), f"external reference {ref}"
        assert _local_file(ref).is_file(), f"{ref} is not under app/static"
    assert not [host for host in CDN_HOSTS if host in html]


def test_plain_map_drops_bootstrap_and_awesome_markers() -> None:
    html = localize(folium.Map(tiles=None)).get_root().render()
    assert _refs(html) == [
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/jquery/jquery.min.js",
        "/static/vendor/leaflet/leaflet.css",
    ]


def test_static_url_prefix() -> None:
    html = localize(_full_map(), static_url="/rtrw/static/vendor/").get_root().render()
    for ref in _refs(html):
        assert ref.startswith("/rtrw/static/vendor/"), ref
        assert _local_file(ref, "/rtrw/static").is_file()


def test_folium_defaults_stay_untouched() -> None:
    localize(_full_map())
    assert folium.Map.default_js[0][1].startswith("https://")
    assert plugins.Draw.default_js[0][1].startswith("https://")
    html = folium.Map(tiles=None).get_root().render()
    assert "https://cdn.jsdelivr.net/npm/leaflet" in html


def test_every_table_entry_exists_and_covers_folium() -> None:
    for name, path in LOCAL_ASSETS.items():
        assert (VENDOR_DIR / path).is_file(), name
    covered = set(LOCAL_ASSETS) | DROPPED_ASSETS
    for cls in (
        folium.Map,
        plugins.Draw,
        plugins.MeasureControl,
        plugins.LocateControl,
        plugins.Fullscreen,
        plugins.VectorGridProtobuf,
    ):
        names = {n for n, _ in cls.default_js + getattr(cls, "default_css", [])}
        assert names <= covered, f"{cls.__name__}: {names - covered}"


def test_external_tiles_are_refused() -> None:
    with pytest.raises(ExternalAsset, match="tile.openstreetmap.org"):
        localize(folium.Map())  # folium's default OpenStreetMap tiles
    m = folium.Map(tiles=None)
    plugins.VectorGridProtobuf("https://example.com/{z}/{x}/{y}.pbf", "x").add_to(m)
    with pytest.raises(ExternalAsset):
        localize(m)
    m = folium.Map(tiles=None)
    folium.WmsTileLayer("//example.com/wms", layers="x").add_to(m)
    with pytest.raises(ExternalAsset):
        localize(m)


def test_unvendored_plugins_and_awesome_icons_are_refused() -> None:
    m = folium.Map(tiles=None)
    plugins.HeatMap([[0, 0, 1]]).add_to(m)  # Leaflet.heat is not vendored
    with pytest.raises(UnvendoredAsset, match="heat"):
        localize(m)
    m = folium.Map(tiles=None)
    folium.Marker([0, 0], icon=folium.Icon(color="red")).add_to(m)
    with pytest.raises(UnvendoredAsset, match="awesome-markers"):
        localize(m)


def test_vendored_css_references_exist() -> None:
    stylesheets = sorted(VENDOR_DIR.rglob("*.css"))
    assert len(stylesheets) >= 6
    for css in stylesheets:
        for ref in CSS_URL.findall(css.read_text(encoding="utf-8")):
            if ref.startswith(("data:", "#")):
                continue
            assert not re.match(r"(https?:)?//", ref), f"{css.name} loads {ref}"
            target = css.parent / urlsplit(ref).path
            assert target.is_file(), f"{css.relative_to(VENDOR_DIR)} references missing {ref}"


def test_versions_and_licences() -> None:
    rows = (VENDOR_DIR / "VERSIONS.txt").read_text(encoding="utf-8").splitlines()
    assert rows[0].split("\t") == ["package", "version", "licence", "integrity"]
    packages = {row.split("\t")[0] for row in rows[1:]}
    directories = {p.name for p in VENDOR_DIR.iterdir() if p.is_dir()}
    assert packages == directories
    for name in directories:
        assert (VENDOR_DIR / name / "LICENSE.txt").is_file(), name
    assert not list(VENDOR_DIR.rglob("*.map")), "source maps are not vendored"


ORIGIN = "http://rtrw.test"


def test_map_loads_every_plugin_in_a_browser_without_leaving_the_service(chromium) -> None:
    """Chromium opens the page; /static answers from the app, anything else is recorded."""
    from fastapi.testclient import TestClient
    from playwright.sync_api import Route

    from app.main import create_app

    html = localize(_full_map()).get_root().render()
    client = TestClient(create_app())
    outside: list[str] = []
    errors: list[str] = []
    missing: list[str] = []

    def serve(route: Route) -> None:
        url = route.request.url
        if not url.startswith(ORIGIN + "/"):
            outside.append(url)
            route.abort()
        elif url == ORIGIN + "/map":
            route.fulfill(status=200, body=html, content_type="text/html")
        elif url.startswith(ORIGIN + "/static/"):
            r = client.get(url[len(ORIGIN) :])
            if r.status_code != 200:
                missing.append(url)
            route.fulfill(status=r.status_code, body=r.content, headers=dict(r.headers))
        else:  # tiles: not what this test is about
            route.fulfill(status=404, body="")

    # one browser per module (tests/conftest.py)
    page = chromium.new_page()
    try:
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.route("**/*", serve)
        page.goto(ORIGIN + "/map", wait_until="networkidle")
        loaded = page.evaluate(
            """() => ({
                jquery: typeof window.jQuery,
                draw: typeof L.Control.Draw,
                measure: typeof L.Control.Measure,
                locate: typeof L.control.locate,
                fullscreen: typeof L.Control.FullScreen,
                vectorgrid: typeof L.vectorGrid.protobuf,
            })"""
        )
        controls = {
            name: page.locator(selector).count()
            for name, selector in {
                "draw": ".leaflet-draw",
                "measure": ".leaflet-control-measure",
                "locate": ".leaflet-control-locate",
                "fullscreen": ".leaflet-control-zoom-fullscreen",
            }.items()
        }
    finally:
        page.close()
    assert outside == []
    assert missing == []
    assert errors == []
    assert set(loaded.values()) == {"function"}, loaded
    assert all(n == 1 for n in controls.values()), controls
