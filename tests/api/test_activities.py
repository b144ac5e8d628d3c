"""GET /zoning/activities over all of KBLI 2020, and checks with codes the rules do not list."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyproj import Transformer
from shapely.geometry import mapping
from sqlalchemy import Engine

from app.services import rules
from tests.conftest import DEMO_PACK
from tests.fixtures import X0, Y0
from tests.zoning_fixture import utm_box

TO_WGS = Transformer.from_crs(32749, 4326, always_xy=True)

# Hand-checked titles from ../shared/data/kbli/kbli_2020.csv (Peraturan BPS No. 2 Tahun 2020).
PERTANIAN_JAGUNG = "PERTANIAN JAGUNG"  # 01111
RUMAH_MINUM = "RUMAH MINUM/KAFE"  # 56303


def search(client: TestClient, q: str | None = None, **params) -> list[dict]:
    r = client.get("/zoning/activities", params={"q": q, **params} if q else params)
    assert r.status_code == 200, r.text
    return r.json()


def check(client: TestClient, kbli, geom=None) -> dict:
    body = {
        "geometry": mapping(geom if geom is not None else utm_box(50, 150)),
        "crs": "EPSG:32749",
        "as_of": "2026-01-01",
        "kbli": kbli,
    }
    r = client.post("/zoning/check", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def test_prefix_searches_all_codes_and_says_which_are_listed(
    client: TestClient, planning_area: Engine
) -> None:
    found = search(client, "1063")
    assert [a["code"] for a in found] == ["10631", "10632", "10633", "10634", "10635", "10636"]
    rice = found[0]
    assert rice["listed"] is True and rice["id"] == "penggilingan_padi"
    assert rice["title"] == "INDUSTRI PENGGILINGAN PADI DAN PENYOSOHAN BERAS"
    assert rice["category"] == "C" and rice["category_title"] == "INDUSTRI PENGOLAHAN"
    assert all(a["listed"] is False and a["id"] is None for a in found[1:])
    assert found[1]["name"] == found[1]["title"] == "INDUSTRI PENGGILINGAN DAN PEMBERSIHAN JAGUNG"
    assert found[1]["kbli"] == ["10632"]


def test_words_with_typos_and_synonyms(client: TestClient, planning_area: Engine) -> None:
    for q in ("penggilingan padi", "pengilingan pdi", "rice mill"):
        assert [a["code"] for a in search(client, q)][:1] == ["10631"], q
    for q in ("SPBU", "gas station"):
        assert search(client, q)[0]["code"] == "47301", q
    for q in ("kafe", "cafe"):
        assert RUMAH_MINUM in [a["title"] for a in search(client, q)], q
    shops = search(client, "toko", limit=200)
    assert {"47111", "47112", "47230"} <= {a["code"] for a in shops}  # synonym; title word TOKO
    assert [a["id"] for a in shops if a["listed"]] == ["minimarket"]
    assert "52101" in {a["code"] for a in search(client, "warehouse")}
    assert "52101" in {a["code"] for a in search(client, "gudang")}


def test_housing_does_not_find_warehousing(client: TestClient, planning_area: Engine) -> None:
    housing = {a["code"] for a in search(client, "housing", limit=200)}
    assert "68111" in housing  # the region's `rumah` (Detached house), and the synonym
    assert not {c for c in housing if c.startswith("521")}
    assert "52103" in {a["code"] for a in search(client, "warehousing")}


def test_no_query_lists_the_rules_codes(client: TestClient, planning_area: Engine) -> None:
    listed = search(client)
    assert [(a["code"], a["id"]) for a in listed] == [
        ("10631", "penggilingan_padi"),
        ("47111", "minimarket"),
        ("68111", "rumah"),
    ]
    assert all(a["listed"] for a in listed)


def test_unlisted_kbli_is_not_listed_everywhere(client: TestClient, planning_area: Engine) -> None:
    a = check(client, "56303")
    assert a["verdict"] == "not_listed" and a["verdict_shares"] == {"not_listed": 1.0}
    assert {z["itbx"] for z in a["zones"]} == {"not_listed"} and len(a["zones"]) == 2
    act = a["activity"]
    assert act["listed"] is False and act["id"] is None
    assert act["name"] == act["title"] == RUMAH_MINUM and act["code"] == "56303"
    assert act["kbli"] == ["56303"] and act["category"] == "I"
    assert act["title_en"] == "Rumah minum/kafe"  # no English name known: sentence case
    assert act["category_title_en"] == "Accommodation and food service activities"
    assert "tidak tercantum" in a["summary"]["id"]
    # A listed code names the activity and the code asked about.
    listed = check(client, "10631")["activity"]
    assert listed["listed"] is True and listed["id"] == "penggilingan_padi"
    assert listed["code"] == "10631" and listed["title"].startswith("INDUSTRI PENGGILINGAN PADI")
    assert listed["title_en"] == "Rice mill"  # the rules' name_en (tests/zoning_fixture.py)
    lon, lat = TO_WGS.transform(X0 + 20, Y0 + 50)
    point = client.get("/zoning/at", params={"lon": lon, "lat": lat, "kbli": "56303"})
    assert point.status_code == 200 and point.json()["activity"]["listed"] is False


def test_code_not_in_kbli_2020_is_refused_with_suggestions(
    client: TestClient, planning_area: Engine
) -> None:
    body = {"geometry": mapping(utm_box(50, 150)), "crs": "EPSG:32749", "kbli": "47300"}
    r = client.post("/zoning/check", json=body)
    assert r.status_code == 422 and r.json()["error"] == "unknown_activity"
    suggestions = r.json()["suggestions"]
    assert [s["kbli"] for s in suggestions[:3]] == ["47301", "47302", "47303"]
    assert suggestions[0]["listed"] is False and suggestions[0]["title"].startswith(
        "PERDAGANGAN ECERAN BAHAN BAKAR"
    )
    malformed = client.post("/zoning/check", json={**body, "kbli": "4730"})
    assert malformed.status_code == 422 and malformed.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("sent", "code"),
    [(10631, "10631"), (1111, "01111"), ("01111", "01111"), (10631.0, "10631")],
)
def test_kbli_as_a_json_number(
    client: TestClient, planning_area: Engine, sent: object, code: str
) -> None:
    a = check(client, sent)
    assert a["activity"]["code"] == code
    if code == "01111":
        assert a["activity"]["title"] == PERTANIAN_JAGUNG and a["verdict"] == "not_listed"


@pytest.mark.parametrize("sent", [123456, -1, True, 1.5])
def test_kbli_numbers_out_of_range_are_refused(
    client: TestClient, planning_area: Engine, sent: object
) -> None:
    body = {"geometry": mapping(utm_box(50, 150)), "crs": "EPSG:32749", "kbli": sent}
    r = client.post("/zoning/check", json=body)
    assert r.status_code == 422 and r.json()["error"] == "invalid_request"


def test_openapi_says_string_or_integer(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]["CheckRequest"]
    options = schema["properties"]["kbli"]["anyOf"]
    flat = [o for s in options for o in s.get("anyOf", [s])]
    assert {o.get("type") for o in flat} == {"string", "integer", "null"}
    assert {"type": "integer", "minimum": 0, "maximum": 99999} in flat


# --- the demo region's rules: ranking, suggestions and English titles ------------------------
# Expectations come from the data files (the demo pack's activities.csv, the shipped KBLI list
# and synonyms table), read here with the csv module, not from the search code.

DEMO_RULES = DEMO_PACK / "rules"
DATA = Path(__file__).resolve().parents[2] / "app" / "data"
MATCH_ORDER = ("code", "word", "prefix", "fuzzy")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _words(text: str) -> set[str]:
    return set(re.findall(r"[0-9a-z]+", text.lower()))


DEMO_ACTIVITIES = _rows(DEMO_RULES / "activities.csv")
LISTED = {c: a for a in DEMO_ACTIVITIES for c in a["kbli"].split(";")}
KBLI_ROWS = _rows(DATA / "kbli_2020.csv")
TITLES = {r["code"]: r["title"] for r in KBLI_ROWS}
FIVE = sorted(r["code"] for r in KBLI_ROWS if r["level"] == "kelompok")
CATEGORY: dict[str, str] = {}
for _row in KBLI_ROWS:  # each category comes before the codes under it
    if _row["level"] == "kategori":
        _letter = _row["code"]
    CATEGORY[_row["code"]] = _letter
SYNONYMS = _rows(DATA / "kbli_synonyms.csv")


def synonym_group(word: str, lang: str | None = None) -> set[str]:
    """Return the one-word synonyms standing for the same codes as `word` (in `lang`)."""
    codes = {r["kbli"] for r in SYNONYMS if r["word"] == word}
    return {
        r["word"]
        for r in SYNONYMS
        if r["kbli"] in codes and " " not in r["word"] and lang in (None, r["lang"])
    }


@pytest.fixture
def demo_rules(clean: Engine) -> Engine:
    """The demo pack's rule tables alone (no layers): the activity search reads only rules."""
    with clean.begin() as conn:
        rules.load_rules(conn, DEMO_RULES)
    return clean


