"""Issue 16: where an overlay or raster rule changes a letter, every surface says the same.

The demo region is loaded once; one batch request scans a grid of points and 300 m squares
over the regency for three activities, and the cases are the answers whose zones show a letter
other than the matrix's: the rice mill the issue names (KBLI 10631 in P-1: matrix B, LP2B makes
it X), fish processing in zone I made B by the flood-hazard raster, a minimarket square in R-3
that the flood raster makes B in part, and every other (matrix letter -> letter in effect,
overlay or raster) seen, up to CASES in all, points and squares.

For each case the JSON of POST /zoning/check is the expectation (its matrix letter is also
checked against the pack's itbx.csv, its rule against the pack's overlay and raster tables);
then the map panel read in Chromium (Indonesian and English), the PDF read with pypdf (both
languages) and the batch CSV must say the same letters, the same verdict and the same rule.
The letter labels and the rule names are written here or read from the pack, not from the app.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import geopandas as gpd
import httpx
import numpy as np
import pytest
from pypdf import PdfReader
from shapely.geometry import Point, box
from sqlalchemy import Engine

from app.l10n import t
from tests.conftest import DEMO_PACK

CASES = 8  # at most this many cases (the three the issue names first)
RICE_MILL = (109.904137, -7.009309)  # the issue's point: P-1 (B), inside LP2B (X)
MINIMARKET = "47111"
LETTERS = ("I", "T", "B", "TB", "X")
# The labels of the letters, as the Perda and the issue write them.
LABEL = {
    "id": {
        "I": "Diizinkan",
        "T": "Diizinkan terbatas",
        "B": "Diizinkan bersyarat",
        "TB": "Diizinkan terbatas dan bersyarat",
        "X": "Tidak diizinkan",
        "mixed": "Campuran (berbeda per bagian persil)",
    },
    "en": {
        "I": "Permitted",
        "T": "Permitted with limits",
        "B": "Permitted with conditions",
        "TB": "Permitted with limits and conditions",
        "X": "Not permitted",
        "mixed": "Mixed (differs across the parcel)",
    },
}
BECAUSE = {"id": "karena", "en": "because of"}
DESKTOP = {"width": 1280, "height": 900}


# --- the pack, read without the app ------------------------------------------------------------


def _rules(name: str) -> list[dict[str, str]]:
    with (DEMO_PACK / "rules" / name).open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if not r.get("valid_to")]


MANIFEST = tomllib.loads((DEMO_PACK / "region.toml").read_text(encoding="utf-8"))
ACTIVITIES = {r["id"]: r for r in _rules("activities.csv")}
BY_KBLI = {k: r["id"] for r in ACTIVITIES.values() for k in r["kbli"].split(";")}
MATRIX = {(r["activity"], r["zone"]): r["itbx"] for r in _rules("itbx.csv")}
OVERLAY_LAYERS = {r["layer"] for r in _rules("overlay_rules.csv")}
RASTERS = {r["name"]: r for r in MANIFEST["rasters"]}
FISH = ACTIVITIES["pengolahan_ikan"]["kbli"].split(";")[0]  # 10211
RICE = ACTIVITIES["penggilingan_padi"]["kbli"].split(";")[0]  # 10631
assert FISH == "10211" and RICE == "10631" and BY_KBLI[MINIMARKET] == "minimarket"


def rule_name(because: dict[str, Any], lang: str) -> str:
    """Return how a reason names its rule: an overlay by its layer `(lp2b)`, a raster by the
    pack's title in `lang`."""
    if because["source"] == "overlay":
        return f"({because['layer']})"
    raster = RASTERS[because["layer"]]
    return raster["title_en"] if lang == "en" else raster["title"]


# --- the cases -----------------------------------------------------------------------------------


