"""Integrity flags of APBD projects on the hand-made planning area (tests/zoning_fixture.py).

Rows are inserted directly; each flag is planted once (some twice, one way each) and clean rows
sit next to them. The expected (project, flag) set is written out by hand from the layout:

    zoning  A R-2 x 0..100 | B K-1 x 100..200 | C P-1 x 200..300 (LP2B x 200..250) | HL x 300..400
            (zones y 0..100; a newer layer holds HL and a river setback strip PS x 280..290)
    desa    33.25.11.2001 x -1000..150 | 33.25.11.2002 x 150..1000 (y -1000..1000)
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from pyproj import Transformer
from sqlalchemy import Connection, Engine, text

from app.errors import RulesError
from app.services import rules
from app.services.projects.flags import refresh_flags, same_name
from app.services.rules.tables import read_rules
from tests.conftest import NO_PROJECTS
from tests.fixtures import X0, Y0, write
from tests.zoning_fixture import RULES, utm_box, write_rules

TODAY = date(2025, 6, 1)
DESA_1, DESA_2 = "33.25.11.2001", "33.25.11.2002"
_TO_LONLAT = Transformer.from_crs(32749, 4326, always_xy=True)

# A lindung zone class (HL) and the sub-activities of the budget mapped onto rule activities.
PROJECT_TYPES = """sub_activity_code,sub_activity,activity
9.99.01.2.01.0001,Pembangunan Penggilingan Padi Desa,penggilingan_padi
9.99.01.2.01.0002,Pembangunan Minimarket Desa,minimarket
"""
FLAG_RULES = {
    "zone_classes.csv": RULES["zone_classes.csv"]
    + "HL,Hutan lindung,Protection forest,lindung,HL,Hutan Lindung,#1E5631\n"
    + "PS,Sempadan sungai,River setback,lindung,PS,Perlindungan Setempat,#3FA796\n",
    "project_types.csv": PROJECT_TYPES,
}


def lonlat(x: float, y: float) -> tuple[float, float]:
    """Return lon/lat of a point given in metres from the fixture's origin (EPSG:32749)."""
    return _TO_LONLAT.transform(X0 + x, Y0 + y)


_INSERT = text(
    """
    INSERT INTO project (year, key, ref, row_hash, name, opd_code, opd_name, source, pagu,
                         realisation, progress, end_date, kbli, sub_activity_code, sub_activity,
                         location_text, given_desa_code, placed_by, match_confidence, geom,
                         desa_code, kecamatan_code)
    VALUES (:year, :key, :ref, :key, :name, :opd_code, :opd_name, :source, :pagu,
            :realisation, :progress, :end_date, :kbli, :sub_activity_code, :sub_activity,
            :location_text, :given_desa_code, :placed_by, :match_confidence,
            CASE WHEN CAST(:wkt AS text) IS NOT NULL THEN ST_GeomFromText(:wkt, 4326)
                 WHEN CAST(:lon AS float8) IS NULL THEN NULL
                 ELSE ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) END,
            :desa_code, :kecamatan_code)
    RETURNING id
    """
)


def insert_project(conn: Connection, key: str, at: tuple[float, float] | None, **kw: Any) -> int:
    """Insert one project row (a point at `at`, metres in the fixture's frame) and return its id."""
    lon, lat = lonlat(*at) if at is not None else (None, None)
    row = {
        "year": 2025,
        "key": key,
        "ref": key,
        "name": f"Kegiatan {key}",
        "opd_code": "1.03.0.00.0.00.01.0000",
        "opd_name": "Dinas PUPR",
        "source": "DAU",
        "pagu": 100_000_000,
        "realisation": 50_000_000,
        "progress": 50,
        "end_date": date(2025, 12, 31),
        "kbli": None,
        "sub_activity_code": None,
        "sub_activity": None,
        "location_text": None,
        "given_desa_code": None,
        "placed_by": "coordinates" if at is not None else None,
        "match_confidence": 1.0 if at is not None else None,
        "desa_code": (DESA_1 if at[0] < 150 else DESA_2) if at is not None else None,
        "kecamatan_code": "33.25.11" if at is not None else None,
        "lon": lon,
        "lat": lat,
        "wkt": None,
        **kw,
    }
    return int(conn.execute(_INSERT, row).scalar_one())


