"""Honest numbers: shares to 4 decimals that still add up, m² to 0.01, Indonesian summaries.

Expected values are hand arithmetic on tests/zoning_fixture.py: 100 m squares R-2 (x 0..100),
K-1 (100..200), PTP = P-1 (200..300), nothing zoned beyond x 300; LP2B over x 200..250.
Intensity: R-2 KDB 60 % KLB 1.2 KDH 20 % 12 m; K-1 80 % 4 10 % 32 m; P-1 10 % 0.1 80 % 8 m.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from shapely.geometry import mapping
from sqlalchemy import Engine

from app.l10n import number, percent, square_metres
from app.services import zoning
from app.services.zoning.numbers import apportion
from tests.zoning_fixture import utm_box

NOW = date(2026, 1, 1)


@pytest.fixture
def area(planning_area: Engine) -> Engine:
    return planning_area


def run(engine: Engine, geom, **kw):
    with engine.connect() as conn:
        return zoning.check(conn, mapping(geom), "EPSG:32749", as_of=NOW, **kw).to_json()


def units(shares) -> int:
    return sum(round(s * 10_000) for s in shares)


def test_apportion_keeps_the_whole() -> None:
    thirds = apportion([1 / 3] * 3)
    assert sorted(thirds) == [0.3333, 0.3333, 0.3334] and units(thirds) == 10_000
    assert apportion([1.0000000000000053]) == [1.0]
    assert apportion([0.49999999999, 0.50000000001]) == [0.5, 0.5]
    assert apportion([0.125, 0.875]) == [0.125, 0.875]
    assert apportion([0.2, 0.1], target=0.3) == [0.2, 0.1]


def test_numbers_the_indonesian_and_the_english_way() -> None:
    assert square_metres(1234.56, "id") == "1.234,56 m²"
    assert square_metres(1234.56, "en") == "1,234.56 m²"
    assert square_metres(10_000.0, "id") == "10.000 m²"
    assert percent(0.125, "id") == "12,5 %" and percent(0.125, "en") == "12.5 %"
    assert percent(0.0025, "id") == "0,25 %" and percent(1.0, "id") == "100 %"
    assert percent(0.3334, "id") == "33,3 %" and percent(0.0, "en") == "0 %"
    assert number(1234567.891, 2, "id") == "1.234.567,89"


def test_a_parcel_wholly_in_one_zone_gives_exactly_one(area: Engine) -> None:
    a = run(area, utm_box(10, 90), kbli="68111")
    assert [(z["code"], z["share"]) for z in a["zones"]] == [("R-2", 1.0)]
    assert a["no_plan_share"] == 0.0 and a["verdict_shares"] == {"I": 1.0}
    assert a["zones"][0]["effective"] == {"I": 1.0}
    assert [(d["code"], d["share"]) for d in a["admin"]] == [("33.25.11.2001", 1.0)]
    assert a["area_m2"] == 80 * 100 and a["zones"][0]["area_m2"] == 8000
    assert "100 %" in a["summary"]["id"]


def test_three_thirds_add_up_and_areas_are_rounded(area: Engine) -> None:
    a = run(area, utm_box(0, 300), kbli="10631")
    zones = {z["code"]: z["share"] for z in a["zones"]}
    assert set(zones) == {"R-2", "K-1", "PTP"} and set(zones.values()) <= {0.3333, 0.3334}
    assert units([*zones.values(), a["no_plan_share"]]) == 10_000
    # X; K-1: not listed; PTP: B, but x 200..250 lies in LP2B, which prohibits industry.
    assert a["verdict_shares"] == {"X": 0.5, "not_listed": 0.3333, "B": 0.1667}
    assert a["overlays"][0]["share"] == 0.1667 and a["overlays"][0]["area_m2"] == 5000
    assert {d["code"]: d["share"] for d in a["admin"]} == {
        "33.25.11.2001": 0.5,
        "33.25.11.2002": 0.5,
    }
    env = a["envelope"]
    assert env["max_footprint_m2"] == 0.6 * 10_000 + 0.8 * 10_000 + 0.1 * 10_000
    assert env["max_floor_area_m2"] == 1.2 * 10_000 + 4 * 10_000 + 0.1 * 10_000
    assert env["min_green_area_m2"] == 0.2 * 10_000 + 0.1 * 10_000 + 0.8 * 10_000
    assert [p["area_m2"] for p in env["parts"]] == [10_000] * 3
    assert "Persil ini (30.000 m²): 33,3 % berada di" in a["summary"]["id"]
    assert "Kesimpulan campuran: X 50 %, tidak tercantum 33,3 %, B 16,7 %" in a["summary"]["id"]
    assert (
        "Intensitas bangunan: tapak maksimum 15.000 m², luas lantai maksimum 53.000 m², "
        "ruang hijau minimum 11.000 m², tinggi maksimum 8 m." in a["summary"]["id"]
    )
    assert "This parcel (30,000 m²): 33.3 % is in" in a["summary"]["en"]
    assert "footprint at most 15,000 m², floor area at most 53,000 m²" in a["summary"]["en"]


def test_summary_writes_numbers_the_way_each_language_reads(area: Engine) -> None:
    # x 275..475: 25 m of 200 m in PTP (12.5 %), the rest zoned by nothing (87.5 %).
    a = run(area, utm_box(275, 475), kbli="10631")
    assert a["area_m2"] == 20_000 and a["no_plan_share"] == 0.875
    assert a["verdict_shares"] == {"no_plan": 0.875, "B": 0.125}
    assert a["summary"]["id"] == (
        "Persil ini (20.000 m²): 12,5 % berada di PTP (P-1: Tanaman pangan), di mana "
        "Penggilingan padi diizinkan bersyarat: wajib UKL-UPL; 87,5 % tidak tercakup rencana "
        "pola ruang. Kesimpulan campuran: tanpa rencana 87,5 %, B 12,5 %. "
        "Intensitas bangunan: tapak maksimum 250 m², luas lantai maksimum 250 m², "
        "ruang hijau minimum 2.000 m², tinggi maksimum 8 m."
    )
    assert a["summary"]["en"] == (
        "This parcel (20,000 m²): 12.5 % is in PTP (P-1: Food crops), where Rice mill is "
        "permitted with conditions: environmental permit required; 87.5 % is outside every "
        "zoning polygon. Mixed verdict: no plan 87.5 %, B 12.5 %. "
        "Building envelope: footprint at most 250 m², floor area at most 250 m², "
        "green area at least 2,000 m², height at most 8 m."
    )


def test_odd_areas_are_rounded_to_a_hundredth(area: Engine) -> None:
    # 12.3456 m x 100 m = 1,234.56 m² in R-2: KDB 60 %, KLB 1.2, KDH 20 %.
    a = run(area, utm_box(0, 12.3456), kbli="68111")
    env = a["envelope"]
    assert a["area_m2"] == 1234.56
    assert (env["max_footprint_m2"], env["max_floor_area_m2"], env["min_green_area_m2"]) == (
        740.74,  # 740.736
        1481.47,  # 1481.472
        246.91,  # 246.912
    )
    assert "Persil ini (1.234,56 m²)" in a["summary"]["id"]
    assert (
        "tapak maksimum 740,74 m², luas lantai maksimum 1.481,47 m², ruang hijau minimum "
        "246,91 m², tinggi maksimum 12 m" in a["summary"]["id"]
    )
    assert "This parcel (1,234.56 m²)" in a["summary"]["en"]


def test_no_long_decimals_leak_into_an_answer(area: Engine) -> None:
    a = run(area, utm_box(37.1, 263.3, 11.7, 93.9), kbli="10631")
    digits = re.compile(r"\.\d{5,}")
    leaks = []

    def walk(value, path: str) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{path}.{k}")
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, f"{path}[{i}]")
        elif isinstance(value, float) and digits.search(repr(value)):
            leaks.append((path, value))

    walk(a, "answer")
    assert leaks == []
    shares = [z["share"] for z in a["zones"]] + [a["no_plan_share"]]
    assert units(shares) == 10_000
