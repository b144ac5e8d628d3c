"""The zoning check on hand-computable squares (see tests/zoning_fixture.py)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import mapping
from sqlalchemy import Engine

from app.errors import (
    InvalidCRS,
    InvalidGeometry,
    TooLarge,
    TooManyVertices,
    UnknownActivity,
)
from app.services import zoning
from app.services.zoning import BatchItem
from tests.fixtures import X0, Y0
from tests.zoning_fixture import utm_box

NOW = date(2026, 1, 1)


@pytest.fixture
def area(planning_area: Engine) -> Engine:
    """The fixture planning area loaded with its rules."""
    return planning_area


def run(engine: Engine, geom, crs: str = "EPSG:32749", **kw):
    geo = mapping(geom) if not isinstance(geom, dict) else geom
    with engine.connect() as conn:
        return zoning.check(conn, geo, crs, as_of=kw.pop("as_of", NOW), **kw).to_json()


def shares(answer) -> dict[str, float]:
    return {z["code"]: z["share"] for z in answer["zones"]}


def test_parcel_across_two_zones(area: Engine) -> None:
    parcel = utm_box(50, 150)
    a = run(area, parcel, kbli="68111")
    assert a["area_m2"] == pytest.approx(parcel.area, rel=1e-3) == pytest.approx(10_000, rel=1e-3)
    assert shares(a) == pytest.approx({"R-2": 0.5, "K-1": 0.5}, rel=1e-3)
    assert {z["code"]: z["itbx"] for z in a["zones"]} == {"R-2": "I", "K-1": "T"}
    assert a["verdict"] == "mixed"
    assert a["verdict_shares"] == pytest.approx({"I": 0.5, "T": 0.5}, rel=1e-3)
    k1 = next(z for z in a["zones"] if z["code"] == "K-1")
    assert k1["conditions"] == "maksimum 50% luas persil"
    assert (
        k1["legal"]["citation"] == "Perda Uji No. 2 Tahun 2024"
        and k1["legal"]["article"] == "Pasal 11"
    )
    # Envelope: 60 % of 5,000 m2 + 80 % of 5,000 m2; KLB 1.2 and 4.0; KDH 20 % and 10 %.
    env = a["envelope"]
    assert env["max_footprint_m2"] == pytest.approx(0.6 * 5000 + 0.8 * 5000, rel=1e-3)
    assert env["max_floor_area_m2"] == pytest.approx(1.2 * 5000 + 4.0 * 5000, rel=1e-3)
    assert env["min_green_area_m2"] == pytest.approx(0.2 * 5000 + 0.1 * 5000, rel=1e-3)
    assert env["max_height_m"] == 12
    assert [(d["code"], d["share"]) for d in a["admin"]] == [("33.25.11.2001", pytest.approx(1.0))]
    assert "50 %" in a["summary"]["en"] and "R-2" in a["summary"]["id"]


def test_parcel_across_three_zones_with_overlay_and_not_listed(area: Engine) -> None:
    a = run(area, utm_box(50, 250), kbli="10631")
    assert shares(a) == pytest.approx({"K-1": 0.5, "R-2": 0.25, "PTP": 0.25}, rel=1e-3)
    letters = {z["code"]: z["itbx"] for z in a["zones"]}
    assert letters == {"R-2": "X", "K-1": "not_listed", "PTP": "B"}
    # The PTP part (x 200..250) lies wholly in LP2B, which prohibits industry: X.
    assert a["verdict"] == "mixed"
    assert a["verdict_shares"] == pytest.approx({"not_listed": 0.5, "X": 0.5}, rel=1e-3)
    lp2b = a["overlays"][0]
    assert (lp2b["layer"], lp2b["code"]) == ("lp2b", "LP2B")
    assert lp2b["share"] == pytest.approx(0.25, rel=1e-3)
    assert lp2b["rules"][0]["effect"] == "prohibit"
    # Crosses the desa boundary at x = 150: 100 m of 200 m on each side.
    assert {d["code"]: d["share"] for d in a["admin"]} == pytest.approx(
        {"33.25.11.2001": 0.5, "33.25.11.2002": 0.5}, rel=1e-3
    )
    assert next(z for z in a["zones"] if z["code"] == "PTP")["zone_code"] == "P-1"


def test_overlay_forbids(area: Engine) -> None:
    a = run(area, utm_box(205, 245, 10, 90), kbli="10631")
    assert a["verdict"] == "X"
    assert a["zones"][0]["itbx"] == "B" and a["zones"][0]["effective"] == {"X": pytest.approx(1.0)}
    outside_lp2b = run(area, utm_box(260, 290), kbli="10631")
    assert outside_lp2b["verdict"] == "B" and outside_lp2b["overlays"] == []


def test_as_of_picks_the_rule_version(area: Engine) -> None:
    parcel = utm_box(260, 290)
    old = run(area, parcel, kbli="10631", as_of=date(2022, 6, 1))
    new = run(area, parcel, kbli="10631", as_of=date(2024, 1, 1))
    assert (old["verdict"], new["verdict"]) == ("I", "B")
    assert old["zones"][0]["legal"]["citation"] == "Perda Uji No. 1 Tahun 2019"
    assert new["zones"][0]["conditions_en"] == "environmental permit required"


def test_parcel_half_outside_the_plan(area: Engine) -> None:
    a = run(area, utm_box(250, 350), kbli="10631")
    assert shares(a) == pytest.approx({"PTP": 0.5}, rel=1e-3)
    assert a["no_plan_share"] == pytest.approx(0.5, rel=1e-3)
    assert a["verdict"] == "mixed"
    assert a["verdict_shares"] == pytest.approx({"B": 0.5, "no_plan": 0.5}, rel=1e-3)
    assert "outside every zoning polygon" in a["summary"]["en"]


def test_no_plan_inside_the_region(area: Engine) -> None:
    a = run(area, utm_box(500, 600), kbli="68111")
    assert a["verdict"] == "no_plan" and a["zones"] == []
    assert a["admin"][0]["code"] == "33.25.11.2002"
    assert "never" not in a["summary"]["en"]
    assert "cannot be declared permitted" in a["summary"]["en"]
    assert a["no_plan_share"] == 1.0 and a["outside_share"] == 0.0


def test_far_outside_the_region_answers_outside(area: Engine) -> None:
    # Sumatra: no layer of any region there, so `outside`, never a letter (nor a 4xx)
    a = run(area, {"type": "Point", "coordinates": [100.0, -1.0]}, "EPSG:4326", kbli="68111")
    assert a["verdict"] == "outside" and a["verdict_shares"] == {"outside": 1.0}
    assert a["zones"] == [] and a["outside_share"] == 1.0
    assert [w["code"] for w in a["warnings"]] == ["outside"]
    assert "outside every loaded planning area" in a["summary"]["en"]
    assert "di luar semua wilayah perencanaan" in a["summary"]["id"]


def test_point_is_in_one_zone_with_share_one(area: Engine) -> None:
    a = run(area, {"type": "Point", "coordinates": [X0 + 20, Y0 + 50]}, kbli="47111")
    assert [(z["code"], z["share"], z["itbx"]) for z in a["zones"]] == [("R-2", 1.0, "T")]
    assert a["verdict"] == "T" and a["area_m2"] is None
    in_lp2b = run(area, {"type": "Point", "coordinates": [X0 + 220, Y0 + 50]}, kbli="10631")
    assert in_lp2b["verdict"] == "X"


def test_utm_and_wgs84_input_agree(area: Engine) -> None:
    parcel = utm_box(50, 250)
    tr = Transformer.from_crs(32749, 4326, always_xy=True)
    wgs = shapely.transform(parcel, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
    a = run(area, parcel, "EPSG:32749", kbli="10631")
    b = run(area, wgs, "EPSG:4326", kbli="10631")
    assert shares(a) == pytest.approx(shares(b), rel=1e-6)
    assert a["area_m2"] == pytest.approx(b["area_m2"], rel=1e-6)


def test_without_activity_lists_zones_only(area: Engine) -> None:
    a = run(area, utm_box(50, 150))
    assert a["verdict"] is None and a["activity"] is None
    assert {z["itbx"] for z in a["zones"]} == {None}


def test_self_intersecting_parcel_is_repaired_with_a_warning(area: Engine) -> None:
    bowtie = shapely.Polygon(
        [(X0 + 10, Y0 + 10), (X0 + 90, Y0 + 90), (X0 + 90, Y0 + 10), (X0 + 10, Y0 + 90)]
    )
    a = run(area, bowtie, kbli="68111")
    assert a["warnings"] and "repaired" in a["warnings"][0]["en"]
    assert "diperbaiki" in a["warnings"][0]["id"]
    assert a["area_m2"] == pytest.approx(2 * 0.5 * 80 * 40, rel=1e-3)
    with pytest.raises(InvalidGeometry, match="repair is empty"):
        run(
            area,
            {
                "type": "Polygon",
                "coordinates": [[[X0, Y0], [X0 + 1, Y0 + 1], [X0 + 2, Y0 + 2], [X0, Y0]]],
            },
        )


@pytest.mark.parametrize(
    "geometry, crs, error, fragment",
    [
        ({"type": "Polygon", "coordinates": [[1, 2]]}, "EPSG:4326", InvalidGeometry, "malformed"),
        (
            {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
            "EPSG:4326",
            InvalidGeometry,
            "not checked",
        ),
        ({"coordinates": []}, "EPSG:4326", InvalidGeometry, "type"),
        ({"type": "Point", "coordinates": [X0, Y0]}, "EPSG:4326", InvalidGeometry, "EPSG:32749"),
        ({"type": "Point", "coordinates": [109.8, -6.9]}, "EPSG:999999", InvalidCRS, "unknown CRS"),
    ],
)
def test_bad_geometries(area: Engine, geometry, crs, error, fragment) -> None:
    with pytest.raises(error, match=fragment):
        run(area, geometry, crs)


def test_limits(area: Engine) -> None:
    ring = shapely.Point(X0, Y0).buffer(50, quad_segs=3000)
    with pytest.raises(TooManyVertices, match="limit is 10000"):
        run(area, ring)
    with pytest.raises(TooLarge, match="limit is 1,000 ha"):
        run(area, utm_box(0, 3200, 0, 3200))


def test_bad_kbli_suggests_close_codes(area: Engine) -> None:
    with pytest.raises(UnknownActivity, match="five digits") as malformed:
        run(area, utm_box(0, 10), kbli="1061")
    assert [s["kbli"] for s in malformed.value.extra["suggestions"]][:3] == [
        "10611",
        "10612",
        "10613",
    ]
    with pytest.raises(UnknownActivity, match="not a KBLI 2020 code; closest codes: 10631"):
        run(area, utm_box(0, 10), kbli="10630")  # KBLI 2020 has 10631..10636, no 10630
    with pytest.raises(UnknownActivity, match="did you mean minimarket"):
        run(area, utm_box(0, 10), activity="minimarkt")


def test_batch_equals_single_checks(area: Engine) -> None:
    geoms = [
        utm_box(50, 150),
        utm_box(50, 250),
        utm_box(250, 350),
        utm_box(500, 600),
        shapely.Point(X0 + 20, Y0 + 50),
    ]
    items = [
        BatchItem(ref=i, geometry=mapping(g), crs="EPSG:32749", kbli="10631")
        for i, g in enumerate(geoms)
    ]
    items.append(BatchItem(ref="bad", geometry={"type": "Polygon"}, crs="EPSG:32749"))
    with area.connect() as conn:
        results = zoning.check_batch(conn, items, NOW)
    batch = [r.to_json() for r in results[:-1]]
    for item, got in zip(items[:-1], batch, strict=True):
        single = run(area, item.geometry, kbli="10631")
        assert got["verdict"] == single["verdict"]
        assert got["verdict_shares"] == pytest.approx(single["verdict_shares"], rel=1e-9)
        assert shares(got) == pytest.approx(shares(single), rel=1e-9)
        assert got["summary"] == single["summary"]
    assert results[-1].error == "invalid_geometry"