def listed_first(found: list[dict]) -> int:
    """Return how many items come before the first unlisted one, checking none is listed after
    it and that within the listed and the unlisted the matches go code, word, prefix, fuzzy."""
    n = next((i for i, a in enumerate(found) if not a["listed"]), len(found))
    assert all(not a["listed"] for a in found[n:])
    for part in (found[:n], found[n:]):
        order = [MATCH_ORDER.index(a["match"]) for a in part]
        assert order == sorted(order)
    return n


def test_pabrik_lists_the_regions_industries_first(client: TestClient, demo_rules) -> None:
    found = search(client, "pabrik", limit=200)
    codes = [a["code"] for a in found]
    # `pabrik` is a synonym of category C; 28292 has PABRIK in its title but is not listed.
    assert {r["kbli"] for r in SYNONYMS if r["word"] == "pabrik"} == {"C"}
    assert "PABRIK" in TITLES["28292"].split() and "28292" not in LISTED
    listed_c = {c for c in LISTED if CATEGORY[c] == "C"}
    n = listed_first(found)
    assert set(codes[:n]) == listed_c and codes.index("28292") >= n
    assert {a["match"] for a in found[:n]} == {"word"}
    # First the activities whose own name says a word of the group (industri ...).
    group = synonym_group("pabrik", "id")
    named = {c for c in listed_c if group & _words(LISTED[c]["name"])}
    assert "industri" in group and named
    assert set(codes[: len(named)]) == named