def insert_line(conn: Connection, key: str, xy: list[tuple[float, float]], **kw: Any) -> int:
    """Insert a project placed by a WKT line through `xy` (metres in the fixture's frame)."""
    coords = ", ".join("{} {}".format(*lonlat(x, y)) for x, y in xy)
    return insert_project(conn, key, xy[0], placed_by="wkt", wkt=f"LINESTRING ({coords})", **kw)


# Each planted row: key -> (place in metres or None, columns). Unlisted columns are clean.
PROJECTS: dict[str, tuple[tuple[float, float] | None, dict[str, Any]]] = {
    # clean rows
    "clean-house": ((50, 50), {"kbli": "68111", "given_desa_code": DESA_1}),  # rumah in R-2: I
    "clean-near-desa": ((120, 50), {"given_desa_code": DESA_2}),  # 30 m from 2002: tolerated
    "clean-not-ended": ((130, 60), {"realisation": 10_000_000, "progress": 0}),  # ends 31 Dec
    "clean-desa-placed": ((350, 50), {"placed_by": "desa_code", "match_confidence": 0.6}),
    "clean-rt-01": ((160, 20), {"name": "Rehab Jalan Lingkungan RT 01"}),
    "clean-rt-02": ((190, 20), {"name": "Rehab Jalan Lingkungan RT 02"}),
    # phases of one work, same desa and 7 m apart: not duplicates
    "clean-phase-1": ((165, 70), {"name": "Rehabilitasi Jaringan Irigasi D.I. Gondang"}),
    "clean-phase-2": ((170, 75), {"name": "Rehabilitasi Jaringan Irigasi D.I. Gondang Tahap II"}),
    # budget columns
    "over": ((110, 40), {"pagu": 1_250_000_000, "realisation": 1_300_000_000, "progress": 80}),
    "done-unpaid": ((140, 40), {"pagu": 200_000_000, "realisation": None, "progress": 100}),
    "paid-idle": (
        (105, 80),
        {"realisation": 75_000_000, "progress": 0, "end_date": date(2025, 3, 31)},
    ),
    # places
    "unplaced": (None, {"location_text": "Dukuh Entah Berantah"}),
    "outside-region": ((2000, 50), {}),
    "outside-desa": ((-300, 50), {"given_desa_code": DESA_2}),  # 450 m west of 2002
    # zones and overlays
    "forbidden-kbli": ((270, 50), {"kbli": "47111"}),  # minimarket in P-1: X
    "forbidden-code": ((20, 80), {"sub_activity_code": "9.99.01.2.01.0001"}),  # mill in R-2: X
    "forbidden-name": ((80, 80), {"sub_activity": "pembangunan  PENGGILINGAN padi desa"}),
    "protected-lp2b": ((225, 50), {}),
    "protected-hl": ((350, 50), {}),
    # duplicates: same desa, names equal after normalisation, another OPD
    "dup-a": ((160, 70), {"name": "Rehab. Jalan Desa Proyonanggan", "opd_name": "Dinas PUPR"}),
    "dup-b": ((195, 90), {"name": "REHAB JALAN DESA PROYONANGGAN", "opd_name": "Kecamatan"}),
    # duplicates: 25 m apart (no desa on one), words in another order
    "near-a": ((60, 20), {"name": "Pembangunan Talud Sungai Kali Sambong"}),
    "near-b": ((60, 45), {"name": "Pembangunan Talud Kali Sungai Sambong", "desa_code": None}),
}
EXPECTED = {
    ("over", "over_budget"),
    ("done-unpaid", "done_unpaid"),
    ("paid-idle", "paid_not_started"),
    ("unplaced", "unplaced"),
    ("outside-region", "outside_region"),
    ("outside-desa", "outside_desa"),
    ("forbidden-kbli", "forbidden_zone"),
    ("forbidden-code", "forbidden_zone"),
    ("forbidden-name", "forbidden_zone"),
    ("protected-lp2b", "protected_zone"),
    ("protected-hl", "protected_zone"),
    ("dup-a", "duplicate"),
    ("dup-b", "duplicate"),
    ("near-a", "duplicate"),
    ("near-b", "duplicate"),
}


