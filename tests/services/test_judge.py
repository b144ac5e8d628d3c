"""The judge's rules, each pinned so that changing it on purpose fails a test.

Expectations are written by hand from the rules as the Perda states them (I < T < B < TB < X;
a prohibition is X whatever its `itbx` column says; an RDTR governs over the RTRW), not read
from app/services/zoning/judge.py.
"""

from __future__ import annotations

from datetime import date
from itertools import combinations
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import mapping
from sqlalchemy import Engine

from app.l10n import Text
from app.services import zoning
from app.services.zoning import judge
from app.services.zoning.answer import Because
from tests.fixtures import write
from tests.zoning_fixture import utm_box

# From the most lenient to the strictest, as the ITBX matrix reads them.
ORDER = ["I", "T", "B", "TB", "X"]
NOW = date(2026, 1, 1)


def _because(letter: str) -> Because:
    text = Text("aturan uji", "test rule")
    return Because("overlay", "uji", None, "U", letter, "restrict", text, text)


@pytest.mark.parametrize(("lenient", "strict"), list(combinations(ORDER, 2)))
def test_a_stricter_letter_overrides_and_a_more_lenient_one_does_not(
    lenient: str, strict: str
) -> None:
    assert judge.overrides(strict, lenient)
    assert not judge.overrides(lenient, strict)
    assert not judge.overrides(lenient, lenient)
    assert judge.strictest_first([lenient, strict]) == [strict, lenient]


def test_not_listed_only_becomes_x() -> None:
    assert judge.overrides("X", "not_listed")
    assert not any(judge.overrides(letter, "not_listed") for letter in ORDER[:-1])


@pytest.mark.parametrize(("lenient", "strict"), list(combinations(ORDER, 2)))
def test_a_part_is_cut_by_the_stricter_rule_only(lenient: str, strict: str) -> None:
    # a 100 x 100 m zone part; a rule over its west half (hand arithmetic: 5,000 m2 each)
    part = shapely.box(0, 0, 100, 100)
    west = shapely.box(0, 0, 50, 100)
    cut = judge.cut_by_rules(
        lenient, part, 10_000.0, [judge.Restriction(strict, west, _because(strict))], 0.01
    )
    assert cut.areas == pytest.approx({strict: 5_000.0, lenient: 5_000.0})
    assert [b.itbx for b in cut.because] == [strict]
    # the other way round the rule changes nothing
    kept = judge.cut_by_rules(
        strict, part, 10_000.0, [judge.Restriction(lenient, west, _because(lenient))], 0.01
    )
    assert kept.areas == {strict: 10_000.0} and kept.because == []


def test_the_strictest_of_overlapping_rules_holds_their_overlap() -> None:
    part = shapely.box(0, 0, 100, 100)
    b_west = judge.Restriction("B", shapely.box(0, 0, 60, 100), _because("B"))
    x_middle = judge.Restriction("X", shapely.box(40, 0, 80, 100), _because("X"))
    cut = judge.cut_by_rules("I", part, 10_000.0, [b_west, x_middle], 0.01)
    # X x 40..80 (4,000), B x 0..40 (4,000), I x 80..100 (2,000)
    assert cut.areas == pytest.approx({"X": 4_000.0, "B": 4_000.0, "I": 2_000.0})
    at_point = judge.cut_by_rules("I", None, 1.0, [b_west, x_middle], 0.01)
    assert at_point.areas == {"X": 1.0}


def test_a_sliver_stays_with_the_part_it_lies_in() -> None:
    part = shapely.box(0, 0, 100, 100)
    sliver = judge.Restriction("X", shapely.box(0, 0, 0.001, 1), _because("X"))  # 0.001 m2
    cut = judge.cut_by_rules("I", part, 10_000.0, [sliver], 0.01)
    assert cut.areas == {"I": 10_000.0}  # merged, not dropped: the areas still add up


@pytest.mark.parametrize("itbx", ["I", "T", "B", "TB", "X", "", None])
def test_prohibit_is_x_whatever_its_itbx_column_says(itbx: str | None) -> None:
    assert judge.rule_letter({"effect": "prohibit", "itbx": itbx}) == "X"
    assert judge.rule_letter({"effect": "note", "itbx": itbx}) is None


def test_restrict_sets_its_own_letter() -> None:
    assert [judge.rule_letter({"effect": "restrict", "itbx": x}) for x in ORDER] == ORDER


def test_verdict_shares_add_up_to_one_and_zero_shares_are_not_mixed() -> None:
    # the parcel: 750,514.23 m2 X and 0.19 m2 nothing covers -> X, not `mixed`
    assert judge.verdict_of({"X": 750_514.23, "no_plan": 0.19}) == ("X", {"X": 1.0})
    # thirds: 3,334 + 3,333 + 3,333 ten-thousandths (largest remainder)
    verdict, shares = judge.verdict_of({"I": 1.0, "B": 1.0, "X": 1.0})
    assert verdict == "mixed" and sorted(shares.values()) == [0.3333, 0.3333, 0.3334]
    assert sum(round(v * 10_000) for v in shares.values()) == 10_000
    # 1/16 is 0.0625 exactly: no rounding at all
    assert judge.verdict_of({"T": 15.0, "B": 1.0}) == ("mixed", {"T": 0.9375, "B": 0.0625})
    assert judge.verdict_of({}) == (None, {})


def _rdtr(tmp_path: Path) -> Path:
    gdf = gpd.GeoDataFrame(
        {"KODSZN": ["K-1"], "NAMSZN": ["rdtr"]}, geometry=[utm_box(0, 100)], crs="EPSG:32749"
    )
    return write(gdf, tmp_path / "rdtr.gpkg")


def test_rdtr_governs_over_the_rtrw_where_it_lies(
    planning_area: Engine, loader, tmp_path
) -> None:
    # zona (RTRW) has R-2 at x 0..100; an RDTR puts K-1 there. A detached house (68111) is I in
    # R-2 and T in K-1 (tests/zoning_fixture.py), so the RDTR must answer: T, never I.
    loader(_rdtr(tmp_path), "rdtr", "zoning", plan="rdtr")
    with planning_area.connect() as conn:
        a = zoning.check(conn, mapping(utm_box(20, 80)), "EPSG:32749", kbli="68111", as_of=NOW)
    assert [(z.code, z.plan, z.itbx) for z in a.zones] == [("K-1", "rdtr", "T")]
    assert a.verdict == "T"


def test_a_prohibiting_overlay_rule_is_x_even_when_its_itbx_says_b(
    planning_area: Engine,
) -> None:
    # The loader writes X for a prohibit rule (its itbx empty or X); a rule set stored by
    # other means may say otherwise: the judge still reads prohibit as X.
    from sqlalchemy import text

    from app.services.rules.book import process_rulebooks

    with planning_area.begin() as conn:
        changed = conn.execute(
            text("UPDATE overlay_rule SET itbx = 'B' WHERE effect = 'prohibit'")
        ).rowcount
    assert changed == 1  # the fixture's LP2B rule for housing, trade and industry
    process_rulebooks().clear()
    try:
        with planning_area.connect() as conn:
            # a rice mill in C (PTP = P-1: B in the matrix), x 200..250 under LP2B
            a = zoning.check(
                conn, mapping(utm_box(200, 250)), "EPSG:32749", kbli="10631", as_of=NOW
            )
    finally:
        process_rulebooks().clear()
    (zone,) = a.zones
    assert zone.itbx == "B" and zone.effective == {"X": 1.0}
    assert [b.itbx for b in zone.because] == ["X"] and a.verdict == "X"