@dataclass
class Case:
    """A geometry and an activity whose answer has a zone letter changed by a rule."""

    name: str
    kbli: str
    geometry: dict[str, Any]  # GeoJSON, EPSG:4326, 6 decimals (what the page sends)
    answer: dict[str, Any] = field(default_factory=dict)  # POST /zoning/check

    @property
    def point(self) -> bool:
        return self.geometry["type"] == "Point"

    def page_query(self, lang: str) -> str:
        """Return the /peta query that opens this case's answer."""
        if self.point:
            lon, lat = self.geometry["coordinates"]
            where = f"pt={lat:.6f},{lon:.6f}"
        else:
            ring = self.geometry["coordinates"][0][:-1]
            where = "parcel=" + ",".join(quote(f"{x:.6f} {y:.6f}") for x, y in ring)
        return f"{where}&kbli={self.kbli}&lang={lang}"

    def changed(self) -> list[dict[str, Any]]:
        """Return the zones whose letters in effect are not just the matrix letter."""
        return [z for z in self.answer["zones"] if set(z["effective"]) != {z["itbx"]}]

    def combos(self) -> set[tuple[str, str, str]]:
        """Return (matrix letter, letter set by a rule, the rule's source) of the changes."""
        return {
            (z["itbx"], b["itbx"], b["source"])
            for z in self.changed()
            for b in z["because"]
            if b["itbx"] in z["effective"]
        }


def _ring(geom: Any) -> list[list[float]]:
    return [[round(x, 6), round(y, 6)] for x, y in geom.exterior.coords]


def _scan_features() -> list[dict[str, Any]]:
    """Return the scan: a 45 x 30 grid of points and 300 m squares every 1.4 km on land, each
    asked for the rice mill, fish processing and the minimarket."""
    outline = DEMO_PACK / "source" / "batas_kabupaten_batang.geojson"
    land = gpd.read_file(outline).to_crs(32749).union_all()
    minx, miny, maxx, maxy = land.bounds
    shapes: list[dict[str, Any]] = []
    for y in np.linspace(miny, maxy, 30):
        for x in np.linspace(minx, maxx, 45):
            if land.contains(Point(x, y)):
                shapes.append({"type": "Point", "coordinates": [x, y]})
    for y in np.arange(miny + 500, maxy, 1400):
        for x in np.arange(minx + 500, maxx, 1400):
            square = box(x - 150, y - 150, x + 150, y + 150)
            if land.contains(square):
                shapes.append({"type": "Polygon", "coordinates": [list(square.exterior.coords)]})
    wgs = gpd.GeoSeries(
        gpd.GeoSeries.from_wkt([_wkt(s) for s in shapes], crs=32749).to_crs(4326).values
    )
    features = []
    for i, g in enumerate(wgs):
        geometry = (
            {"type": "Point", "coordinates": [round(g.x, 6), round(g.y, 6)]}
            if g.geom_type == "Point"
            else {"type": "Polygon", "coordinates": [_ring(g)]}
        )
        for kbli in (RICE, FISH, MINIMARKET):
            features.append(
                {"type": "Feature", "properties": {"id": f"{kbli}/{i}", "kbli": kbli},
                 "geometry": geometry}
            )  # fmt: skip
    return features


def _wkt(shape: dict[str, Any]) -> str:
    if shape["type"] == "Point":
        return "POINT ({} {})".format(*shape["coordinates"])
    return "POLYGON ((" + ", ".join(f"{x} {y}" for x, y in shape["coordinates"][0]) + "))"


def _changed_zones(row: dict[str, Any]) -> dict[str, tuple[str, set[str]]]:
    """Return zone -> (matrix letter, letters in effect) of a batch row's changed zones."""
    itbx = dict(p.split(":") for p in (row["itbx"] or "").split(";") if p)
    effective: dict[str, set[str]] = {}
    for part in (row["effective"] or "").split(";"):
        if part:
            code, letter, _ = part.split(":")
            effective.setdefault(code, set()).add(letter)
    return {z: (itbx[z], e) for z, e in effective.items() if z in itbx and e != {itbx[z]}}


def _check(http: httpx.Client, kbli: str, geometry: dict[str, Any]) -> dict[str, Any]:
    r = http.post("/zoning/check", json={"geometry": geometry, "kbli": kbli})
    assert r.status_code == 200, r.text
    return r.json()


