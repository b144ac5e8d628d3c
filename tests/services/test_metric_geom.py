"""The metric geometry kept at load time (feature.geom_m) and the check that cuts on it."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box, mapping
from sqlalchemy import Engine, text

from app.services import zoning
from tests.fixtures import X0, Y0, write
from tests.zoning_fixture import utm_box


def test_polygons_keep_their_metric_geometry(planning_area: Engine) -> None:
    """geom_m is geom in EPSG:32749 (the region's metric CRS), and area_m2 is its area."""
    with planning_area.connect() as conn:
        rows = conn.execute(
            text(
                """
                SELECT l.name, ST_SRID(f.geom_m) AS srid, f.area_m2, ST_Area(f.geom_m) AS a,
                       ST_HausdorffDistance(ST_Transform(f.geom, 32749), f.geom_m) AS d
                FROM feature f JOIN layer l ON l.current_version_id = f.version_id
                """
            )
        ).all()
    assert {r.name for r in rows} == {"zona", "desa", "lp2b"}
    for r in rows:
        assert r.srid == 32749
        assert r.a == pytest.approx(r.area_m2, rel=1e-9)
        assert r.d < 0.001  # the same shape, to the millimetre
    zona = sorted(r.a for r in rows if r.name == "zona")
    assert zona == pytest.approx([10_000, 10_000, 10_000], rel=1e-9)  # three 100 m squares


def test_lines_keep_none(load, clean: Engine, tmp_path: Path) -> None:
    from shapely.geometry import LineString

    roads = gpd.GeoDataFrame(
        {"name": ["Jalan A"]},
        geometry=[LineString([(X0, Y0), (X0 + 100, Y0)])],
        crs="EPSG:32749",
    )
    assert load(write(roads, tmp_path / "jalan.gpkg"), "jalan", "base").written == 1
    with clean.connect() as conn:
        assert conn.execute(text("SELECT geom_m IS NULL FROM feature")).scalar_one() is True


@pytest.mark.parametrize("how", ["stored", "missing", "other_crs"])
def test_check_same_with_or_without_stored_metric_geometry(planning_area: Engine, how) -> None:
    """Half of a 100 m parcel in R-2 and half in K-1 (hand arithmetic: 5,000 m² each).

    `missing` is a version loaded before geom_m existed, `other_crs` one loaded under another
    metric CRS: both must be re-projected by the check and give the same answer.
    """
    if how != "stored":
        sql = {
            "missing": "UPDATE feature SET geom_m = NULL",
            "other_crs": "UPDATE feature SET geom_m = ST_Transform(geom, 3857)",
        }[how]
        with planning_area.begin() as conn:
            conn.execute(text(sql))
    parcel = utm_box(50, 150)
    with planning_area.connect() as conn:
        a = zoning.check(conn, mapping(parcel), "EPSG:32749", kbli="68111").to_json()
        batch = zoning.check_batch(
            conn, [zoning.BatchItem(ref=1, geometry=mapping(parcel), crs="EPSG:32749")]
        )
    for answer in (a, batch[0].to_json()):
        got = {z["code"]: z["area_m2"] for z in answer["zones"]}
        assert got == pytest.approx({"R-2": 5_000, "K-1": 5_000}, abs=0.01)
    inside = box(X0 + 10, Y0 + 10, X0 + 30, Y0 + 30)  # wholly in R-2: the parcel is its part
    with planning_area.connect() as conn:
        b = zoning.check(conn, mapping(inside), "EPSG:32749").to_json()
    assert [(z["code"], z["area_m2"]) for z in b["zones"]] == [("R-2", pytest.approx(400))]


def test_batch_in_chunks_on_two_connections_equals_one_statement(
    planning_area: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunked, Hilbert-ordered, two-connection batches give exactly the one-by-one answers."""
    from app.settings import zoning_settings

    grid = [
        utm_box(x, x + 30, y, y + 30) for x in range(-40, 320, 45) for y in range(-20, 100, 40)
    ]
    items = [
        zoning.BatchItem(ref=k, geometry=mapping(g), crs="EPSG:32749", kbli="68111")
        for k, g in enumerate(grid)
    ]
    with planning_area.connect() as conn:  # in a transaction: one statement, no helpers
        want = [
            zoning.check(conn, mapping(g), "EPSG:32749", kbli="68111", as_of=None).to_json()
            for g in grid
        ]
    monkeypatch.setattr(zoning_settings(), "batch_chunk", 5)
    monkeypatch.setattr(zoning_settings(), "batch_connections", 2)
    auto = planning_area.connect().execution_options(isolation_level="AUTOCOMMIT")
    with auto as conn:
        results = zoning.check_batch(conn, items)
    assert len(results) == len(grid) > 10
    assert [r.ref for r in results] == list(range(len(grid)))
    got = [r.to_json() for r in results]
    for g, w in zip(got, want, strict=True):
        assert {z["code"]: z["area_m2"] for z in g["zones"]} == {
            z["code"]: z["area_m2"] for z in w["zones"]
        }
        assert (g["verdict"], g["verdict_shares"]) == (w["verdict"], w["verdict_shares"])
        assert g["admin"] == w["admin"] and g["overlays"] == w["overlays"]
