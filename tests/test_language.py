"""Bahasa Indonesia first, English second, never both at once (issue 16).

The English map page with answers open (read in Chromium), English PDFs, the English text of
every error path and the English halves of the JSON and batch answers must hold no text of the
Indonesian tables; the Indonesian ones no text of the English table.

The tables: app.l10n's TEXTS (each entry's two halves), and app/errors.py's FALLBACK_ID and
VALIDATION_ID (Indonesian only). Only entries whose two languages differ count; each is cut at
its {placeholders} into the fixed pieces of 8 letters or more (a text without placeholders also
counts when it has two words), and a piece that the other language's table holds too
("Kecamatan" in "District (kecamatan)") is left out; pieces match as whole words. Pack data
(zone names, legal citations that exist only in Indonesian) is data, not table text: on an
English answer a piece that the pack's legal titles also say ("kegiatan") is not looked for.

Error messages are all ours, so they are also read word by word: an English message holds no
common Indonesian function word and an Indonesian one no common English one, outside quotes
(values the user sent, codes), the request fields a 422 names (`geometry: ...`) and slash
lists of accepted values (`ya/tidak`). The messages
are those the error paths answer over HTTP (a request per error code the API can reach) and
every literal pair the code base writes: `message_id=` at each raise site, `BadValue(en, id)`,
`x=... x_id=...` and `Text(id, en)`.
"""

from __future__ import annotations

import ast
import csv
import io
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import httpx
import psycopg
import pytest
import sqlalchemy.exc
from fastapi.testclient import TestClient
from pypdf import PdfReader
from shapely.geometry import box
from sqlalchemy import Engine, create_engine

from app import errors
from app.api.errors import error_body
from app.db import sqlalchemy_url
from app.l10n import TEXTS
from app.main import create_app
from app.services.auth.keys import create_key
from tests.browser.conftest import live_url  # noqa: F401  (the live server on the test database)
from tests.conftest import DEMO_PACK

APP = Path(__file__).resolve().parents[1] / "app"
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
EDGES = " ,.;:()—-"  # what a piece may start or end with that says nothing of its language
RICE_MILL = {"type": "Point", "coordinates": [109.904137, -7.009309]}  # P-1, inside LP2B

# --- the tables ----------------------------------------------------------------------------------


def letters(text: str) -> int:
    """Return how many letters a text has."""
    return sum(c.isalpha() for c in text)


def pieces(text: str) -> list[str]:
    """Return the parts of a table text worth looking for: the fixed pieces of a template
    (8 letters or more), or the whole text when it has two words or 8 letters."""
    if PLACEHOLDER.search(text):
        return [p.strip(EDGES) for p in PLACEHOLDER.split(text) if letters(p) >= 8]
    text = text.strip(EDGES)
    return [text] if len(text.split()) >= 2 or letters(text) >= 8 else []


def phrases(own: list[str], other: list[str]) -> list[str]:
    """Return the pieces of `own` that no text of `other` holds (case-insensitively)."""
    others = [o.lower() for o in other]
    found = {p for text in own for p in pieces(text)}
    return sorted(p for p in found if not any(p.lower() in o for o in others))


DIFFERENT = [(i, e) for i, e in TEXTS.values() if i.strip().lower() != e.strip().lower()]
ID_TABLE = (
    [i for i, _ in DIFFERENT]
    + list(errors.FALLBACK_ID.values())
    + list(errors.VALIDATION_ID.values())
)
EN_TABLE = [e for _, e in DIFFERENT]
ALL_ID = [i for i, _ in TEXTS.values()] + ID_TABLE
ALL_EN = [e for _, e in TEXTS.values()]
INDONESIAN = phrases(ID_TABLE, ALL_EN)  # must not be read in English
ENGLISH = phrases(EN_TABLE, ALL_ID)  # must not be read in Bahasa Indonesia