def find_cases(http: httpx.Client) -> list[Case]:
    """Return the issue's three cases and the other distinct changes the scan finds."""
    features = _scan_features()
    r = http.post(
        "/zoning/check/batch",
        params={"format": "json"},
        json={"type": "FeatureCollection", "features": features},
        timeout=120,
    )
    assert r.status_code == 200, r.text[:500]
    rows = r.json()["rows"]
    assert len(rows) == len(features) and not any(row["error"] for row in rows)
    geometry = {f["properties"]["id"]: f["geometry"] for f in features}
    candidates = [row for row in rows if _changed_zones(row)]
    # fewer zones first (easier to read when a test fails), then the scan's order
    candidates.sort(key=lambda row: len((row["zones"] or "").split(";")))

    def first(kbli: str, kind: str, zone: str, letters: set[str], raster: str) -> Case:
        """Return the first scanned `kind` where `raster` gives `zone` these `letters`."""
        title = RASTERS[raster]["title"]
        for row in candidates:
            g = geometry[row["id"]]
            if row["kbli"] != kbli or g["type"] != kind or title not in (row["because_id"] or ""):
                continue
            if _changed_zones(row).get(zone, ("", set()))[1] == letters:
                return Case(f"{BY_KBLI[kbli]}-{kind.lower()}-{row['id']}", kbli, g)
        raise AssertionError(f"the scan found no {kind} for {kbli} in {zone}")

    cases = [
        Case("rice-mill-in-lp2b", RICE, {"type": "Point", "coordinates": list(RICE_MILL)}),
        first(FISH, "Point", "I", {"B"}, "rawan_banjir"),
        first(MINIMARKET, "Polygon", "R-3", {"T", "B"}, "rawan_banjir"),
    ]
    seen: set[tuple[str, str, str]] = set()
    for case in cases:
        case.answer = _check(http, case.kbli, case.geometry)
        seen |= case.combos()
    # then every other (matrix -> effective, source) the scan shows, points and squares in turn
    by_kind: dict[str, list[dict[str, Any]]] = {"Point": [], "Polygon": []}
    for row in candidates:
        by_kind[geometry[row["id"]]["type"]].append(row)
    tried: set[tuple[Any, ...]] = set()
    for kind in ("Polygon", "Point") * 40:
        if len(cases) >= CASES or not any(by_kind.values()):
            break
        while by_kind[kind]:
            row = by_kind[kind].pop(0)
            changes = sorted((z, m, *sorted(e)) for z, (m, e) in _changed_zones(row).items())
            key = (kind, row["kbli"], tuple(map(tuple, changes)))
            if key in tried:
                continue
            tried.add(key)
            case = Case(f"{BY_KBLI[row['kbli']]}-{kind.lower()}-{row['id']}", row["kbli"],
                        geometry[row["id"]])  # fmt: skip
            case.answer = _check(http, case.kbli, case.geometry)
            if case.combos() - seen:
                seen |= case.combos()
                cases.append(case)
                break
    return cases


