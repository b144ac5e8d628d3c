"""The verdict rule on 1,050 random parcels of the demo region (issue 16, item 2).

Parcels: rotated rectangles on the land, thin slivers straddling zone edges, slivers along an
RDTR's edges (precedence cuts) and squares across the regency's boundary (half in the sea or a
neighbouring regency). For every answer:
- the parts tile the parcel: zone areas + no_plan_m2 + outside_m2 = area_m2 (at 0.01 m2), and
  the area outside the planning area agrees with shapely on the kabupaten polygon;
- zone shares + no_plan_share + outside_share = 1 and each zone's outcomes add up to its share
  (in whole units of 0.0001);
- verdict shares add up to exactly 1, none is 0, and the verdict is `mixed` exactly when two or
  more outcomes remain, else that outcome; they are the outcomes' areas over the part inside.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import mapping

from app.services import zoning
from app.services.zoning import BatchItem
from app.services.zoning.answer import Answer
from tests.fixtures import write
from tests.services.test_zoning_independent import random_parcels

UNITS = 10_000  # shares are written to 4 decimals
# Activities that meet different letters in the demo's matrix (housing, a shop, a rice mill,
# a hotel, fish processing, a warehouse).
KBLI = ["41011", "47111", "10631", "55110", "10213", "52101"]


def units(values) -> int:
    return sum(round(v * UNITS) for v in values)


def _rdtr(land: shapely.Geometry, tmp_path: Path) -> tuple[Path, list[shapely.Geometry]]:
    """Write an RDTR of three 1.2 km squares near the land's centre (plan rdtr, EPSG:32749)."""
    c = land.representative_point()
    boxes = [
        shapely.box(c.x + dx, c.y + dy, c.x + dx + 1200, c.y + dy + 1200)
        for dx, dy in ((-1800, -600), (-600, -600), (600, -600))
    ]
    gdf = gpd.GeoDataFrame(
        {"KODSZN": ["K-1", "R-2", "I"], "NAMSZN": ["a", "b", "c"]}, geometry=boxes, crs=32749
    )
    return write(gdf, tmp_path / "rdtr.gpkg"), boxes


def _slivers_along(lines: list[shapely.Geometry], n: int, rng) -> list[shapely.Geometry]:
    """Return n thin rectangles (0.05-3 m wide, 5-60 m long) straddling the given edges."""
    out = []
    segments = []
    for line in lines:
        coords = np.asarray(line.coords)
        segments += [(coords[i], coords[i + 1]) for i in range(len(coords) - 1)]
    segments = [(a, b) for a, b in segments if np.hypot(*(b - a)) > 10]
    while len(out) < n:
        a, b = segments[rng.integers(len(segments))]
        t = rng.uniform(0.1, 0.9)
        mid = a + t * (b - a)
        direction = (b - a) / np.hypot(*(b - a))
        normal = np.array([-direction[1], direction[0]])
        length, width = rng.uniform(5, 60), rng.uniform(0.05, 3)
        off = rng.uniform(-0.5, 0.5) * width  # across the edge, not centred exactly
        p = mid + normal * off
        corners = [
            p + direction * s * length / 2 + normal * u * width / 2
            for s, u in ((-1, -1), (1, -1), (1, 1), (-1, 1))
        ]
        out.append(shapely.Polygon(corners))
    return out


def _across(land: shapely.Geometry, n: int, rng) -> list[shapely.Geometry]:
    """Return n squares (30-300 m) centred on the boundary line (part inside, part out), and
    a tenth of them wholly outside (500 m beyond the line)."""
    boundary = shapely.union_all([p.exterior for p in getattr(land, "geoms", [land])])
    out: list[shapely.Geometry] = []
    while len(out) < n:
        p = boundary.interpolate(rng.uniform(0, boundary.length))
        s = rng.uniform(30, 300) / 2
        if len(out) % 10 == 0:  # pushed out along the line's normal until off the land
            q = boundary.interpolate(boundary.project(p) + 1)
            dx, dy = q.x - p.x, q.y - p.y
            for sign in (1, -1):
                cand = shapely.Point(p.x - sign * dy * 500, p.y + sign * dx * 500)
                square = shapely.box(cand.x - s, cand.y - s, cand.x + s, cand.y + s)
                if not square.intersects(land):
                    out.append(square)
                    break
            continue
        out.append(shapely.box(p.x - s, p.y - s, p.x + s, p.y + s))
    return out