def pack_texts() -> list[str]:
    """Return the demo pack's words that exist only in Bahasa Indonesia, which an English
    answer quotes as they are: its legal sources (citations, titles)."""
    with (DEMO_PACK / "rules" / "sources.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [" ".join(v for k, v in r.items() if not k.endswith("_en") and v).lower() for r in rows]


def _found(phrase: str, text: str) -> bool:
    """Whether `phrase` is in `text` (lower case) as whole words."""
    return re.search(r"(?<!\w)" + re.escape(phrase.lower()) + r"(?!\w)", text) is not None


# On an English answer (page, PDF, JSON), a piece the pack's Indonesian-only data also says is
# not a sign of a table text: "kegiatan" is in the title of Permen ATR/BPN 13/2021 that a PKKPR
# route cites. (The Indonesian answers quote no English data.)
PACK = pack_texts()
INDONESIAN_DATA = [p for p in INDONESIAN if not any(_found(p, t) for t in PACK)]
ENGLISH_DATA = ENGLISH

ID_WORDS = {"tidak", "bukan", "yang", "dengan", "untuk", "atau", "adalah", "belum", "harus",
            "tanggal"}  # fmt: skip
EN_WORDS = {"the", "must", "not", "is", "should", "with", "date"}


def request_fields() -> list[str]:
    """Return the names of every query/path parameter and request body field of the API."""
    spec = create_app().openapi()
    schemas = spec["components"]["schemas"]
    names: set[str] = set()

    def walk(node: Any, seen: set[str]) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.rsplit("/", 1)[-1] not in seen:
                seen.add(ref.rsplit("/", 1)[-1])
                walk(schemas[ref.rsplit("/", 1)[-1]], seen)
            names.update(node.get("properties", {}))
            for value in node.values():
                walk(value, seen)
        elif isinstance(node, list):
            for value in node:
                walk(value, seen)

    for path in spec["paths"].values():
        for op in path.values():
            names.update(p["name"] for p in op.get("parameters", []))
            walk(op.get("requestBody", {}), set())
    return sorted(names)


# A 422 names the field it refuses (`geometry: wajib diisi`, `parcels.0.kbli: ...`): a code.
FIELD_LOC = re.compile(
    r"(?<![\w.])(?:" + "|".join(map(re.escape, request_fields())) + r")(?:\.\w+)*(?=: )"
)
# what a message quotes (a value sent, a code, a command) and lists of accepted values
QUOTED = re.compile(r"(?<!\w)'[^']*'(?!\w)|\"[^\"]*\"|`[^`]*`|“[^”]*”|<[^<>]*>")


def message_hits(text: str, lang: str) -> list[str]:
    """Return what in an error message is of the other language: table pieces and function
    words, leaving out what it quotes and the request fields it names (`geometry: ...`)."""
    plain = FIELD_LOC.sub(" ", QUOTED.sub(" ", PLACEHOLDER.sub(" ", text)))
    return table_hits(plain, lang) + word_hits(plain, lang)


def table_hits(text: str, lang: str) -> list[str]:
    """Return the other language's table pieces found (as whole words) in a message."""
    low = text.lower()
    return [p for p in (INDONESIAN if lang == "en" else ENGLISH) if _found(p, low)]


def answer_hits(text: str, lang: str) -> list[str]:
    """Return the other language's table pieces in an answer (pieces of pack data left out)."""
    low = text.lower()
    return [p for p in (INDONESIAN_DATA if lang == "en" else ENGLISH_DATA) if _found(p, low)]


def word_hits(text: str, lang: str) -> list[str]:
    """Return the other language's function words in a message in `lang` (quotes left out)."""
    words = ID_WORDS if lang == "en" else EN_WORDS
    tokens = [tok for tok in QUOTED.sub(" ", text).split() if "/" not in tok]
    return sorted({w for tok in tokens for w in re.findall(r"\w+", tok.lower()) if w in words})


def test_the_tables_are_read_honestly() -> None:
    # the lists are long, and they hold what the map page and the sheet write
    assert len(INDONESIAN) > 150 and len(ENGLISH) > 120, (len(INDONESIAN), len(ENGLISH))
    for phrase in ("Diizinkan bersyarat", "Tidak diizinkan", "Hasil ITBX", "Cetak PDF",
                   "berada di luar wilayah perencanaan", "Kesimpulan campuran"):  # fmt: skip
        assert phrase in INDONESIAN, phrase
    for phrase in ("Permitted with conditions", "Not permitted", "ITBX verdict", "Print PDF",
                   "outside the planning area", "Mixed verdict"):  # fmt: skip
        assert phrase in ENGLISH, phrase
    # a word both tables hold is not a sign of either language, nor one the pack's legal
    # titles hold on an English answer
    assert "kegiatan" in INDONESIAN and "kegiatan" not in INDONESIAN_DATA
    assert "Kecamatan" not in INDONESIAN and "RTRW" not in ENGLISH and "September" not in ENGLISH
    # the checks catch what they are for
    assert "Diizinkan bersyarat" in table_hits("Verdict: Diizinkan bersyarat", "en")
    assert table_hits("Verdict: Permitted with conditions", "en") == []
    assert word_hits("decree date '31/02/2025' bukan tanggal", "en") == ["bukan", "tanggal"]
    assert word_hits("tanggal SK '31/02/2025' is not a date", "id") == ["date", "is", "not"]
    assert word_hits("status PPID 'x' bukan ya/tidak, yes/no atau 1/0", "id") == []
    assert word_hits("no layer named 'tidak_ada' (use `rtrw layers list`)", "en") == []


# --- the literal pairs the code base writes -----------------------------------------------------


def _literal(node: ast.expr | None) -> str | None:
    """Return a string expression with `{}` for each part that is not literal (None if none)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value if isinstance(v, ast.Constant) else "{}" for v in node.values
        )  # fmt: skip
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal(node.left), _literal(node.right)
        if left is None and right is None:
            return None
        return (left if left is not None else "{}") + (right if right is not None else "{}")
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return _literal(node.func.value)  # "...".replace(",", ".")
    return None


def literal_pairs() -> list[tuple[str, str, str]]:
    """Return (where, English, Indonesian) of every two-language literal pair under app/."""
    out: list[tuple[str, str, str]] = []
    for path in sorted(APP.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            kw = {k.arg: k.value for k in node.keywords if k.arg}
            pairs: list[tuple[ast.expr | None, ast.expr | None]] = []
            if "message_id" in kw:
                pairs.append((node.args[0] if node.args else kw.get("message"), kw["message_id"]))
            if name == "BadValue" and len(node.args) == 2:
                pairs.append((node.args[0], node.args[1]))
            if name == "Text" and len(node.args) == 2:
                pairs.append((node.args[1], node.args[0]))
            pairs += [(kw[k], kw[f"{k}_id"]) for k in kw if f"{k}_id" in kw]
            for en, id_ in pairs:
                en_text, id_text = _literal(en), _literal(id_)
                if en_text is not None and id_text is not None and en_text != id_text:
                    where = f"{path.relative_to(APP.parent)}:{node.lineno}"
                    out.append((where, en_text, id_text))
    return out


def test_every_literal_pair_keeps_its_language() -> None:
    pairs = literal_pairs()
    assert len(pairs) > 200, len(pairs)  # every raise site says it in both languages
    wrong = []
    for where, en, id_ in pairs:
        for lang, text in (("en", en), ("id", id_)):
            hits = message_hits(text, lang)
            if hits:
                wrong.append(f"{where} ({lang}): {text!r}: {hits}")
    assert not wrong, "\n".join(wrong)


# --- the answers: the page, the PDF, the JSON and the batch rows ---------------------------------


def coast_square() -> dict[str, Any]:
    """Return a 600 m square on the northernmost point of the coast: half of it is sea."""
    outline = DEMO_PACK / "source" / "batas_kabupaten_batang.geojson"
    land = gpd.read_file(outline).to_crs(32749).union_all()
    polygons = getattr(land, "geoms", [land])
    x, y = max((c for p in polygons for c in p.exterior.coords), key=lambda c: c[1])
    square = gpd.GeoSeries([box(x - 300, y - 300, x + 300, y + 300)], crs=32749).to_crs(4326)
    ring = [[round(a, 6), round(b, 6)] for a, b in square.iloc[0].exterior.coords]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture(scope="module")
def asked(demo_region: Engine) -> list[tuple[dict[str, Any], str]]:
    """The geometries and activities read here: the rice mill in LP2B, a coastal parcel."""
    return [(RICE_MILL, "10631"), (coast_square(), "47111")]


@pytest.fixture(scope="module")
def http(demo_region: Engine, live_url: str) -> Iterator[httpx.Client]:  # noqa: F811
    with httpx.Client(base_url=live_url, timeout=60) as client:
        yield client


def page_query(geometry: dict[str, Any], kbli: str) -> str:
    """Return the /peta permalink query of a geometry (Indonesian first)."""
    if geometry["type"] == "Point":
        lon, lat = geometry["coordinates"]
        return f"pt={lat:.6f},{lon:.6f}&kbli={kbli}&lang=id"
    ring = geometry["coordinates"][0][:-1]
    return "parcel=" + ",".join(f"{x:.6f}+{y:.6f}" for x, y in ring) + f"&kbli={kbli}&lang=id"


READ_PAGE = """() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  return document.body.innerText;
}"""


def test_the_map_page_speaks_one_language(
    chromium,
    live_url: str,  # noqa: F811
    asked: list[tuple[dict[str, Any], str]],
) -> None:
    """Each answer opened in Indonesian, then in English with the page's language button."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900},
                                   service_workers="block")  # fmt: skip
    page = context.new_page()
    try:
        for geometry, kbli in asked:
            page.goto(f"{live_url}/peta?{page_query(geometry, kbli)}")
            for lang in ("id", "en"):
                if lang == "en":
                    page.click("#rtrw-lang")
                page.wait_for_function(
                    f"RTRW.state.answer !== null && RTRW.state.answer.lang === '{lang}'",
                    timeout=20_000,
                )
                page.wait_for_selector("#rtrw-zones")
                text = page.evaluate(READ_PAGE)
                label = "Kegiatan usaha (KBLI)" if lang == "id" else "Business activity (KBLI)"
                assert label in text, (lang, text[:300])
                assert answer_hits(text, lang) == [], (geometry["type"], lang, text[:3000])
    finally:
        context.close()


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_pdf_speaks_one_language(
    http: httpx.Client, asked: list[tuple[dict[str, Any], str]], lang: str
) -> None:
    body = {"parcels": [{"geometry": g, "kbli": kbli} for g, kbli in asked]}
    r = http.post("/reports/zoning.pdf", params={"lang": lang}, json=body)
    assert r.status_code == 200, r.text[:300]
    text = pdf_text(r.content)
    assert ("Informasi Tata Ruang" if lang == "id" else "Spatial Planning Information") in text
    assert answer_hits(text, lang) == [], text