@pytest.fixture(scope="module")
def http(demo_region: Engine, live_url: str) -> Iterator[httpx.Client]:
    """An HTTP client of the live server, which reads the test database with the demo."""
    with httpx.Client(base_url=live_url, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def cases(http: httpx.Client) -> list[Case]:
    return find_cases(http)


# --- the JSON: the expectation, checked against the pack -----------------------------------------


def test_the_cases_cover_the_issue(cases: list[Case]) -> None:
    names = [c.name for c in cases]
    print("\n" + "\n".join(f"{c.name}: {c.answer['verdict']} {sorted(c.combos())}" for c in cases))
    assert len(cases) >= 6, names
    assert {c.point for c in cases} == {True, False}, names
    rice, fish, shop = cases[:3]
    # the rice mill: B in P-1 by the matrix, X in effect because of the LP2B overlay
    (zone,) = rice.answer["zones"]
    assert (zone["code"], zone["itbx"], zone["effective"]) == ("P-1", "B", {"X": 1.0})
    assert [(b["source"], b["layer"], b["itbx"]) for b in zone["because"]] == [
        ("overlay", "lp2b", "X")
    ]
    assert rice.answer["verdict"] == "X"
    # fish processing in zone I: I by the matrix, B because of the flood-hazard raster
    (zone,) = [z for z in fish.answer["zones"] if z["code"] == "I"]
    assert (zone["itbx"], zone["effective"]) == ("I", {"B": 1.0})
    assert ("raster", "rawan_banjir", "B") in {
        (b["source"], b["layer"], b["itbx"]) for b in zone["because"]
    }
    # the minimarket: T in R-3, B on the part a raster rule covers, T on the rest
    (zone,) = [z for z in shop.answer["zones"] if z["code"] == "R-3"]
    assert zone["itbx"] == "T" and set(zone["effective"]) == {"T", "B"}
    assert sum(zone["effective"].values()) == pytest.approx(zone["share"], abs=2e-4)
    assert {b["source"] for b in zone["because"] if b["itbx"] == "B"} == {"raster"}
    combos = set().union(*(c.combos() for c in cases))
    assert {s for _, _, s in combos} == {"overlay", "raster"}, combos


def test_matrix_letters_and_rules_come_from_the_pack(cases: list[Case]) -> None:
    for case in cases:
        activity = BY_KBLI[case.kbli]
        for z in case.answer["zones"]:
            assert z["itbx"] == MATRIX[(activity, z["code"])], (case.name, z["code"])
        for z in case.changed():
            assert z["because"], (case.name, z["code"])
            for b in z["because"]:
                assert b["layer"] in (OVERLAY_LAYERS if b["source"] == "overlay" else RASTERS)
                assert LETTERS.index(b["itbx"]) > LETTERS.index(z["itbx"]), (case.name, b)
            # every letter in effect is the matrix's or one a listed rule sets
            letters = {z["itbx"]} | {b["itbx"] for b in z["because"]}
            assert set(z["effective"]) <= letters, (case.name, z)


# --- the map panel in Chromium -------------------------------------------------------------------

READ_PANEL = """() => {
  const letters = (root, sel) => Array.from(root.querySelectorAll(sel))
      .map(b => b.getAttribute('data-letter'));
  const head = document.querySelector('#rtrw-verdict .rtrw-badge[data-letter]');
  const rows = Array.from(document.querySelectorAll('#rtrw-zones tr[data-code]')).map(tr => {
    const next = tr.nextElementSibling;
    const because = next && next.classList.contains('rtrw-because') ? next.innerText : null;
    return {code: tr.getAttribute('data-code'),
            matrix: letters(tr.children[2], '.rtrw-badge[data-letter]'),
            effective: letters(tr.querySelector('td.rtrw-effective'), '.rtrw-badge[data-letter]'),
            text: tr.innerText, because: because};
  });
  return {verdict: head && head.getAttribute('data-letter'), rows: rows,
          text: document.querySelector('#rtrw-answer').innerText,
          pdf: (document.querySelector('#rtrw-pdf') || {}).href || null};
}"""


def read_panel(page: Any, lang: str) -> dict[str, Any]:
    """Wait for the panel's answer in `lang`; return what it shows and the answer it holds."""
    page.wait_for_function(
        f"RTRW.state.answer !== null && RTRW.state.answer.lang === '{lang}'", timeout=20_000
    )
    page.wait_for_selector("#rtrw-zones")
    shown = page.evaluate(READ_PANEL)
    shown["answer"] = page.evaluate("RTRW.state.answer")
    return shown


def test_panel_agrees_with_the_json(
    chromium, live_url: str, http: httpx.Client, cases: list[Case], artifacts: Path
) -> None:
    """Each case's permalink in Indonesian, then the language button: the panel asked again."""
    context = chromium.new_context(viewport=DESKTOP, service_workers="block")
    page = context.new_page()
    # the map itself is not read here: its tiles come back empty (204, as for an empty tile)
    page.route(re.compile(r"/tiles/"), lambda route: route.fulfill(status=204))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        for case in cases:
            page.goto(f"{live_url}/peta?{case.page_query('id')}")
            for lang in ("id", "en"):
                if lang == "en":
                    page.click("#rtrw-lang")
                shown = read_panel(page, lang)
                _assert_panel(case, shown, lang)
                if case.point:  # the panel's PDF link asks the same point, in its language
                    lon, lat = case.geometry["coordinates"]
                    assert f"lon={lon:.6f}&lat={lat:.6f}" in shown["pdf"], shown["pdf"]
                    assert f"kbli={case.kbli}&lang={lang}" in shown["pdf"], shown["pdf"]
                if case is cases[2]:  # the minimarket square: mixed, two letters in R-3
                    _screenshot(page, artifacts / f"surfaces-panel-{lang}.png")
    finally:
        context.close()
    assert errors == [], errors


def _screenshot(page: Any, path: Path) -> None:
    """Save the whole panel: a viewport tall enough for the answer, then the usual one."""
    page.set_viewport_size({"width": DESKTOP["width"], "height": 1900})
    page.locator("#rtrw-panel").screenshot(path=str(path))
    page.set_viewport_size(DESKTOP)


def _assert_panel(case: Case, shown: dict[str, Any], lang: str) -> None:
    a, where = case.answer, f"{case.name} ({lang})"
    assert shown["verdict"] == a["verdict"], (where, shown["verdict"], a["verdict"])
    # the page holds the answer it shows, and it is the JSON's
    held = {z["code"]: (z["itbx"], z["effective"]) for z in shown["answer"]["zones"]}
    wanted = {z["code"]: (z["itbx"], z["effective"]) for z in a["zones"]}
    assert held.keys() == wanted.keys(), where
    for code, (itbx, eff) in wanted.items():
        assert held[code][0] == itbx and held[code][1] == pytest.approx(eff, abs=1e-4), where
    rows = {r["code"]: r for r in shown["rows"]}
    assert list(rows) == [z["code"] for z in a["zones"]], (where, list(rows))
    for z in a["zones"]:
        row = rows[z["code"]]
        assert row["matrix"] == [z["itbx"]], (where, z["code"], row)
        assert LABEL[lang][z["itbx"]] in row["text"], (where, row["text"])
        assert row["effective"] == list(z["effective"]), (where, z["code"], row, z["effective"])
        changed = set(z["effective"]) != {z["itbx"]}
        if not changed:
            assert row["because"] is None, (where, row)
            continue
        # the table shows both letters, and under the row the rules that changed it
        letters = set(row["matrix"]) | set(row["effective"])
        assert letters == {z["itbx"], *z["effective"]} and len(letters) >= 2, (where, row)
        assert row["because"], (where, z["code"], "no because row")
        for b in z["because"]:
            if b["itbx"] in z["effective"]:
                assert f"{BECAUSE[lang]} {b['itbx']}:" in row["because"], (where, row["because"])
                assert rule_name(b, lang) in row["because"], (where, b, row["because"])


# --- the PDF -----------------------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    """Return the PDF's text with every run of white space made one space."""
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))


