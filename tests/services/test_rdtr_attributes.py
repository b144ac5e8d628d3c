"""An RDTR database as Permen ATR/BPN 14/2021 writes it: suffixed field names, per-polygon
intensity (KDB, KLB, KDH, TB, ...) and the overlays as attributes (KKOP_1, LP2B_2, ...).

Layout in EPSG:32749 (x from X0, y 0..100, metres), written to GeoJSON in EPSG:4326:
    A  R-2  x   0..100  KDB "60 %", KLB "1,2", KDH "0,2", TB "15 m"; KKOP_1 set, LP2B_2 "Tidak Ada"
    B  K-1  x 100..200  KDB 80, KLB "4", KDH free text;             KKOP_1 "Tidak Ada", KRB_03 "-"
    C  P-1  x 200..300  no intensity (the table's);                  KKOP_1 "None", LP2B_2 "LP2B"
Intensity table (tests/zoning_fixture.py): R-2 60/1.2/20 h12, K-1 80/4/10 h32, P-1 10/0.1/80 h8.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, mapping
from sqlalchemy import Engine, text

from app.errors import RulesError
from app.services import rules, zoning
from app.services.rules.tables import read_rules
from app.services.zoning.attributes import overlay_attributes, parse_value, polygon_intensity
from tests.fixtures import X0, Y0, write
from tests.zoning_fixture import RULES, utm_box, write_rules

NOW = date(2026, 1, 1)
KKOP = "Kawasan Pendekatan dan Lepas Landas"

RDTR_ROWS = [
    {
        "KODSZN_1": "R-2",
        "NAMSZN_1": "Perumahan kepadatan tinggi",
        "KODZON_1": "R",
        "NAMZON_1": "Perumahan",
        "KDB": "60 %",
        "KLB": "1,2",
        "KDH": "0,2",
        "TB": "15 m",
        "KKOP_1": KKOP,
        "LP2B_2": "Tidak Ada",
        "KRB_03": "",
        "geometry": utm_box(0, 100),
    },
    {
        "KODSZN_1": "K-1",
        "NAMSZN_1": "Perdagangan dan jasa skala kota",
        "KODZON_1": "K",
        "NAMZON_1": "Perdagangan dan Jasa",
        "KDB": "80",
        "KLB": "4",
        "KDH": "Sesuai ketentuan PBG",
        "TB": None,
        "KKOP_1": "Tidak Ada",
        "LP2B_2": None,
        "KRB_03": "-",
        "geometry": utm_box(100, 200),
    },
    {
        "KODSZN_1": "P-1",
        "NAMSZN_1": "Tanaman pangan",
        "KODZON_1": "P",
        "NAMZON_1": "Pertanian",
        "KDB": None,
        "KLB": None,
        "KDH": None,
        "TB": None,
        "KKOP_1": "None",
        "LP2B_2": "LP2B",
        "KRB_03": "",
        "geometry": utm_box(200, 300),
    },
]

# Rules on the attributes: LP2B_2 = LP2B on any zoning layer prohibits housing, trade and
# industry; any KKOP_1 value on the `rdtr` layer makes every activity at least B.
ATTRIBUTE_RULES = RULES["overlay_rules.csv"] + (
    "*.LP2B,LP2B,prohibit,X,,perumahan;perdagangan;industri,Tidak boleh dialihfungsikan,"
    "No conversion allowed,perda-baru,Pasal 30,2024-01-01,\n"
    "rdtr.KKOP_1,*,restrict,B,*,,Ketinggian dibatasi KKOP,Height limited by KKOP,"
    "perda-baru,Pasal 32,2024-01-01,\n"
)


@pytest.fixture
def rdtr(load, clean: Engine, tmp_path: Path) -> Engine:
    """The RDTR GeoJSON loaded with no field map, and the fixture rules with attribute rules."""
    gdf = gpd.GeoDataFrame(RDTR_ROWS, crs="EPSG:32749").to_crs(4326)
    report = load(write(gdf, tmp_path / "rdtr.geojson"), "rdtr", "zoning")
    assert report.field_map == {"code": "KODSZN_1", "name": "NAMSZN_1"}
    with clean.begin() as conn:
        rules.load_rules(
            conn, write_rules(tmp_path / "rules", **{"overlay_rules.csv": ATTRIBUTE_RULES})
        )
    return clean


def run(engine: Engine, geom, **kw):
    with engine.connect() as conn:
        return zoning.check(conn, mapping(geom), "EPSG:32749", as_of=NOW, **kw).to_json()


def part(answer, code: str):
    return next(p for p in answer["envelope"]["parts"] if p["code"] == code)


def test_values_parse_the_way_rdtr_tables_write_them() -> None:
    for value in ("60 %", "60", "0,6", "60%", "0.6", 60, 0.6, " 60 persen "):
        assert parse_value(value, "percent") == pytest.approx(60), value
    assert parse_value("1,2", "ratio") == pytest.approx(1.2)
    assert parse_value("12 m", "metres") == 12 and parse_value("4 lantai", "floors") == 4
    for none in ("Tidak Ada", "None", "-", "", None, "  "):
        assert parse_value(none, "percent") is None
    assert parse_value("Maks. 4 lantai", "floors") == "Maks. 4 lantai"
    assert parse_value("120 %", "percent") == "120 %"
    values, fields = polygon_intensity({"kdb_1": "70%", "JLB": "4", "KLB": "Tidak Ada"})
    assert values == {"kdb_max_pct": 70, "floors_max": 4} and fields["kdb_max_pct"] == "kdb_1"
    assert overlay_attributes(
        {"KKOP_1": "Ada", "LP2B_2": "Tidak Ada", "krb_03": "KRB Tinggi", "TOD_04": None}
    ) == [("KKOP_1", "Ada"), ("krb_03", "KRB Tinggi")]


def test_rdtr_loads_without_map_and_keeps_its_codes(rdtr: Engine) -> None:
    with rdtr.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT f.code, f.name FROM feature f JOIN layer l "
                "ON f.version_id = l.current_version_id WHERE l.name = 'rdtr' ORDER BY f.fid"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("R-2", "Perumahan kepadatan tinggi"),
        ("K-1", "Perdagangan dan jasa skala kota"),
        ("P-1", "Tanaman pangan"),
    ]


def test_polygon_intensity_attribute_overlays_and_their_rules(rdtr: Engine) -> None:
    a = run(rdtr, utm_box(50, 250), kbli="68111")  # 200 x 100 m: 5,000 / 10,000 / 5,000 m2
    assert {z["code"]: z["share"] for z in a["zones"]} == pytest.approx(
        {"R-2": 0.25, "K-1": 0.5, "P-1": 0.25}, rel=1e-3
    )
    # Overlays from the attributes; "Tidak Ada", "None", "-", empty and null are none.
    hits = {(o["layer"], o["attribute"], o["code"]): o for o in a["overlays"]}
    assert set(hits) == {("rdtr", "KKOP_1", KKOP), ("rdtr", "LP2B_2", "LP2B")}
    kkop, lp2b = hits[("rdtr", "KKOP_1", KKOP)], hits[("rdtr", "LP2B_2", "LP2B")]
    assert kkop["share"] == pytest.approx(0.25, rel=1e-3)
    assert kkop["area_m2"] == pytest.approx(5000, rel=1e-3)
    assert lp2b["share"] == pytest.approx(0.25, rel=1e-3)
    assert [(r["effect"], r["itbx"]) for r in kkop["rules"]] == [("restrict", "B")]
    assert [(r["effect"], r["itbx"]) for r in lp2b["rules"]] == [("prohibit", "X")]
    # rumah: R-2 I but under KKOP at least B; K-1 T; P-1 X (and LP2B prohibits it).
    effective = {z["code"]: z["effective"] for z in a["zones"]}
    assert effective["R-2"] == pytest.approx({"B": 0.25}, rel=1e-3)
    assert a["verdict"] == "mixed"
    assert a["verdict_shares"] == pytest.approx({"T": 0.5, "B": 0.25, "X": 0.25}, rel=1e-3)
    assert "KKOP_1" in a["summary"]["id"] and "Height limited by KKOP" in a["summary"]["en"]

    # Envelope by hand: the polygon's KDB 60 %, KLB 1.2, KDH 20 % on R-2's 5,000 m2; K-1's
    # KDB 80 and KLB 4 on 10,000 m2 with its KDH free text; P-1 from the table (10 / 0.1 / 80).
    env = a["envelope"]
    r2, k1, p1 = part(a, "R-2"), part(a, "K-1"), part(a, "P-1")
    assert (r2["kdb_max_pct"], r2["klb_max"], r2["kdh_min_pct"]) == pytest.approx((60, 1.2, 20))
    assert r2["max_footprint_m2"] == pytest.approx(3000, rel=1e-3)
    assert r2["max_floor_area_m2"] == pytest.approx(6000, rel=1e-3)
    assert r2["min_green_area_m2"] == pytest.approx(1000, rel=1e-3)
    assert r2["height_max_m"] == 15 and r2["floors_max"] == 3  # TB from the polygon, floors table
    assert r2["sources"] == {
        "kdb_max_pct": "polygon",
        "klb_max": "polygon",
        "kdh_min_pct": "polygon",
        "height_max_m": "polygon",
        "floors_max": "table",
        "gsb_m": "table",
    }
    assert k1["kdh_min_pct"] == "Sesuai ketentuan PBG" and k1["min_green_area_m2"] is None
    assert k1["max_footprint_m2"] == pytest.approx(8000, rel=1e-3)
    assert k1["max_floor_area_m2"] == pytest.approx(40_000, rel=1e-3)
    assert k1["sources"]["kdh_min_pct"] == "polygon" and k1["sources"]["height_max_m"] == "table"
    assert set(p1["sources"].values()) == {"table"}
    assert p1["max_footprint_m2"] == pytest.approx(500, rel=1e-3)
    assert env["max_footprint_m2"] == pytest.approx(3000 + 8000 + 500, rel=1e-3)
    assert env["max_floor_area_m2"] == pytest.approx(6000 + 40_000 + 500, rel=1e-3)
    assert env["min_green_area_m2"] is None  # K-1's KDH is text
    assert env["max_height_m"] == 8  # min(15 polygon, 32 table, 8 table)
    assert any("KDH" in w and "Sesuai ketentuan PBG" in w for w in (x["en"] for x in a["warnings"]))


def test_one_square_of_the_rdtr_by_hand(rdtr: Engine) -> None:
    a = run(rdtr, utm_box(0, 100))  # exactly polygon A: 10,000 m2
    env = a["envelope"]
    assert env["max_footprint_m2"] == pytest.approx(6000, rel=1e-3)  # KDB 60 % x 10,000 m2
    assert env["max_floor_area_m2"] == pytest.approx(12_000, rel=1e-3)  # KLB 1.2
    assert env["min_green_area_m2"] == pytest.approx(2000, rel=1e-3)  # KDH 0,2 = 20 %
    assert [o["attribute"] for o in a["overlays"]] == ["KKOP_1"]
    assert a["overlays"][0]["share"] == pytest.approx(1.0, rel=1e-3)


def test_a_point_reads_the_polygon_attributes(rdtr: Engine) -> None:
    a = run(rdtr, Point(X0 + 250, Y0 + 50), kbli="68111")
    assert [z["code"] for z in a["zones"]] == ["P-1"]
    assert [(o["attribute"], o["code"], o["share"]) for o in a["overlays"]] == [
        ("LP2B_2", "LP2B", 1.0)
    ]
    assert a["verdict"] == "X"


def test_attribute_overlays_through_the_api(rdtr: Engine, client) -> None:
    box = utm_box(50, 150)
    r = client.post(
        "/zoning/check", json={"geometry": mapping(box), "crs": "EPSG:32749", "kbli": "68111"}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(o["attribute"], o["code"]) for o in body["overlays"]] == [("KKOP_1", KKOP)]
    assert body["envelope"]["parts"][0]["sources"]["kdb_max_pct"] == "polygon"


AREA_CLASSES = (
    (
        "zone,kdb_max,klb_max,klb_min,kdh_min,ktb_max,height_max_m,floors_max,gsb_m,"
        "source,article,valid_from,valid_to,min_area_m2,max_area_m2\n"
    )
    + """R-2,80,1.6,,10,,12,3,2,perda-baru,Pasal 20,2024-01-01,,40,100
