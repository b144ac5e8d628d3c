"""Shares and areas against an independent shapely computation in EPSG:32749.

On the demo region, and on the real Batang desa boundaries of ../shared/data (when present),
random parcels are checked by the service and, separately, intersected with the source files
by shapely; zone codes (above the 0.01 m2 sliver threshold) must be the same and areas agree
to 0.1 %.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import mapping
from sqlalchemy import Engine

from app.services import zoning
from app.services.zoning import BatchItem
from app.services.zoning.answer import Answer
from tests.conftest import shared_file

SLIVER = 0.01


def random_parcels(land: shapely.Geometry, n: int, seed: int) -> list[shapely.Geometry]:
    """Return n rotated rectangles (20-400 m sides) whose centres lie on the land (EPSG:32749)."""
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = land.bounds
    out: list[shapely.Geometry] = []
    while len(out) < n:
        c = shapely.Point(rng.uniform(x0, x1), rng.uniform(y0, y1))
        if not land.contains(c):
            continue
        w, h = rng.uniform(20, 400, 2)
        rect = shapely.box(c.x - w / 2, c.y - h / 2, c.x + w / 2, c.y + h / 2)
        out.append(shapely.affinity.rotate(rect, rng.uniform(0, 90), origin=c))
    return out


def expected_shares(
    parcel, polys: gpd.GeoDataFrame, key: str, tiled: bool = False
) -> dict[str, float]:
    """Return {code: area m2} of the parcel's overlap with each code, by shapely alone.

    `tiled`: where the layer's polygons overlap, the first in file order (fid) holds the
    overlap (a zoning layer tiles the parcel: each place in one zone).
    """
    hits = polys.iloc[sorted(polys.sindex.query(parcel, predicate="intersects"))]
    areas: dict[str, list] = defaultdict(list)
    covered = shapely.Polygon()
    for code, geom in zip(hits[key], hits.geometry, strict=True):
        piece = shapely.intersection(geom, parcel)
        if tiled:
            piece, covered = shapely.difference(piece, covered), shapely.union(covered, piece)
        areas[code].append(piece)
    merged = {code: shapely.union_all(parts).area for code, parts in areas.items()}
    return {code: a for code, a in merged.items() if a >= SLIVER}


def check_all(engine: Engine, parcels) -> list[dict]:
    items = [BatchItem(ref=i, geometry=mapping(p), crs="EPSG:32749") for i, p in enumerate(parcels)]
    with engine.connect() as conn:
        results = zoning.check_batch(conn, items)
    return [r.to_json() if isinstance(r, Answer) else {"error": r.error} for r in results]


def assert_agree(got: dict[str, float], want: dict[str, float]) -> None:
    assert set(got) == set(want)
    for code, area in want.items():
        # the service rounds m² to 0.01 so that the parts add up to the parcel (largest
        # remainder): each part is off by less than one unit of 0.01
        assert got[code] == pytest.approx(area, rel=1e-3, abs=0.01), code


@pytest.fixture
def demo(demo_catalog: Engine) -> Engine:
    return demo_catalog


def test_demo_region_shares_match_shapely(demo: Engine, demo_pack: Path) -> None:
    zones = gpd.read_file(demo_pack / "data" / "pola_ruang.gpkg")
    assert zones.crs.to_epsg() == 32749
    land = gpd.read_file(demo_pack / "data" / "kabupaten.geojson").to_crs(32749).geometry.iloc[0]
    parcels = random_parcels(land, 60, seed=7)
    answers = check_all(demo, parcels)
    for parcel, a in zip(parcels, answers, strict=True):
        assert "error" not in a, a
        assert a["area_m2"] == pytest.approx(parcel.area, rel=1e-3)
        got = {z["code"]: z["area_m2"] for z in a["zones"]}
        assert_agree(got, expected_shares(parcel, zones, "KODSZN", tiled=True))
        for z in a["zones"]:
            # shares are rounded to 4 decimals (largest remainder: off by at most 0.0001)
            assert z["share"] == pytest.approx(z["area_m2"] / parcel.area, rel=1e-3, abs=1e-4)


def test_demo_single_check_with_kbli(demo: Engine, demo_pack: Path) -> None:
    land = gpd.read_file(demo_pack / "data" / "kabupaten.geojson").to_crs(32749).geometry.iloc[0]
    parcel = random_parcels(land, 1, seed=11)[0]
    with demo.connect() as conn:
        a = zoning.check(conn, mapping(parcel), "EPSG:32749", kbli="10631").to_json()
    assert a["activity"]["id"] == "penggilingan_padi"
    assert a["verdict"] in ("I", "T", "B", "X", "TB", "mixed", "not_listed", "no_plan")
    assert sum(a["verdict_shares"].values()) == pytest.approx(1.0, rel=1e-3)
    assert a["sources"]["legal"] and a["summary"]["id"] and a["summary"]["en"]


@pytest.mark.real_data
def test_real_batang_desa_shares_match_shapely(clean: Engine, load, demo_pack: Path) -> None:
    path = shared_file("batang", "batas_desa_batang.geojson")
    desa = gpd.read_file(path).to_crs(32749)
    load(path, "desa", "admin", field_map={"code": "kode", "name": "nama"})
    load(demo_pack / "data" / "pola_ruang.gpkg", "pola_ruang", "zoning")
    zones = gpd.read_file(demo_pack / "data" / "pola_ruang.gpkg")
    land = shapely.union_all(desa.geometry.to_numpy()).intersection(
        shapely.union_all(zones.geometry.to_numpy())
    )
    parcels = random_parcels(land, 40, seed=5)
    answers = check_all(clean, parcels)
    for parcel, a in zip(parcels, answers, strict=True):
        assert "error" not in a, a
        got_desa = {d["code"]: d["area_m2"] for d in a["admin"] if d["level"] == "desa"}
        assert_agree(got_desa, expected_shares(parcel, desa, "kode"))
        assert_agree(
            {z["code"]: z["area_m2"] for z in a["zones"]},
            expected_shares(parcel, zones, "KODSZN", tiled=True),
        )