def fetch_pdf(http: httpx.Client, case: Case, lang: str) -> str:
    """Return the text of the case's PDF: the GET of the panel's link for a point, the POST
    the panel sends for a parcel."""
    if case.point:
        lon, lat = case.geometry["coordinates"]
        r = http.get(
            "/reports/zoning.pdf",
            params={"lon": f"{lon:.6f}", "lat": f"{lat:.6f}", "kbli": case.kbli, "lang": lang},
        )
    else:
        body = {"geometry": case.geometry, "kbli": case.kbli}
        r = http.post("/reports/zoning.pdf", params={"lang": lang}, json=body)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"] == "application/pdf"
    return pdf_text(r.content)


def _share(text: str, lang: str) -> float:
    """Return a written percentage (`37,5` / `37.5`) as a share."""
    plain = text.replace(".", "").replace(",", ".") if lang == "id" else text.replace(",", "")
    return float(plain) / 100


def _zone_rows(text: str, codes: list[str], lang: str) -> dict[str, str]:
    """Return each zone's row of the PDF's zone table (the text from its code to the next)."""
    head = " ".join(t(k, lang) for k in ("sheet.zones", "sheet.code", "sheet.name"))
    start = text.index(head) + len(head)
    ends = [text.find(t(k, lang), start) for k in ("sheet.envelope", "sheet.overlays")]
    table = text[start : min(e for e in ends if e > 0)]
    rows, at = {}, 0
    for i, code in enumerate(codes):
        begin = table.index(f" {code} ", at)
        end = table.index(f" {codes[i + 1]} ", begin + 1) if i + 1 < len(codes) else len(table)
        rows[code], at = table[begin:end], end
    return rows