def test_the_json_and_batch_halves_speak_one_language(
    http: httpx.Client, asked: list[tuple[dict[str, Any], str]]
) -> None:
    for geometry, kbli in asked:
        r = http.post("/zoning/check", json={"geometry": geometry, "kbli": kbli})
        assert r.status_code == 200, r.text
        answer = r.json()
        texts = {"id": [answer["summary"]["id"]], "en": [answer["summary"]["en"]]}
        for w in answer["warnings"]:
            texts["id"].append(w["id"])
            texts["en"].append(w["en"])
        for z in answer["zones"]:
            for b in z["because"]:
                for lang in ("id", "en"):
                    texts[lang] += [b["what"][lang], b["text"][lang]]
        for lang, items in texts.items():
            for text in items:
                assert answer_hits(text, lang) == [], (lang, text)
    features = [
        {"type": "Feature", "properties": {"id": i, "kbli": kbli}, "geometry": g}
        for i, (g, kbli) in enumerate(asked)
    ]
    r = http.post("/zoning/check/batch", params={"format": "csv"},
                  json={"type": "FeatureCollection", "features": features})  # fmt: skip
    assert r.status_code == 200, r.text[:300]
    for row in csv.DictReader(io.StringIO(r.text)):
        for en, id_ in (("summary_en", "summary_id"), ("because", "because_id"),
                        ("warnings", "warnings_id"), ("conditions_en", "conditions")):  # fmt: skip
            assert answer_hits(row[en] or "", "en") == [], (en, row[en])
            assert answer_hits(row[id_] or "", "id") == [], (id_, row[id_])


