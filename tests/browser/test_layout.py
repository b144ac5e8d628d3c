"""The map's layout in Chromium: embeds fill their frame, the phone keeps half its screen for the
map, no control covers another, the title is never cut, the legend starts closed when it would
hide too much of the map, and the KBLI picker says when nothing matches.

The rules here carry a legend as long as the demo's (20 zone classes); one budget project makes
the page offer its "Anggaran & PPID" box, which a zoning-only embed must not show. Every size
gets one page; screenshots go to the artifacts folder, named by page, size and language.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import Engine, text

from tests.browser.test_map_page import Page, _centre_query, _lonlat
from tests.zoning_fixture import RULES, write_rules

# The most of the map an open legend may cover when the page starts (issue 16): a quarter in an
# embed, a fifth on a desktop; on a phone, where the map is smallest, we allow 15 %.
COVER_EMBED, COVER_DESKTOP, COVER_PHONE = 0.25, 0.20, 0.15
BAR = 48  # px, the top bar (peta.css)
TITLE = {"id": "Peta Tata Ruang", "en": "Spatial Plan Map"}
LEGEND = {"id": "Legenda", "en": "Legend"}

# 20 zone classes, named like the Batang demo's: a legend as long as a real one.
EXTRA_ZONES = [
    ("HL", "Hutan Lindung", "Protection forest", "lindung", "#1E5631"),
    ("HP", "Hutan Produksi", "Production forest", "budidaya", "#5F8A3A"),
    ("I", "Kawasan Peruntukan Industri", "Industrial zone", "budidaya", "#7D3C98"),
    (
        "K-2",
        "Perdagangan dan Jasa Skala WP",
        "Trade and services, planning-area scale",
        "budidaya",
        "#E74C5B",
    ),
    (
        "K-3",
        "Perdagangan dan Jasa Skala SWP",
        "Trade and services, sub-area scale",
        "budidaya",
        "#F1948A",
    ),
    ("KS", "Konservasi", "Conservation area", "lindung", "#0B4F2C"),
    ("KT", "Perkantoran", "Offices", "budidaya", "#4A7BC8"),
    ("P-2", "Hortikultura", "Horticulture", "budidaya", "#A9D18E"),
    ("P-3", "Perkebunan", "Plantations", "budidaya", "#548235"),
    ("P-4", "Peternakan", "Livestock", "budidaya", "#C5E0B4"),
    ("PB", "Perlindungan Kawasan Bawahannya", "Protection of lower areas", "lindung", "#2E6B46"),
    (
        "R-1",
        "Perumahan Kepadatan Sangat Tinggi",
        "Very high-density housing",
        "budidaya",
        "#F9E79F",
    ),
    ("R-3", "Perumahan Kepadatan Sedang", "Medium-density housing", "budidaya", "#FCF3CF"),
    ("RTH-1", "Rimba Kota", "City forest", "lindung", "#27AE60"),
    ("SPU", "Sarana Pelayanan Umum", "Public facilities", "budidaya", "#8E44AD"),
    ("TR", "Transportasi", "Transport", "budidaya", "#7F8C8D"),
    ("W", "Pariwisata", "Tourism", "budidaya", "#E67E22"),
]

# The controls and boxes that must never cover one another (an element inside another, like
# the handle inside the sheet, is left out of the comparison), with the map's box.
BOXES_JS = """
() => {
  const seen = (n) => {
    const r = n.getBoundingClientRect(), cs = getComputedStyle(n);
    return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && n.offsetParent !== null;
  };
  const sel = '.leaflet-control, #rtrw-bar, #rtrw-panel, #rtrw-panel-toggle, #rtrw-legend, '
    + '#rtrw-themes';
  const nodes = [...new Set(document.querySelectorAll(sel))].filter(seen);
  const boxes = nodes.map((n) => {
    const r = n.getBoundingClientRect();
    return { name: n.id || n.className.split(' ').filter(c => c !== 'leaflet-control')[0],
             l: r.left, t: r.top, r: r.right, b: r.bottom, control: n.matches('.leaflet-control') };
  });
  const pairs = [];
  for (let i = 0; i < nodes.length; i++) for (let j = i + 1; j < nodes.length; j++) {
    if (nodes[i].contains(nodes[j]) || nodes[j].contains(nodes[i])) continue;
    pairs.push([i, j]);
  }
  const m = document.querySelector('.folium-map').getBoundingClientRect();
  const size = RTRW.state.map.getSize();
  const map = { l: m.left, t: m.top, r: m.right, b: m.bottom, w: m.width, h: m.height,
                leaflet: [size.x, size.y] };
  return { boxes, pairs, map, vw: innerWidth, vh: innerHeight };
}
"""

# The boxes that fold (the legend, an embed's themes box): open or not, and their area open
# (opened for the measure and folded back), with the map's area and the legend's name.
FOLDS_JS = """
() => {
  const m = document.querySelector('.folium-map').getBoundingClientRect();
  const boxes = ['rtrw-themes', 'rtrw-legend'].map((id) => document.getElementById(id))
    .filter((b) => b && b.offsetParent !== null && b.closest('.leaflet-control-container'));
  const out = boxes.map((b) => {
    const d = b.tagName === 'DETAILS' ? b : b.querySelector('details'), was = d.open;
    const shut = b.getBoundingClientRect();
    d.open = true;
    const r = b.getBoundingClientRect();
    d.open = was;
    return { id: b.id, open: was, area: r.width * r.height, shut: shut.width * shut.height };
  });
  const legend = document.querySelector('#rtrw-legend summary');
  return { boxes: out, map: m.width * m.height, summary: legend ? legend.textContent : null };
}
"""


def _overlaps(a: dict, b: dict, slack: float = 0.5) -> bool:
    return (
        a["l"] < b["r"] - slack
        and b["l"] < a["r"] - slack
        and a["t"] < b["b"] - slack
        and b["t"] < a["b"] - slack
    )


def _check_boxes(frame, where: str) -> dict:
    """Assert that no two visible controls overlap and every control lies on the map."""
    got = frame.evaluate(BOXES_JS)
    boxes, m = got["boxes"], got["map"]
    clashes = [
        (boxes[i]["name"], boxes[j]["name"])
        for i, j in got["pairs"]
        if _overlaps(boxes[i], boxes[j])
    ]
    assert clashes == [], f"{where}: overlapping {clashes} in {json.dumps(boxes)}"
    for b in boxes:
        if b["control"]:
            inside = b["l"] >= m["l"] - 0.5 and b["r"] <= m["r"] + 0.5
            inside = inside and b["t"] >= m["t"] - 0.5 and b["b"] <= m["b"] + 0.5
            assert inside, f"{where}: {b['name']} sticks out of the map {m}: {b}"
    names = {b["name"] for b in boxes}
    assert "leaflet-control-attribution" in names and "leaflet-control-scale" in names, names
    return got


def _check_folds(frame, limit: float, lang: str, where: str) -> dict:
    """The legend (and an embed's themes box) start open only while the open ones cover at most
    `limit` of the map together: each folded one, opened, would pass it."""
    got = frame.evaluate(FOLDS_JS)
    assert got["summary"] == LEGEND[lang]
    budget = limit * got["map"]
    used = sum(b["area"] if b["open"] else b["shut"] for b in got["boxes"])
    assert used <= budget, f"{where}: {got}"
    for b in got["boxes"]:
        if not b["open"]:
            assert used - b["shut"] + b["area"] > budget, f"{where}: {b['id']} could open: {got}"
    return {b["id"]: b for b in got["boxes"]}


def _check_title(page, lang: str) -> None:
    """The whole title shows: not ellipsised, not clipped, left of the search field."""
    got = page.evaluate(
        """() => { const h = document.querySelector('.rtrw-title'), r = h.getBoundingClientRect();
                   const s = document.getElementById('rtrw-search').getBoundingClientRect();
                   return { text: h.textContent, sw: h.scrollWidth, cw: h.clientWidth,
                            right: r.right, search: s.left, searchWidth: s.width }; }"""
    )
    assert got["text"] == TITLE[lang]
    assert got["sw"] <= got["cw"], got
    assert got["right"] <= got["search"], got
    assert got["searchWidth"] >= 100, got  # the search field shrinks, but stays usable


@pytest.fixture
def long_legend(planning_area: Engine, tmp_path: Path) -> Iterator[Engine]:
    """The planning area with 20 zone classes in its rules and one budget project."""
    from app.services import rules

    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(
        (code, name, name_en, cls, code.split("-")[0], name, colour)
        for code, name, name_en, cls, colour in EXTRA_ZONES
    )
    zones = RULES["zone_classes.csv"] + out.getvalue()
    lon, lat = _lonlat(50, 50)
    with planning_area.begin() as conn:
        rules.load_rules(conn, write_rules(tmp_path / "rules20", **{"zone_classes.csv": zones}))
        conn.execute(
            text(
                "INSERT INTO project (year, key, ref, row_hash, name, pagu, placed_by, geom, "
                "desa_code) VALUES (2025, 'P-A', 'P-A', 'P-A', 'Jalan Lingkungan', 100000000, "
                "'coordinates', ST_SetSRID(ST_Point(:lon, :lat), 4326), '33.25.11.2001')"
            ),
            {"lon": lon, "lat": lat},
        )
    yield planning_area


def _page(chromium, live_url: str, viewport: dict[str, int]) -> Page:
    return Page(chromium, live_url, viewport)


def _done(page: Page) -> None:
    page.close()
    assert page.outside == [], f"requests left the service: {page.outside}"
    assert page.errors == [], f"console errors: {page.errors}"


# ---------- the public map on phones ----------


@pytest.mark.parametrize(("width", "height"), [(360, 740), (390, 844)])
def test_phone_keeps_half_the_screen_for_the_map(
    chromium, live_url: str, long_legend: Engine, artifacts: Path, width: int, height: int
) -> None:
    page = _page(chromium, live_url, {"width": width, "height": height})
    p = page.page
    try:
        page.open(_centre_query(100, 50, zoom=17, kbli="68111"))
        _check_title(p, "id")
        _check_boxes(p, f"{width} closed")
        page.click_at(*_lonlat(50, 50))
        assert [z["code"] for z in page.answer()["zones"]] == ["R-2"]

        got = _check_boxes(p, f"{width} answer")
        m = got["map"]
        sheet = p.locator("#rtrw-panel").bounding_box()
        assert sheet is not None
        # the map: from under the bar to the sheet's top, full width, at least half the screen
        assert (m["l"], m["t"], m["r"]) == (0, BAR, width)
        assert m["b"] == pytest.approx(sheet["y"], abs=1)
        assert m["h"] >= height / 2, got
        assert got["map"]["leaflet"] == [width, round(m["h"])]
        # the sheet: at most half the screen, scrolling inside; the answer is longer than it
        assert sheet["height"] <= height / 2 and sheet["y"] + sheet["height"] == height
        overflow = p.evaluate(
            "(() => { const s = document.getElementById('rtrw-panel');"
            " return [getComputedStyle(s).overflowY, s.scrollHeight > s.clientHeight]; })()"
        )
        assert overflow == ["auto", True]
        assert p.is_visible("#rtrw-kbli") and p.is_visible("#rtrw-verdict")
        _check_folds(p, COVER_PHONE, "id", f"{width} answer")
        p.screenshot(path=str(artifacts / f"layout-peta-{width}x{height}-id-answer.png"))

        # a tap on the handle folds the sheet to its KBLI box; the map takes the rest
        opened = sheet["height"]
        p.click("#rtrw-panel-toggle")
        folded = p.locator("#rtrw-panel").bounding_box()
        kbli = p.locator("#rtrw-kbli").bounding_box()
        assert folded is not None and kbli is not None
        assert folded["height"] < opened - 100
        assert kbli["y"] + kbli["height"] <= folded["y"] + folded["height"]  # still in sight
        m = _check_boxes(p, f"{width} folded")["map"]
        assert m["b"] == pytest.approx(folded["y"], abs=1) and m["h"] > height / 2 + 100
        p.screenshot(path=str(artifacts / f"layout-peta-{width}x{height}-id-folded.png"))
        p.click("#rtrw-panel-toggle")  # and opens again
        assert p.locator("#rtrw-panel").bounding_box()["height"] == pytest.approx(opened, abs=1)

        # a drag on the handle sets the height; it never passes the open height
        handle = p.locator("#rtrw-panel-toggle").bounding_box()
        x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
        p.mouse.move(x, y)
        p.mouse.down()
        p.mouse.move(x, y + 40, steps=4)
        p.mouse.move(x, y + 80, steps=4)
        p.mouse.up()
        dragged = p.locator("#rtrw-panel").bounding_box()["height"]
        assert dragged == pytest.approx(opened - 80, abs=2)
        m = _check_boxes(p, f"{width} dragged")["map"]
        assert m["h"] == pytest.approx(height - BAR - dragged, abs=1)
        p.mouse.move(x, y + 80)
        p.mouse.down()
        p.mouse.move(x, y - 200, steps=6)
        p.mouse.up()
        assert p.locator("#rtrw-panel").bounding_box()["height"] == pytest.approx(opened, abs=1)

        # English: the whole title, the legend's name, still nothing on top of anything
        p.click("#rtrw-lang")
        p.wait_for_function("document.documentElement.lang === 'en'")
        _check_title(p, "en")
        _check_boxes(p, f"{width} en")
        _check_folds(p, COVER_PHONE, "en", f"{width} en")
        assert "Business activity (KBLI)" in p.inner_text("#rtrw-panel")
        p.screenshot(path=str(artifacts / f"layout-peta-{width}x{height}-en-answer.png"))
    finally:
        _done(page)


# ---------- the public map on a desktop, the KBLI picker, the embed snippet ----------


def test_desktop_layout_picker_and_embed_snippet(
    chromium, live_url: str, long_legend: Engine, artifacts: Path
) -> None:
    width, height = 1366, 768
    page = _page(chromium, live_url, {"width": width, "height": height})
    p = page.page
    try:
        page.open(_centre_query(100, 50, zoom=17))
        _check_title(p, "id")
        page.click_at(*_lonlat(150 + 25, 50))
        page.answer()
        got = _check_boxes(p, "1366 answer")
        panel = p.locator("#rtrw-panel").bounding_box()
        assert panel is not None and panel["width"] == 380
        m = got["map"]
        assert (m["l"], m["t"], m["r"], m["b"]) == (0, BAR, width - 380, height)
        folds = _check_folds(p, COVER_DESKTOP, "id", "1366")
        assert folds["rtrw-legend"]["open"]  # 20 zone classes fit in a fifth of a desktop map
        p.screenshot(path=str(artifacts / "layout-peta-1366x768-id-answer.png"))

        # the KBLI picker: nothing matches -> a line that says so (and "did you mean" once the
        # search API sends suggestions); the list is what /zoning/activities answers
        for q in ("asdfgh", "99999"):
            items = p.request.get(f"{live_url}/zoning/activities?limit=12&q={q}").json()
            p.fill("#rtrw-kbli", q)
            p.wait_for_selector("#rtrw-kbli-list:not([hidden]) li")
            lines = p.locator("#rtrw-kbli-list li").all_inner_texts()
            if not items:
                assert lines == ["Tidak ditemukan"], (q, lines)
            else:
                assert all(a.get("match") == "suggestion" for a in items), (q, items)
                assert lines[0] == "Tidak ditemukan — mungkin maksud Anda:"
                assert len(lines) == len(items) + 1
            p.click("#rtrw-kbli-list li >> nth=0")  # the note is not a choice
            assert p.evaluate("RTRW.state.kbli") is None
            p.press("#rtrw-kbli", "Escape")
            assert p.is_hidden("#rtrw-kbli-list")
        p.fill("#rtrw-kbli", "rumah")
        p.wait_for_selector("#rtrw-kbli-list:not([hidden]) li:not(.rtrw-list-note)")
        assert p.locator("#rtrw-kbli-list li.rtrw-list-note").count() == 0
        p.press("#rtrw-kbli", "Escape")

        # the embed snippet: this view, its layers, its language; themes only when on
        p.click("#rtrw-embed")
        q = parse_qs(urlparse(_snippet_src(p)).query)
        assert q["legend"] == ["1"] and q["lang"] == ["id"] and "themes" not in q
        assert sorted(q["layers"][0].split(",")) == ["desa", "zona"]
        assert q["highlight"] == ["33.25.11.2002"]  # the desa of the answer (x 175)
        west, south, east, north = (float(v) for v in q["bbox"][0].split(","))
        lon, lat = _lonlat(175, 50)
        assert west < lon < east and south < lat < north

        p.click("#rtrw-themes summary")
        p.check("#rtrw-th-projects")
        p.click("#rtrw-lang")
        p.wait_for_function("document.documentElement.lang === 'en'")
        _check_title(p, "en")
        _check_boxes(p, "1366 en")
        _check_folds(p, COVER_DESKTOP, "en", "1366 en")
        p.screenshot(path=str(artifacts / "layout-peta-1366x768-en-answer.png"))
        p.click("#rtrw-embed")
        src = _snippet_src(p)
        q = parse_qs(urlparse(src).query)
        assert q["themes"] == ["projects"] and q["lang"] == ["en"]
        # the snippet's page fills an 800 x 420 frame and shows the projects' box
        frame = _framed(p, src, 800, 420)
        _check_embed(frame, 800, 420, "en", "snippet")
        assert frame.is_visible("#rtrw-themes")
        p.screenshot(path=str(artifacts / "layout-snippet-800x420-en.png"))
    finally:
        _done(page)


def test_kbli_suggestions_render_in_the_page_language(
    chromium, live_url: str, long_legend: Engine
) -> None:
    """The search API's `match` field (being added by issue 16's search work): when every item is
    a "suggestion", a first line says there was no match. Until that lands the answer is stood in
    by a fixed list (the shape the API is getting); the real answer is checked in the test above.
    """
    page = _page(chromium, live_url, {"width": 1366, "height": 768})
    p = page.page
    guesses = [
        {"code": "47111", "title": "PERDAGANGAN ECERAN DI MINIMARKET",
         "title_en": "Retail trade in minimarkets", "name": "Minimarket",
         "name_en": "Minimarket", "listed": True, "match": "suggestion"},
        {"code": "68111", "title": "REAL ESTAT YANG DIMILIKI SENDIRI",
         "title_en": "Own real estate", "name": "Rumah tunggal", "name_en": "Detached house",
         "listed": True, "match": "suggestion"},
    ]  # fmt: skip
    p.route(
        "**/zoning/activities?*q=minimaret*",
        lambda route: route.fulfill(json=guesses),
    )
    try:
        page.open(_centre_query(100, 50, zoom=17, lang="en"))
        p.fill("#rtrw-kbli", "minimaret")
        p.wait_for_selector("#rtrw-kbli-list:not([hidden]) li")
        lines = p.locator("#rtrw-kbli-list li").all_inner_texts()
        assert lines[0] == "No match — did you mean:"
        assert "Retail trade in minimarkets" in lines[1] and "47111" in lines[1]
        assert "PERDAGANGAN" not in "".join(lines)
        p.click("#rtrw-kbli-list li >> nth=1")
        assert p.evaluate("RTRW.state.kbli") == "47111"
        assert p.input_value("#rtrw-kbli") == "47111 — Retail trade in minimarkets"
        p.click("#rtrw-lang")  # Bahasa Indonesia: the KBLI titles as they are
        p.fill("#rtrw-kbli", "minimaret")
        p.wait_for_selector("#rtrw-kbli-list:not([hidden]) li")
        lines = p.locator("#rtrw-kbli-list li").all_inner_texts()
        assert lines[0] == "Tidak ditemukan — mungkin maksud Anda:"
        assert "PERDAGANGAN ECERAN DI MINIMARKET" in lines[1] and "Retail" not in "".join(lines)
    finally:
        _done(page)


def _snippet_src(p) -> str:
    snippet = p.input_value("#rtrw-snippet")
    assert snippet.startswith('<iframe src="') and 'height="420"' in snippet
    return snippet.split('"')[1].replace("&amp;", "&")


def _framed(p, src: str, width: int, height: int):
    """Load `src` into an iframe of width x height on an outer page; return its frame."""
    p.set_content(
        '<link rel="icon" href="data:,">'  # no /favicon.ico asked of the service
        f'<body style="margin:0"><iframe src="{src}" width="{width}" height="{height}" '
        f'style="border:0;display:block"></iframe></body>'
    )
    frame = p.main_frame.child_frames[0]
    frame.wait_for_selector("body[data-tiles='loaded']", timeout=20_000)
    p.wait_for_timeout(250)  # Leaflet fades new tiles in over 200 ms: the screenshots wait
    return frame


def _check_embed(frame, width: int, height: int, lang: str, where: str) -> None:
    got = _check_boxes(frame, where)
    m = got["map"]
    assert (m["l"], m["t"], m["r"], m["b"]) == (0, 0, width, height), got
    assert m["leaflet"] == [width, height]
    assert (got["vw"], got["vh"]) == (width, height)
    _check_folds(frame, COVER_EMBED, lang, where)
    assert frame.evaluate("document.documentElement.lang") == lang


# ---------- embeds ----------


@pytest.mark.parametrize(("width", "height"), [(320, 240), (800, 420), (1326, 600)])
def test_embed_fills_its_frame(
    chromium, live_url: str, long_legend: Engine, artifacts: Path, width: int, height: int
) -> None:
    page = _page(chromium, live_url, {"width": width + 40, "height": height + 40})
    p = page.page
    west, south = _lonlat(-300, -200)
    east, north = _lonlat(600, 300)
    bbox = f"{west:.6f},{south:.6f},{east:.6f},{north:.6f}"
    try:
        for lang in ("id", "en"):
            src = f"{live_url}/embed/map?bbox={bbox}&layers=zona,desa&legend=1&lang={lang}"
            frame = _framed(p, src, width, height)
            _check_embed(frame, width, height, lang, f"embed {width}x{height} {lang}")
            # only what the URL asks for: two layers, no budget box (the region has a project)
            assert sorted(frame.evaluate("Object.keys(RTRW.state.handles.layers)")) == [
                "desa",
                "zona",
            ]
            assert frame.locator(".leaflet-control-layers-overlays label").count() == 2
            assert frame.query_selector("#rtrw-themes") is None
            assert frame.query_selector(".leaflet-control-zoom") is None
            p.screenshot(path=str(artifacts / f"layout-embed-{width}x{height}-{lang}.png"))
        # asked for, the projects' box is on the map, beside the other controls
        frame = _framed(p, f"{src}&themes=projects", width, height)
        _check_embed(frame, width, height, "en", f"embed {width}x{height} themes")
        assert frame.is_visible("#rtrw-themes summary")
        p.screenshot(path=str(artifacts / f"layout-embed-{width}x{height}-en-themes.png"))
    finally:
        _done(page)