R-2,70,1.4,,15,,12,3,3,perda-baru,Pasal 20,2024-01-01,,101,1000
R-2,50,1.0,,30,,12,3,4,perda-baru,Pasal 20,2024-01-01,,1001,
K-1,80,4,,10,,32,8,6,perda-baru,Pasal 21,2024-01-01,,,
P-1,10,0.1,,80,,8,1,10,perda-baru,Pasal 22,2024-01-01,,,
"""
)


def test_intensity_by_parcel_area_class(planning_area: Engine, tmp_path: Path) -> None:
    with planning_area.begin() as conn:
        rules.load_rules(conn, write_rules(tmp_path / "classes", **{"intensity.csv": AREA_CLASSES}))
    small = run(planning_area, utm_box(10, 18, 10, 20))  # 8 x 10 m = 80 m2: class 40-100
    assert small["envelope"]["max_footprint_m2"] == pytest.approx(0.8 * 80, rel=1e-3)
    assert part(small, "R-2")["area_class_m2"] == [40, 100]
    middle = run(planning_area, utm_box(10, 30, 10, 30))  # 400 m2: class 101-1000
    assert middle["envelope"]["max_footprint_m2"] == pytest.approx(0.7 * 400, rel=1e-3)
    large = run(planning_area, utm_box(10, 60, 10, 60))  # 2,500 m2: class from 1001
    assert large["envelope"]["max_footprint_m2"] == pytest.approx(0.5 * 2500, rel=1e-3)
    assert large["envelope"]["min_green_area_m2"] == pytest.approx(0.3 * 2500, rel=1e-3)
    # A parcel just above a class's whole-m2 bound stays in it (100.4 m2 is in 40-100).
    edge = run(planning_area, utm_box(10, 20.04, 10, 20))
    assert edge["envelope"]["max_footprint_m2"] == pytest.approx(0.8 * 100.4, rel=1e-3)
    # English summary: the pack's English sub-zone and activity names.
    a = run(planning_area, utm_box(10, 60, 10, 60), kbli="68111")
    assert "High-density housing" in a["summary"]["en"]
    assert "Detached house" in a["summary"]["en"]
    assert "R-2 (Perumahan kepadatan tinggi)" in a["summary"]["id"]


def test_overlapping_area_classes_are_refused(tmp_path: Path) -> None:
    overlapping = AREA_CLASSES.replace(",,101,1000", ",,100,1000")
    with pytest.raises(RulesError, match="intensity of R-2: area classes"):
        read_rules(write_rules(tmp_path / "bad", **{"intensity.csv": overlapping}))
    inverted = AREA_CLASSES.replace(",,101,1000", ",,1000,101")
    with pytest.raises(RulesError, match="min_area_m2 is above max_area_m2"):
        read_rules(write_rules(tmp_path / "bad2", **{"intensity.csv": inverted}))


def test_a_batch_row_names_the_attribute_overlays(rdtr: Engine) -> None:
    item = zoning.BatchItem(ref="p1", geometry=mapping(utm_box(50, 250)), crs="EPSG:32749")
    with rdtr.connect() as conn:
        [answer] = zoning.check_batch(conn, [item], NOW)
    row = zoning.flat_row(answer)
    assert f"KKOP_1={KKOP}" in row["overlays"] and "LP2B_2=LP2B" in row["overlays"]
    assert row["max_footprint_m2"] == pytest.approx(3000 + 8000 + 500, rel=1e-3)