def test_factory_prefers_names_that_say_manufacturing(client: TestClient, demo_rules) -> None:
    found = search(client, "factory", limit=200)
    group = synonym_group("factory", "en")
    assert group >= {"factory", "manufacturing"}
    says_it = {c for c, a in LISTED.items() if group & _words(a["name_en"])}
    assert says_it  # Footwear manufacturing, Flat glass manufacturing
    assert {a["code"] for a in found[: len(says_it)]} == says_it
    assert found[0]["title_en"] == LISTED[found[0]["code"]]["name_en"]
    n = listed_first(found)
    assert {a["code"] for a in found[:n]} == {c for c in LISTED if CATEGORY[c] == "C"}


def test_hotel_whole_words_then_the_synonym(client: TestClient, demo_rules) -> None:
    found = search(client, "hotel", limit=200)
    n = listed_first(found)
    named = sorted(c for c, a in LISTED.items() if "hotel" in _words(a["name"]))
    assert [a["code"] for a in found[: len(named)]] == named  # hotel_bintang, hotel_melati
    under = {r["kbli"] for r in SYNONYMS if r["word"] == "hotel"}  # 551
    assert {a["code"] for a in found[:n]} == {
        c for c in LISTED if any(c.startswith(u) for u in under)
    }
    unlisted = {c for c in FIVE if "HOTEL" in TITLES[c].split() and c not in LISTED}
    assert unlisted and {a["code"] for a in found[n:]} >= unlisted  # 55194 APARTEMEN HOTEL
    for q, match in (("551", "code"), ("hote", "prefix"), ("hotell", "fuzzy")):
        assert {a["match"] for a in search(client, q, limit=200)} == {match}, q
    assert {a["match"] for a in search(client)} == {None}  # no query: the listed codes


def test_nothing_found_answers_marked_suggestions(client: TestClient, demo_rules) -> None:
    near = search(client, "99999")
    assert 1 <= len(near) <= 5 and {a["match"] for a in near} == {"suggestion"}
    # No code starts with 99: the nearest by value are the largest codes of KBLI 2020.
    assert not [c for c in FIVE if c.startswith("99")]
    assert [a["code"] for a in near[:3]] == FIVE[-1:-4:-1]
    words = search(client, "asdfgh")
    assert 1 <= len(words) <= 5 and {a["match"] for a in words} == {"suggestion"}
    assert all(a["code"] in FIVE for a in words)
    assert len(search(client, "asdfgh", limit=2)) == 2
    assert search(client, "!!!") == []  # no word at all: nothing to be near


def test_english_titles(client: TestClient, demo_rules) -> None:
    by_code = {a["code"]: a for a in search(client, "hotel", limit=200)}
    star = by_code["55110"]
    assert star["title"] == "HOTEL BINTANG" and star["title_en"] == LISTED["55110"]["name_en"]
    # ISIC Rev. 4 section I, which KBLI category I follows.
    assert star["category"] == "I"
    assert star["category_title_en"] == "Accommodation and food service activities"
    apart = by_code["55194"]  # APARTEMEN HOTEL, not listed: the title in sentence case
    assert apart["listed"] is False and apart["name_en"] is None
    assert apart["title_en"] == "Apartemen hotel"
    assert "47302" not in LISTED  # an acronym in brackets keeps its capitals
    fuel = search(client, "47302")[0]
    assert fuel["title"].startswith(
        "PERDAGANGAN ECERAN BAHAN BAKAR MINYAK, BAHAN BAKAR GAS (BBG), DAN"
    )
    assert fuel["title_en"].startswith(
        "Perdagangan eceran bahan bakar minyak, bahan bakar gas (BBG), dan"
    )