@pytest.fixture
def flag_area(planning_area_with, loader, tmp_path: Path) -> Engine:
    """The planning area plus a newer zoning layer with an HL (lindung) zone east of C and a
    river setback strip PS x 280..290 over C, and rules with project_types, no project (built
    once for the tests that do not change it)."""
    hl = gpd.GeoDataFrame(
        {"KODSZN": ["HL", "PS"], "NAMSZN": ["D", "E"]},
        geometry=[utm_box(300, 400), utm_box(280, 290)],
        crs="EPSG:32749",
    )

    def add(engine: Engine) -> None:
        loader(write(hl, tmp_path / "lindung" / "zona_lindung.gpkg"), "zona_lindung", "zoning")
        with engine.begin() as conn:
            rules.load_rules(conn, write_rules(tmp_path / "flag_rules", **FLAG_RULES))
            conn.exec_driver_sql("DELETE FROM project")

    return planning_area_with("flags", add, NO_PROJECTS)


def plant(conn: Connection, projects: dict[str, Any] = PROJECTS) -> dict[str, int]:
    """Insert the planted rows; return key -> id."""
    return {key: insert_project(conn, key, at, **kw) for key, (at, kw) in projects.items()}


def flag_rows(conn: Connection) -> list[Any]:
    """Return every flag row with its project's key."""
    return conn.execute(
        text(
            "SELECT p.key, g.flag, o.key AS other, g.reason_id, g.reason_en "
            "FROM project_flag g JOIN project p ON p.id = g.project_id "
            "LEFT JOIN project o ON o.id = g.other_id ORDER BY p.key, g.flag"
        )
    ).all()


def test_each_planted_case_flagged_and_clean_rows_not(flag_area: Engine) -> None:
    with flag_area.begin() as conn:
        plant(conn)
        counts = refresh_flags(conn, 2025, today=TODAY)
        rows = flag_rows(conn)
    assert {(r.key, r.flag) for r in rows} == EXPECTED
    assert len(rows) == len(EXPECTED)
    assert counts == {
        "outside_region": 1,
        "outside_desa": 1,
        "forbidden_zone": 3,
        "protected_zone": 2,
        "duplicate": 4,
        "over_budget": 1,
        "done_unpaid": 1,
        "paid_not_started": 1,
        "unplaced": 1,
    }


def test_reasons_name_the_figures_in_both_languages(flag_area: Engine) -> None:
    with flag_area.begin() as conn:
        plant(conn)
        refresh_flags(conn, 2025, today=TODAY)
        rows = {(r.key, r.flag): r for r in flag_rows(conn)}
    over = rows[("over", "over_budget")]
    assert over.reason_id.startswith("Realisasi Rp 1.300.000.000 melebihi pagu Rp 1.250.000.000")
    assert over.reason_en.startswith(
        "Realisation Rp 1,300,000,000 exceeds the budget ceiling Rp 1,250,000,000"
    )
    assert "Rp 50.000.000" in over.reason_id and "Rp 50,000,000" in over.reason_en
    idle = rows[("paid-idle", "paid_not_started")]
    assert "Rp 75.000.000" in idle.reason_id and "31 Maret 2025" in idle.reason_id
    assert "31 March 2025" in idle.reason_en
    unpaid = rows[("done-unpaid", "done_unpaid")]
    assert "100 %" in unpaid.reason_id and "Rp 200.000.000" in unpaid.reason_id
    # 450 m from x = -300 to the desa 2002 edge at x = 150 (hand arithmetic)
    desa = rows[("outside-desa", "outside_desa")]
    assert "450 m" in desa.reason_id and "Proyonanggan" in desa.reason_id
    assert "tolerance 100 m" in desa.reason_en
    assert "Dukuh Entah Berantah" in rows[("unplaced", "unplaced")].reason_id
    kbli = rows[("forbidden-kbli", "forbidden_zone")]
    assert "Minimarket" in kbli.reason_id and "P-1" in kbli.reason_id and "(X)" in kbli.reason_en
    assert "Perda Uji No. 2 Tahun 2024" in kbli.reason_id
    assert "Penggilingan padi" in rows[("forbidden-name", "forbidden_zone")].reason_id
    assert "lindung HL" in rows[("protected-hl", "protected_zone")].reason_id
    assert "LP2B" in rows[("protected-lp2b", "protected_zone")].reason_en
    outside = rows[("outside-region", "outside_region")]
    assert "wilayah perencanaan" in outside.reason_id


