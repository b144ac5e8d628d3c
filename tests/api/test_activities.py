"""GET /zoning/activities over all of KBLI 2020, and checks with codes the rules do not list."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pyproj import Transformer
from shapely.geometry import mapping
from sqlalchemy import Engine

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
    assert "tidak tercantum" in a["summary"]["id"]
    # A listed code names the activity and the code asked about.
    listed = check(client, "10631")["activity"]
    assert listed["listed"] is True and listed["id"] == "penggilingan_padi"
    assert listed["code"] == "10631" and listed["title"].startswith("INDUSTRI PENGGILINGAN PADI")
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
