"""A hand-computable region for the loader's edge guards: a 10 km kabupaten square and zoning
layers inside it, shifted 1 degree north into the Java Sea, and half outside.

Layout in EPSG:32749, metres from (X0, Y0) (tests/fixtures.py, inside Batang):
    kabupaten 33.25  x 0..10000, y 0..10000 (100 km²)
    INSIDE    R-2 x 1000..2000   K-1 x 3000..4000   PTP (alias of P-1) x 5000..6000, y 1000..2000
    SHIFTED   INSIDE moved 1 degree of latitude north (EPSG:4326), wholly outside
    HALF      A R-2    x 1000..2000                      inside             1 km²
              B K-1    x 9500..10500                     half outside       0.5 km² out
              C ZZZ-9  x 10000..11000 (shares the edge)  wholly outside     1 km² out
              D ZZZ-9  x 3000..4000                      inside
              E PTP    x 5000..6000                      inside
              (all y 1000..2000): 1 of 5 wholly outside, 1 partly, 1.5 of 5 km² = 30 % outside
    SLIVER    R-2 x 1000..2000 inside; K-1 x 9005..10005 sticks out 5 m: 5,000 of 2,000,000 m²
              (0.25 %) outside, below the default 1 % allowed
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from shapely import affinity
from shapely.geometry import box

from tests.fixtures import X0, Y0, write
from tests.zoning_fixture import write_rules

SIDE = 10_000.0
REGION = "33.25"
REGION_NAME = "Kabupaten Uji"


def ubox(x0: float, x1: float, y0: float = 1000, y1: float = 2000):
    """Return a box in EPSG:32749 relative to (X0, Y0)."""
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def zoning(rows: list[tuple[str, float, float]]) -> gpd.GeoDataFrame:
    """Return a zoning layer of (code, x0, x1) boxes in EPSG:32749 with national fields."""
    return gpd.GeoDataFrame(
        {"KODSZN": [r[0] for r in rows], "NAMSZN": [f"Zona {r[0]}" for r in rows]},
        geometry=[ubox(x0, x1) for _, x0, x1 in rows],
        crs="EPSG:32749",
    )


INSIDE = [("R-2", 1000, 2000), ("K-1", 3000, 4000), ("PTP", 5000, 6000)]
HALF = [
    ("R-2", 1000, 2000),
    ("K-1", 9500, 10500),
    ("ZZZ-9", 10000, 11000),
    ("ZZZ-9", 3000, 4000),
    ("PTP", 5000, 6000),
]
SLIVER = [("R-2", 1000, 2000), ("K-1", 9005, 10005)]


def write_zoning(folder: Path) -> dict[str, Path]:
    """Write the INSIDE, SHIFTED, HALF and SLIVER zoning files; return their paths."""
    inside = zoning(INSIDE)
    north = inside.to_crs(4326)
    north["geometry"] = north.geometry.map(lambda g: affinity.translate(g, yoff=1.0))
    return {
        "inside": write(inside, folder / "inside.gpkg"),
        "shifted": write(north, folder / "shifted.geojson"),
        "half": write(zoning(HALF), folder / "half.gpkg"),
        "sliver": write(zoning(SLIVER), folder / "sliver.gpkg"),
    }


def write_pack(
    root: Path, admin: bool = True, rules: bool = True, layers: str = "", **rule_files: str
) -> Path:
    """Write a region pack (the kabupaten square, the test rules) with extra [[layers]] TOML."""
    pack = root / "uji"
    (pack / "data").mkdir(parents=True, exist_ok=True)
    kab = gpd.GeoDataFrame(
        {"KDPKAB": [REGION], "WADMKK": [REGION_NAME]},
        geometry=[box(X0, Y0, X0 + SIDE, Y0 + SIDE)],
        crs="EPSG:32749",
    )
    write(kab, pack / "data" / "kabupaten.gpkg")
    if rules:
        write_rules(pack / "rules", **rule_files)
    manifest = f"""
[region]
name = "{REGION_NAME}"
code = "{REGION}"
metric_crs = "EPSG:32749"
licence = "uji"
"""
    if rules:
        manifest += '\n[rules]\ndir = "rules"\n'
    manifest += layers
    if admin:
        manifest += """
[[layers]]
name = "kabupaten"
kind = "admin"
file = "data/kabupaten.gpkg"
"""
    (pack / "region.toml").write_text(manifest, encoding="utf-8")
    return pack