@pytest.mark.parametrize("lang", ["id", "en"])
def test_pdf_agrees_with_the_json(http: httpx.Client, cases: list[Case], lang: str) -> None:
    for case in cases:
        a, where = case.answer, f"{case.name} ({lang})"
        text = fetch_pdf(http, case, lang)
        verdict = a["verdict"]
        line = LABEL[lang][verdict] if verdict == "mixed" else f"{verdict} — {LABEL[lang][verdict]}"
        assert f"{t('sheet.verdict', lang)} {line}" in text, (where, line)
        rows = _zone_rows(text, [z["code"] for z in a["zones"]], lang)
        for z in a["zones"]:
            row = rows[z["code"]]
            matrix = f"{z['itbx']} {LABEL[lang][z['itbx']]}"
            assert matrix in row, (where, matrix, row)
            # the cell after the matrix letter: the letters in effect (with shares on a parcel)
            cell = re.match(
                r" ?((?:TB|I|T|B|X)(?: [\d.,]+ %)?(?:, (?:TB|I|T|B|X)(?: [\d.,]+ %)?)*)(?![\w%])",
                row[row.index(matrix) + len(matrix) :],
            )
            assert cell, (where, row)
            shown = re.findall(r"(TB|I|T|B|X)(?: ([\d.,]+) %)?", cell.group(1))
            assert [s[0] for s in shown] == list(z["effective"]), (where, cell.group(1))
            if not case.point:
                for (letter, pct), share in zip(shown, z["effective"].values(), strict=True):
                    assert _share(pct, lang) == pytest.approx(share, abs=0.0006), (where, letter)
            for b in z["because"]:
                if b["itbx"] in z["effective"] and set(z["effective"]) != {z["itbx"]}:
                    assert f"{BECAUSE[lang]} {b['itbx']}:" in row, (where, row)
                    assert rule_name(b, lang) in row, (where, b["layer"], row)


# --- the batch CSV -----------------------------------------------------------------------------


def test_batch_csv_agrees_with_the_json(http: httpx.Client, cases: list[Case]) -> None:
    features = [
        {"type": "Feature", "properties": {"id": c.name, "kbli": c.kbli}, "geometry": c.geometry}
        for c in cases
    ]
    r = http.post(
        "/zoning/check/batch",
        params={"format": "csv"},
        content=json.dumps({"type": "FeatureCollection", "features": features}),
        headers={"content-type": "application/geo+json"},
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv"), r.text[:300]
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(r.text))}
    assert list(rows) == [c.name for c in cases]
    for case in cases:
        a, row = case.answer, rows[case.name]
        assert row["error"] == "" and row["verdict"] == a["verdict"], (case.name, row)
        assert row["itbx"] == ";".join(f"{z['code']}:{z['itbx']}" for z in a["zones"]), case.name
        effective = [p.split(":") for p in row["effective"].split(";")]
        wanted = [(z["code"], k, v) for z in a["zones"] for k, v in z["effective"].items()]
        assert [(c, k) for c, k, _ in effective] == [(c, k) for c, k, _ in wanted], case.name
        for (_, _, got), (_, _, share) in zip(effective, wanted, strict=True):
            assert float(got) == pytest.approx(share, abs=1e-4), case.name
        for z in case.changed():
            for b in z["because"]:
                for column, lang in (("because", "en"), ("because_id", "id")):
                    assert f"{z['code']}: {b['itbx']} " in row[column], (case.name, row[column])
                    assert rule_name(b, lang) in row[column], (case.name, column, row[column])