@pytest.fixture
def demo_with_rdtr(demo_with, demo_pack: Path, loader, tmp_path: Path):
    land = gpd.read_file(demo_pack / "data" / "kabupaten.geojson").to_crs(32749).geometry.iloc[0]
    path, boxes = _rdtr(land, tmp_path)
    engine = demo_with(
        "rdtr_uji", lambda _: loader(path, "rdtr_uji", "zoning", plan="rdtr", region="33.25")
    )
    return engine, land, boxes


def test_the_verdict_rule_holds_on_1050_random_parcels(demo_with_rdtr, demo_pack: Path) -> None:
    engine, land, rdtr_boxes = demo_with_rdtr
    rng = np.random.default_rng(16)
    zones = gpd.read_file(demo_pack / "data" / "pola_ruang.gpkg")
    near = zones.cx[land.centroid.x - 15_000 : land.centroid.x + 15_000, :]
    edges = [ring for g in near.geometry for ring in _rings(g)]
    parcels = (
        random_parcels(land, 500, seed=16)
        + _slivers_along(edges, 250, rng)
        + _slivers_along([b.exterior for b in rdtr_boxes], 150, rng)
        + _across(land, 150, rng)
    )
    assert len(parcels) == 1050
    items = [
        BatchItem(ref=i, geometry=mapping(p), crs="EPSG:32749", kbli=KBLI[i % len(KBLI)])
        for i, p in enumerate(parcels)
    ]
    with engine.connect() as conn:
        results = zoning.check_batch(conn, items)
    seen: dict[str, int] = defaultdict(int)
    for parcel, r in zip(parcels, results, strict=True):
        assert isinstance(r, Answer), r
        a = r.to_json()
        seen[a["verdict"]] += 1
        # the parts tile the parcel, at 0.01 m2
        parts = [z["area_m2"] for z in a["zones"]] + [a["no_plan_m2"], a["outside_m2"]]
        assert round(sum(parts) * 100) == round(a["area_m2"] * 100), (r.ref, a)
        assert a["area_m2"] == pytest.approx(parcel.area, rel=1e-6, abs=0.01)
        outside = shapely.difference(parcel, land).area
        if outside < 0.01:  # a sliver outside counts as inside
            outside = 0.0
        assert a["outside_m2"] == pytest.approx(outside, rel=1e-4, abs=0.05), r.ref
        # zone shares, no_plan and outside split the parcel; outcomes split each zone
        assert units([z["share"] for z in a["zones"]] + [a["no_plan_share"],
                                                          a["outside_share"]]) == UNITS  # fmt: skip
        for z in a["zones"]:
            assert units(z["effective"].values()) == round(z["share"] * UNITS), (r.ref, z)
            assert all(v > 0 for v in z["effective"].values())
        # the verdict rule
        shares = a["verdict_shares"]
        assert units(shares.values()) == UNITS and all(v > 0 for v in shares.values())
        if len(shares) >= 2:
            assert a["verdict"] == "mixed", (r.ref, a["verdict"], shares)
        else:
            assert [a["verdict"]] == list(shares), (r.ref, a["verdict"], shares)
        # shares are of the part inside: the zones' outcomes and no_plan over (1 - outside)
        inside = 1 - a["outside_share"]
        if inside <= 0 or a["outside_m2"] >= a["area_m2"]:
            assert a["verdict"] == "outside" and a["zones"] == []
            continue
        expected: dict[str, float] = defaultdict(float)
        for z in a["zones"]:
            for k, v in z["effective"].items():
                expected[k] += v / inside
        if a["no_plan_share"]:
            expected["no_plan"] += a["no_plan_share"] / inside
        if not a["zones"]:
            expected = {"no_plan": 1.0}
        expected = {k: v for k, v in expected.items() if round(v * UNITS) > 0}
        assert set(shares) == set(expected), (r.ref, shares, expected)
        for k, v in expected.items():
            # each input was rounded to 0.0001 of the parcel, divided by the inside share
            assert shares[k] == pytest.approx(v, abs=(len(a["zones"]) + 2) * 1e-4 / inside)
    # the sample reached the cases it is meant to: several outcomes, mixes and the sea
    assert seen["mixed"] > 20 and seen["outside"] >= 5 and len(seen) >= 5, dict(seen)


def _rings(g: shapely.Geometry) -> list[shapely.Geometry]:
    polys = getattr(g, "geoms", [g])
    return [p.exterior for p in polys if p.geom_type == "Polygon"]

