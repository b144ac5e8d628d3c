"""The public map in Debian's Chromium, served by a real uvicorn, on the hand-made planning area.

The planning area (tests/zoning_fixture.py): 100 m squares R-2 | K-1 | PTP (= P-1) along x,
desa Kauman (x < 150) and Proyonanggan; the rules say rumah (KBLI 68111) is I in R-2 and T in
K-1 with "maksimum 50% luas persil". Those values are read from the fixture's tables here.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import geopandas as gpd
import pytest
from shapely.geometry import Point
from sqlalchemy import Engine

from tests.fixtures import X0, Y0
from tests.zoning_fixture import RULES, write_rules

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def _lonlat(x: float, y: float) -> tuple[float, float]:
    p = gpd.GeoSeries([Point(X0 + x, Y0 + y)], crs=32749).to_crs(4326).iloc[0]
    return p.x, p.y


def _rule(activity: str, zone: str) -> dict[str, str]:
    rows = csv.DictReader(io.StringIO(RULES["itbx.csv"]))
    return next(
        r for r in rows if r["activity"] == activity and r["zone"] == zone and not r["valid_to"]
    )


class Page:
    """A Playwright page that records requests leaving the service and console errors."""

    def __init__(
        self, browser, base: str, viewport: dict[str, int], workers: str = "block"
    ) -> None:
        self.base = base
        self.context = browser.new_context(viewport=viewport, service_workers=workers)
        self.page = self.context.new_page()
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.tiles: list[int] = []
        self.page.on("request", self._request)
        self.page.on("response", self._response)
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _request(self, req) -> None:
        if not req.url.startswith(self.base + "/") and not req.url.startswith("data:"):
            self.outside.append(req.url)

    def _response(self, res) -> None:
        if "/tiles/zona/" in res.url:
            self.tiles.append(res.status)

    def open(self, query: str) -> None:
        self.page.goto(f"{self.base}/peta?{query}")
        self.page.wait_for_selector("body[data-tiles='loaded']", timeout=20_000)

    def click_at(self, lon: float, lat: float) -> None:
        xy = self.page.evaluate(
            """([lat, lon]) => {
                const m = RTRW.state.map, p = m.latLngToContainerPoint([lat, lon]);
                const r = m.getContainer().getBoundingClientRect();
                return [r.left + p.x, r.top + p.y];
            }""",
            [lat, lon],
        )
        self.page.mouse.click(xy[0], xy[1])

    def answer(self) -> dict:
        self.page.wait_for_function("RTRW.state.answer !== null", timeout=15_000)
        self.page.wait_for_selector("#rtrw-zones")
        return self.page.evaluate("RTRW.state.answer")

    def panel(self) -> str:
        return self.page.inner_text("#rtrw-answer")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def area(planning_area: Engine) -> Engine:
    return planning_area


@pytest.fixture
def desktop(chromium, live_url: str, area: Engine) -> Iterator[Page]:
    page = Page(chromium, live_url, DESKTOP)
    yield page
    page.close()
    assert page.outside == [], f"requests left the service: {page.outside}"
    assert page.errors == [], f"console errors: {page.errors}"


@pytest.fixture
def phone(chromium, live_url: str, area: Engine) -> Iterator[Page]:
    page = Page(chromium, live_url, PHONE)
    yield page
    page.close()
    assert page.outside == [], f"requests left the service: {page.outside}"
    assert page.errors == [], f"console errors: {page.errors}"


def _centre_query(x: float, y: float, zoom: int = 18, **extra: str) -> str:
    lon, lat = _lonlat(x, y)
    q = f"c={lat:.6f},{lon:.6f}&z={zoom}"
    return q + "".join(f"&{k}={v}" for k, v in extra.items())


def test_click_in_a_zone_shows_its_code_and_verdict(desktop: Page, artifacts) -> None:
    desktop.open(_centre_query(100, 50, kbli="68111"))
    assert desktop.tiles and all(s in (200, 204, 304) for s in desktop.tiles)
    assert 200 in desktop.tiles  # the zoning tiles came from our endpoint

    for x, zone in ((50, "R-2"), (150, "K-1")):
        desktop.click_at(*_lonlat(x, 50))
        expected = _rule("rumah", zone)
        answer = desktop.answer()
        assert [z["code"] for z in answer["zones"]] == [zone]
        text = desktop.panel()
        assert zone in text
        assert (
            desktop.page.get_attribute("#rtrw-verdict .rtrw-badge", "data-letter")
            == expected["itbx"]
        )
        if expected["conditions"]:
            assert expected["conditions"] in text
        assert "Kauman" in text or "Proyonanggan" in text
    desktop.page.screenshot(path=str(artifacts / "map-desktop-point.png"))


def test_draw_a_parcel_across_two_zones(desktop: Page, artifacts) -> None:
    desktop.open(_centre_query(100, 50, kbli="68111"))
    desktop.page.click(".leaflet-draw-draw-polygon")
    corners = [(50, 20), (150, 20), (150, 80), (50, 80)]
    for x, y in corners:
        desktop.click_at(*_lonlat(x, y))
        desktop.page.wait_for_timeout(150)
    desktop.click_at(*_lonlat(*corners[0]))  # closing the ring finishes the polygon
    answer = desktop.answer()
    shares = {z["code"]: z["share"] for z in answer["zones"]}
    # the parcel is split at x = 100: half in R-2, half in K-1 (clicks land within a pixel)
    assert set(shares) == {"R-2", "K-1"}
    assert shares["R-2"] == pytest.approx(0.5, abs=0.02)
    assert shares["K-1"] == pytest.approx(0.5, abs=0.02)
    assert answer["area_m2"] == pytest.approx(100 * 60, rel=0.03)
    assert answer["verdict"] == "mixed"  # I in R-2, T in K-1
    desktop.page.wait_for_function("location.search.includes('parcel=')")
    ring = parse_qs(urlparse(desktop.page.url).query)["parcel"][0].split(",")
    assert len(ring) == 4
    desktop.page.screenshot(path=str(artifacts / "map-desktop-parcel.png"))


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_language_switch_and_permalink(
    size: str, chromium, live_url: str, area: Engine, artifacts
) -> None:
    viewport = DESKTOP if size == "desktop" else PHONE
    desktop = Page(chromium, live_url, viewport)
    try:
        _language_and_link(desktop, chromium, live_url, viewport, artifacts, size)
        assert desktop.outside == [] and desktop.errors == []
    finally:
        desktop.close()


def _language_and_link(desktop: Page, chromium, live_url, viewport, artifacts, size) -> None:
    desktop.open(_centre_query(100, 50, kbli="68111"))
    desktop.click_at(*_lonlat(150, 50))
    desktop.answer()
    assert "Diizinkan terbatas" in desktop.panel()
    desktop.page.click("#rtrw-lang")
    desktop.page.wait_for_function("document.documentElement.lang === 'en'")
    # the panel is asked again in English (the service writes it)
    desktop.page.wait_for_function("RTRW.state.answer && RTRW.state.answer.lang === 'en'")
    text = desktop.panel()
    assert "Permitted with limits" in text and "terbatas" not in text.lower()
    assert desktop.page.inner_text("label[for='rtrw-kbli']") == "Business activity (KBLI)"
    desktop.page.wait_for_function("location.search.includes('lang=en')")
    link = desktop.page.url
    query = parse_qs(urlparse(link).query)
    assert query["kbli"] == ["68111"] and "pt" in query

    again = Page(chromium, live_url, viewport)
    try:
        again.page.goto(link)
        answer = again.answer()
        assert [z["code"] for z in answer["zones"]] == ["K-1"]
        assert "Permitted with limits" in again.panel()
        assert again.page.evaluate("RTRW.state.kbli") == "68111"
        again.page.screenshot(path=str(artifacts / f"map-{size}-permalink-en.png"))
        assert again.outside == [] and again.errors == []
    finally:
        again.close()


def test_phone_find_a_desa_and_click(phone: Page, artifacts) -> None:
    phone.open(_centre_query(100, 50, zoom=15, kbli="68111"))
    phone.page.fill("#rtrw-place", "kauman")
    phone.page.wait_for_selector("#rtrw-place-list li")
    assert "Kauman" in phone.page.inner_text("#rtrw-place-list li >> nth=0")
    phone.page.click("#rtrw-place-list li >> nth=0")
    phone.page.wait_for_timeout(800)
    # the map now frames desa Kauman (x -1000..150): its centre is inside the desa's box
    centre = phone.page.evaluate("[RTRW.state.map.getCenter().lng, RTRW.state.map.getCenter().lat]")
    west, south = _lonlat(-1000, -1000)
    east, north = _lonlat(150, 1000)
    assert west <= centre[0] <= east and south <= centre[1] <= north

    phone.open(_centre_query(50, 50, zoom=18, kbli="68111"))
    phone.click_at(*_lonlat(50, 50))
    answer = phone.answer()
    assert [z["code"] for z in answer["zones"]] == ["R-2"]
    box = phone.page.locator("#rtrw-panel").bounding_box()
    assert box is not None and box["width"] <= PHONE["width"] and box["x"] >= 0
    assert phone.page.is_visible("#rtrw-verdict")
    phone.page.screenshot(path=str(artifacts / "map-phone-point.png"))


def test_embed_has_no_chrome_and_frames_the_desa(
    chromium, live_url: str, area: Engine, artifacts
) -> None:
    page = Page(chromium, live_url, {"width": 640, "height": 420})
    try:
        page.page.goto(f"{live_url}/embed/map?desa=33.25.11.2001&layers=zona,desa&legend=1")
        page.page.wait_for_selector("body[data-tiles='loaded']", timeout=20_000)
        assert page.page.query_selector("#rtrw-panel") is None
        assert page.page.is_visible("#rtrw-legend")
        assert "R-2" in page.page.inner_text("#rtrw-legend")
        page.page.screenshot(path=str(artifacts / "embed-desa.png"))
        assert page.outside == [] and page.errors == []
    finally:
        page.close()


def test_offline_shell_and_tiles_stay_and_the_check_says_it_needs_a_connection(
    chromium, live_url: str, area: Engine, artifacts
) -> None:
    page = Page(chromium, live_url, PHONE, workers="allow")
    try:
        query = _centre_query(100, 50, kbli="68111")
        page.open(query)
        page.page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.open(query)  # now under the worker's control: the shell and tiles get cached
        page.page.wait_for_function("navigator.serviceWorker.controller !== null")
        page.page.wait_for_timeout(500)
        page.context.set_offline(True)
        page.open(query)  # the shell and the tiles already seen come from the cache
        assert page.page.inner_text("h1") == "Peta Tata Ruang"
        page.click_at(*_lonlat(50, 50))
        page.page.wait_for_selector("#rtrw-answer .rtrw-error")
        assert "memerlukan koneksi internet" in page.panel()
        page.page.screenshot(path=str(artifacts / "map-phone-offline.png"))
        page.context.set_offline(False)
        assert page.outside == []
    finally:
        page.close()


def test_budget_markers_and_ppid_choropleth(
    chromium, live_url: str, area: Engine, artifacts
) -> None:
    """Three projects (one flagged) and the PPID of the two fixture desa, on the map."""
    from sqlalchemy import text

    rows = [  # (ref, name, x, y, pagu, realisation, progress)
        ("P-A", "Jalan Lingkungan Kauman", 50, 50, 100_000_000, 20_000_000, 30),
        ("P-B", "Gedung Serbaguna", 150, 50, 250_000_000, 300_000_000, 100),  # over budget
        ("P-C", "Saluran Drainase", 250, 50, 80_000_000, 0, 0),
    ]
    with area.begin() as conn:
        for ref, name, x, y, pagu, real, prog in rows:
            lon, lat = _lonlat(x, y)
            conn.execute(
                text(
                    "INSERT INTO project (year, key, ref, row_hash, name, pagu, realisation, "
                    "progress, placed_by, geom, desa_code) VALUES (2025, :r, :r, :r, :n, :p, "
                    ":re, :pr, 'coordinates', ST_SetSRID(ST_Point(:lon, :lat), 4326), "
                    "CASE WHEN :x < 150 THEN '33.25.11.2001' ELSE '33.25.11.2002' END)"
                ),
                {
                    "r": ref,
                    "n": name,
                    "p": pagu,
                    "re": real,
                    "pr": prog,
                    "lon": lon,
                    "lat": lat,
                    "x": x,
                },
            )
        conn.execute(
            text(
                "INSERT INTO ppid (desa_code, formed) VALUES "
                "('33.25.11.2001', true), ('33.25.11.2002', false)"
            )
        )
        from app.services.projects.flags import refresh_flags

        refresh_flags(conn, 2025)
    page = Page(chromium, live_url, DESKTOP)
    try:
        page.open(_centre_query(150, 50, zoom=16, th="projects,ppid") + "&y=2025")
        page.page.wait_for_function(
            "RTRW_THEMES.state.layers.projects.getLayers().length === 3", timeout=15_000
        )
        page.page.wait_for_selector("#rtrw-ppid-gaps li")
        gaps = page.page.inner_text("#rtrw-ppid-gaps")
        assert "Proyonanggan" in gaps and "Kauman" not in gaps
        assert "1/2" in page.page.inner_text("#rtrw-ppid-summary")
        assert page.page.evaluate("RTRW.state.map.hasLayer(RTRW_THEMES.state.layers.ppid)")
        # the over-budget project's popup names its flag
        popup = page.page.evaluate(
            """() => {
                const ms = RTRW_THEMES.state.layers.projects.getLayers();
                const html = ms.map(x => { x.openPopup(); const p = x.getPopup(); 
                  const c = p.getContent(); return typeof c === 'function' ? c(x) : c; });
                return html.join('\\n');
            }"""
        )
        assert "over_budget" in popup and "Gedung Serbaguna" in popup
        # the flag reads as its reason in the page's language, not as its code
        flags = page.page.request.get(f"{live_url}/projects/flags?flag=over_budget").json()
        reason = flags["flags"][0]["reason"]["id"]
        assert reason in html.unescape(popup)
        assert "over_budget</b>" not in popup and "over_budget:" not in popup
        page.page.wait_for_function(
            "decodeURIComponent(location.search).includes('th=projects,ppid')"
        )
        page.page.screenshot(path=str(artifacts / "map-budget-ppid.png"))
        assert page.outside == [] and page.errors == []
    finally:
        page.close()
        with area.begin() as conn:
            conn.execute(text("DELETE FROM project"))
            conn.execute(text("DELETE FROM ppid"))


def test_raster_layer_legend_and_finding_in_the_panel(
    chromium, live_url: str, area: Engine, artifacts, tmp_path
) -> None:
    """A slope raster (10 % west of x 150, 50 % east) with the rule "> 40: Lereng curam":
    its PNG tiles load, its legend shows, and a click east of x 150 reports the finding."""
    from app.services import rules
    from app.services.rasters.ingest import load_raster
    from app.settings import raster_settings
    from tests.services.test_raster_rules import RASTER_RULES, slope_tif

    folder = write_rules(tmp_path / "rules_raster", **{"raster_rules.csv": RASTER_RULES})
    with area.begin() as conn:
        load_raster(conn, slope_tif(tmp_path / "lereng.tif"), "lereng",
                    settings=raster_settings(), unit="%", title="Kemiringan lereng")  # fmt: skip
        rules.load_rules(conn, folder)
    page = Page(chromium, live_url, DESKTOP)
    raster_tiles: list[int] = []
    page.page.on(
        "response", lambda r: "/rasters/lereng/tiles/" in r.url and raster_tiles.append(r.status)
    )
    try:
        lon, lat = _lonlat(175, 50)  # K-1, on the 50 % side
        page.open(_centre_query(150, 50, zoom=17, l="zona,desa,lereng", kbli="47111"))
        page.page.wait_for_function("document.querySelector('[data-raster=lereng]') !== null")
        assert "Kemiringan lereng" in page.page.inner_text("#rtrw-legend")
        page.page.wait_for_timeout(500)
        assert 200 in raster_tiles
        page.click_at(lon, lat)
        answer = page.answer()
        page.page.wait_for_selector("#rtrw-rasters")
        text = page.page.inner_text("#rtrw-rasters")
        assert "Kemiringan lereng" in text and "Lereng curam" in text and "> 40" in text
        assert answer["verdict"] == "X"  # a minimarket (I in K-1) on a slope over 40 %
        page.page.screenshot(path=str(artifacts / "map-raster-slope.png"))
        # the embed snippet names the rasters shown too: /embed/map takes them
        embed = page.page.request.get(f"{live_url}/embed/map?layers=zona,lereng&legend=1")
        assert embed.status == 200 and '"lereng"' in embed.text()
        assert page.outside == [] and page.errors == []
    finally:
        page.close()


def test_a_report_qr_link_opens_on_its_point(desktop: Page) -> None:
    """The PDF's QR link names only the point and zoom (`pt=lat,lon&z=17`): it opens there."""
    lon, lat = _lonlat(50, 50)
    desktop.page.goto(f"{desktop.base}/peta?pt={lat:.7f},{lon:.7f}&z=17&kbli=68111")
    desktop.page.wait_for_function("RTRW.state.answer !== null", timeout=15_000)
    centre = desktop.page.evaluate("(() => { const c = RTRW.state.map.getCenter(); "
                                   "return [c.lat, c.lng, RTRW.state.map.getZoom()]; })()")
    assert centre[0] == pytest.approx(lat, abs=1e-5) and centre[1] == pytest.approx(lon, abs=1e-5)
    assert centre[2] == 17