# --- the error paths -----------------------------------------------------------------------------

ZONING_AT = {"lon": 109.904137, "lat": -7.009309}
FAR = {"type": "Polygon", "coordinates": [[[109.0, -7.6], [109.01, -7.6], [109.01, -7.59],
                                           [109.0, -7.59], [109.0, -7.6]]]}  # fmt: skip


def _many_vertices(n: int) -> dict[str, Any]:
    import math

    ring = [
        [
            109.9 + 0.001 * math.cos(2 * math.pi * i / n),
            -7.0 + 0.001 * math.sin(2 * math.pi * i / n),
        ]
        for i in range(n)
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def error_requests(keys: dict[str, str]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """Return (expected code, method, path, request keywords) of every error path reached."""
    staff = {"Authorization": f"Bearer {keys['staff']}"}
    bad_ppid = b"Kode Desa;PPID;Tanggal SK\n3325012001;ya;31/02/2025\n3325012002;barangkali;\n"
    bad_apbd = b"Kode Paket;Nama Paket;Pagu\nA-1;Jalan;satu juta\n"
    json_ct = {"content-type": "application/json"}
    return [
        ("invalid_request", "POST", "/zoning/check", {"json": {"KBLI": "10631"}}),
        ("invalid_request", "GET", "/zoning/at", {"params": {"lon": "abc", "lat": -6.95}}),
        ("invalid_request", "POST", "/zoning/check",
         {"content": b'{"geometry": ', "headers": json_ct}),
        ("invalid_request", "GET", "/zoning/activities", {"params": {"limit": 999}}),
        ("invalid_request", "GET", "/zoning/at", {"params": {"lon": -7.0, "lat": 109.9}}),
        ("invalid_request", "GET", "/zoning/at", {"params": {**ZONING_AT, "kbli": "4711"}}),
        ("invalid_request", "GET", "/zoning/at", {"params": {**ZONING_AT, "as_of": "2025-02-31"}}),
        ("invalid_request", "GET", "/zoning/at", {"params": {**ZONING_AT, "as_of": "31/02/2025"}}),
        ("invalid_request", "GET", "/zoning/activities", {"params": {"q": "pa\x01di"}}),
        ("invalid_request", "POST", "/zoning/check",
         {"json": {"geometry": {"type": "LineString", "coordinates": [[109.9, -7], [110, -7]]}}}),
        ("invalid_request", "POST", "/zoning/check",
         {"json": {"geometry": {"type": "Polygon", "coordinates": [[[109.9, -7.0]]]}}}),
        ("invalid_request", "POST", "/rasters/lereng/zonal",
         {"json": {"type": "Point", "coordinates": [109.9, -7.0]}}),
        ("invalid_request", "GET", "/admin/abc", {}),
        ("not_found", "GET", "/layer", {}),
        ("method_not_allowed", "DELETE", "/layers", {}),
        ("bad_request", "POST", "/zoning/check", {"content": b"\xff\xfe{", "headers": json_ct}),
        ("body_too_large", "POST", "/zoning/check/batch",
         {"content": "id,lon,lat\n" + "1,109.9,-7.0\n" * 200,
          "headers": {"content-type": "text/csv"}}),
        ("too_many_vertices", "POST", "/zoning/check",
         {"json": {"geometry": _many_vertices(10_001)}}),
        ("too_many_parcels", "POST", "/reports/zoning.pdf",
         {"json": {"parcels": [{"geometry": RICE_MILL}] * 3}}),
        ("unknown_activity", "GET", "/zoning/at", {"params": {**ZONING_AT, "kbli": "47300"}}),
        ("unknown_activity", "GET", "/zoning/at", {"params": {**ZONING_AT, "activity": "hotel"}}),
        ("invalid_crs", "POST", "/zoning/check",
         {"json": {"geometry": RICE_MILL, "crs": "EPSG:99999"}}),
        ("invalid_geometry", "POST", "/zoning/check",
         {"json": {"geometry": {"type": "Point", "coordinates": [500000.0, 9230000.0]}}}),
        ("outside_planning_area", "GET", "/reports/zoning.pdf", {"params": {"lon": 10, "lat": 10}}),
        ("outside_raster", "POST", "/rasters/lereng/zonal", {"json": FAR}),
        ("point_outside_raster", "GET", "/rasters/lereng/point",
         {"params": {"lon": 109.0, "lat": -7.6}}),
        ("raster_not_found", "GET", "/rasters/tidak_ada", {}),
        ("layer_not_found", "GET", "/layers/tidak_ada", {}),
        ("admin_area_not_found", "GET", "/admin/33.99", {}),
        ("invalid_parameter", "POST", "/zoning/check/batch",
         {"params": {"format": "xml"}, "content": "id,lon,lat\n1,109.9,-7.0\n",
          "headers": {"content-type": "text/csv"}}),
        ("invalid_parameter", "POST", "/zoning/check/batch",
         {"content": "a,b\n1,2\n", "headers": {"content-type": "text/csv"}}),
        ("unauthorized", "GET", "/audit", {}),
        ("forbidden", "GET", "/audit", {"headers": staff}),
        ("load_error", "POST", "/ppid/import",
         {"files": {"file": ("ppid.csv", bad_ppid, "text/csv")}, "headers": staff}),
        ("load_error", "POST", "/projects/import",
         {"params": {"year": 2025}, "files": {"file": ("apbd.csv", bad_apbd, "text/csv")},
          "headers": staff}),
    ]  # fmt: skip


def texts_of(body: Any, lang: str) -> list[str]:
    """Return every text of an error body in `lang`: `message`, and each `x`/`x_id` pair."""
    out: list[str] = []
    if isinstance(body, dict):
        message = body.get("message")
        if isinstance(message, dict) and isinstance(message.get(lang), str):
            out.append(message[lang])
        for key, value in body.items():
            pair = body.get(f"{key}_id")
            if isinstance(value, str) and isinstance(pair, str):
                out.append(value if lang == "en" else pair)
        for value in body.values():
            if isinstance(value, dict | list):
                out += texts_of(value, lang)
    elif isinstance(body, list):
        for value in body:
            out += texts_of(value, lang)
    return out


@pytest.fixture(scope="module")
def error_bodies(demo_region: Engine, database_url: str) -> list[tuple[str, dict[str, Any]]]:
    """(what was asked, the error body) of every error path, through the app's handlers."""
    with demo_region.begin() as conn:
        staff, _ = create_key(conn, f"language-{uuid.uuid4().hex[:8]}", "staff")
    app = create_app(engine=demo_region)
    settings = app.state.settings
    out: list[tuple[str, dict[str, Any]]] = []
    with TestClient(app) as client:
        # small limits, so that a few bytes and parcels go over them
        settings.zoning.max_batch_bytes = 1000
        settings.maps.max_report_parcels = 2
        for code, method, path, kw in error_requests({"staff": staff}):
            r = client.request(method, path, **kw)
            assert 400 <= r.status_code < 500, (code, path, r.status_code, r.text[:300])
            body = r.json()
            assert body["error"] == code, (path, kw.get("params"), body)
            out.append((f"{code}: {method} {path}", body))
        # a batch row that cannot be read: its error columns
        rows = client.post("/zoning/check/batch", params={"format": "json"},
                           content="id;bujur;lintang\nA;abc;-6,95\nB;109,8;\n",
                           headers={"content-type": "text/csv"}).json()["rows"]  # fmt: skip
        out += [(f"batch row {row['id']}", row) for row in rows]
    # the database's faults, and a bug
    pool = create_engine(sqlalchemy_url(database_url), pool_size=1, max_overflow=0,
                         pool_timeout=0.3)  # fmt: skip
    try:
        with TestClient(create_app(engine=pool)) as client, pool.connect():
            out.append(("database_unavailable: a busy pool", client.get("/health").json()))
    finally:
        pool.dispose()
    for fault in (psycopg.errors.QueryCanceled("slow"), psycopg.OperationalError("down"),
                  sqlalchemy.exc.TimeoutError("pool")):  # fmt: skip
        mapped = errors.database_error(fault)
        assert mapped is not None
        out.append((f"{mapped.code}: {fault!r}", error_body(mapped.code, mapped.message,
                                                            mapped.message_id)))  # fmt: skip
    boom = create_app(engine=demo_region)

    @boom.get("/boom")
    def _boom() -> None:
        raise RuntimeError("a bug")

    with TestClient(boom, raise_server_exceptions=False) as client:
        out.append(("internal_error", client.get("/boom").json()))
    return out


def test_every_error_code_is_reached(error_bodies: list[tuple[str, dict[str, Any]]]) -> None:
    reached = {body.get("error") for _, body in error_bodies}
    classes = {
        cls.code
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.RtrwError)
    }
    # a base class no raise site uses, the loaders' codes (the CLI's; their texts are read as
    # literal pairs above), and no_rules (the demo has rules; check.py's text is a literal pair)
    unreachable = {"error", "not_found", "invalid_parameter", "too_large", "no_rules",
                   "source_file_error", "field_mapping_error", "region_pack_error",
                   "rules_error"}  # fmt: skip
    assert classes - reached - unreachable == set()
    handlers = {"invalid_request", "method_not_allowed", "bad_request", "internal_error"}
    assert handlers - reached == set()


@pytest.mark.parametrize("lang", ["en", "id"])
def test_every_error_speaks_one_language(
    error_bodies: list[tuple[str, dict[str, Any]]], lang: str
) -> None:
    wrong = []
    for asked, body in error_bodies:
        texts = texts_of(body, lang)
        assert texts and all(t.strip() for t in texts), (asked, body)
        for text in texts:
            hits = message_hits(text, lang)
            if hits:
                wrong.append(f"{asked}: {text!r}: {hits}")
    assert not wrong, "\n".join(wrong)


def test_the_error_table_is_worded_in_indonesian() -> None:
    for table in (errors.FALLBACK_ID, errors.VALIDATION_ID):
        for code, text in table.items():
            assert message_hits(text, "id") == [], (code, text)