def test_duplicates_name_each_other(flag_area: Engine) -> None:
    with flag_area.begin() as conn:
        plant(conn)
        refresh_flags(conn, 2025, today=TODAY)
        dups = {r.key: r for r in flag_rows(conn) if r.flag == "duplicate"}
    assert {k: r.other for k, r in dups.items()} == {
        "dup-a": "dup-b",
        "dup-b": "dup-a",
        "near-a": "near-b",
        "near-b": "near-a",
    }
    assert "dup-b" in dups["dup-a"].reason_id and "Kecamatan" in dups["dup-a"].reason_id
    assert "dup-a" in dups["dup-b"].reason_en and "same desa" in dups["dup-b"].reason_en
    assert "25 m" in dups["near-a"].reason_en  # 45 - 20 in the UTM frame


def test_refresh_is_per_year_and_replaces_the_old_flags(flag_area: Engine) -> None:
    with flag_area.begin() as conn:
        ids = plant(conn)
        old = insert_project(
            conn, "old-over", (110, 10), year=2024, pagu=10, realisation=20, name="Lama"
        )
        assert refresh_flags(conn, 2024, today=TODAY)["over_budget"] == 1
        refresh_flags(conn, 2025, today=TODAY)
        assert ("old-over", "over_budget") in {(r.key, r.flag) for r in flag_rows(conn)}
        # fix one 2025 row: its flag goes at the next refresh of 2025, 2024 stays
        conn.execute(text("UPDATE project SET realisation = 1 WHERE id = :i"), {"i": ids["over"]})
        refresh_flags(conn, 2025, today=TODAY)
        pairs = {(r.key, r.flag) for r in flag_rows(conn)}
        assert ("over", "over_budget") not in pairs and ("old-over", "over_budget") in pairs
        counts = refresh_flags(conn, None, today=TODAY)
        assert counts["over_budget"] == 1  # only 2024's now
        assert (
            conn.execute(
                text("SELECT count(*) FROM project_flag WHERE project_id = :i"), {"i": old}
            ).scalar_one()
            == 1
        )


def test_same_name_rules() -> None:
    assert same_name("Rehab. Jalan Desa", "REHAB JALAN  DESA")
    assert same_name("Talud Sungai Kali Sambong", "Talud Kali Sungai Sambong")
    assert same_name("Rehabilitasi Jalan Desa Kalisalak", "Rehabilitasi Jlan Desa Kalisalak")
    assert same_name(
        "Rehabilitasi Jaringan Irigasi D.I. Gondang", "rehabilitasi jaringan irigasi di gondang"
    )
    assert not same_name("Rehab Jalan RT 01", "Rehab Jalan RT 02")
    assert not same_name("Pengadaan Lampu Jalan", "Rehab Jalan Desa")
    assert not same_name("", "")
    # phases: Roman numerals, "Tahap ke-N", "Paket N", number words, "(Lanjutan)"
    irigasi = "Rehabilitasi Jaringan Irigasi D.I. Gondang"
    assert not same_name(irigasi, irigasi + " Tahap II")
    assert not same_name(irigasi + " Tahap II", irigasi + " Tahap III")
    assert not same_name(irigasi + " Tahap I", irigasi + " Tahap XX")
    assert not same_name(irigasi, irigasi + " Tahap ke-2")
    assert not same_name(irigasi + " Paket 1", irigasi + " Paket 2")
    assert not same_name(irigasi + " Tahap Pertama", irigasi + " Tahap Kedua")
    assert not same_name(irigasi, irigasi + " (Lanjutan)")
    assert same_name(irigasi + " Tahap II", irigasi + " tahap 2")
    assert same_name(irigasi + " (Lanjutan)", "Lanjutan " + irigasi)


# Lines (WKT roads) in the flag area, y = 60; the newer zoning layer governs where it lies.
MILL = {"sub_activity_code": "9.99.01.2.01.0001"}  # a rice mill: X in R-2
LINES: dict[str, tuple[list[tuple[float, float]], dict[str, Any]]] = {
    # 40 m over C, 10 m of it across the PS strip (a bridge): 25 % in lindung, not flagged
    "road-bridge": ([(255, 60), (295, 60)], {}),
    # 100 m: PS 280..290 (10 m) and HL 300..360 (60 m) = 70 % in lindung: flagged
    "road-mostly-hl": ([(260, 60), (360, 60)], {}),
    # 100 m: 40 m in HL 360..400, 60 m east of every zone: 40 %, not flagged
    "road-edge-hl": ([(360, 40), (460, 40)], {}),
    # a mill's conveyor line: 80 m, all in R-2: forbidden; 100 m with 40 m in R-2: not
    "mill-in-r2": ([(10, 30), (90, 30)], MILL),
    "mill-across": ([(60, 30), (160, 30)], MILL),
}


def test_lines_judged_by_the_zone_holding_most_of_their_length(flag_area: Engine) -> None:
    with flag_area.begin() as conn:
        for key, (xy, kw) in LINES.items():
            insert_line(conn, key, xy, **kw)
        counts = refresh_flags(conn, 2025, today=TODAY)
        rows = flag_rows(conn)
    assert [(r.key, r.flag) for r in rows] == [
        ("mill-in-r2", "forbidden_zone"),
        ("road-mostly-hl", "protected_zone"),
    ]
    assert counts["protected_zone"] == 1 and counts["forbidden_zone"] == 1
    mill = rows[0]
    assert mill.reason_en.startswith(
        "More than half of the project's length (100 %) lies in zones that do not allow it: "
        "the activity “"
    )
    assert "R-2" in mill.reason_id and "(X)" in mill.reason_id
    reason = rows[1]
    assert reason.reason_en.startswith("More than half of the project's length (70 %) lies in")
    assert "lindung PS" in reason.reason_id and "lindung HL" in reason.reason_id
    assert reason.reason_id.startswith("Lebih dari separuh panjang kegiatan (70 %) berada di")


def test_project_types_validated_and_read_into_the_rule_book(tmp_path: Path) -> None:
    bad = PROJECT_TYPES + ",Pembangunan Gudang,gudang_tak_ada\n,,minimarket\n"
    with pytest.raises(RulesError) as err:
        read_rules(write_rules(tmp_path / "bad", **{**FLAG_RULES, "project_types.csv": bad}))
    message = str(err.value)
    assert "project_types.csv:4: unknown activity 'gudang_tak_ada'" in message
    assert "project_types.csv:5: name the sub-activity" in message
    twice = PROJECT_TYPES + "9.99.01.2.01.0001,,minimarket\n"
    with pytest.raises(RulesError, match="project_types.csv:4: sub_activity_code"):
        read_rules(write_rules(tmp_path / "twice", **{**FLAG_RULES, "project_types.csv": twice}))
    tables = read_rules(write_rules(tmp_path / "good", **FLAG_RULES))
    assert tables.counts()["project_type"] == 2
    assert read_rules(write_rules(tmp_path / "none")).counts()["project_type"] == 0


def test_rule_book_maps_sub_activities(flag_area: Engine) -> None:
    from app.services.rules.book import RuleBooks

    with flag_area.connect() as conn:
        book = RuleBooks().current(conn)
    assert book is not None and len(book.project_types) == 2
    assert book.project_activity("9.99.01.2.01.0002", None) == "minimarket"
    assert book.project_activity(None, " Pembangunan minimarket  DESA") == "minimarket"
    assert book.project_activity("0.00", "Pembangunan Penggilingan Padi Desa") == (
        "penggilingan_padi"
    )
    assert book.project_activity("0.00", "Jembatan") is None


def test_demo_pack_project_types_load(clean: Engine, demo_pack: Path) -> None:
    with clean.begin() as conn:
        loaded = rules.load_rules(conn, demo_pack)
    assert loaded["counts"]["project_type"] >= 10


def test_forbidden_flags_say_what_the_check_says(flag_area: Engine) -> None:
    """One judge: a point project is flagged forbidden_zone exactly where POST /zoning/check
    (same place, same KBLI) answers X, over a grid of points and every activity's KBLI."""
    from app.services import zoning

    kblis = ["68111", "47111", "10631"]
    points = [(x, y) for x in range(10, 400, 40) for y in (25, 75)]
    with flag_area.begin() as conn:
        ids = {
            insert_project(conn, f"p{x}-{y}-{k}", (x, y), kbli=k, name=f"Proyek {x} {y} {k}"): (
                x, y, k
            )
            for x, y in points
            for k in kblis
        }  # fmt: skip
        refresh_flags(conn, 2025, today=TODAY)
        flagged = {
            r.project_id
            for r in conn.execute(
                text("SELECT project_id FROM project_flag WHERE flag = 'forbidden_zone'")
            )
        }
    with flag_area.connect() as conn:
        said_x = {
            pid
            for pid, (x, y, k) in ids.items()
            if zoning.check_point(conn, *lonlat(x, y), kbli=k, as_of=TODAY).verdict == "X"
        }
    assert said_x, "the grid meets some X"  # R-2/K-1/P-1 and LP2B give X for some activities
    assert flagged == said_x
