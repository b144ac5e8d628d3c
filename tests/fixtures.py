"""Tiny hand-computable fixture files written with geopandas into a tmp folder."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
from shapely.geometry import Polygon, box

# Inside Batang (about 109.8 E, 6.95 S): a 1 km grid of squares in UTM 49S (EPSG:32749).
X0, Y0 = 368_000.0, 9_231_000.0


def squares_utm(n: int = 3, size: float = 1000.0) -> gpd.GeoDataFrame:
    """Return n squares of `size` m side in EPSG:32749 with national zoning fields."""
    codes = ["R-2", "K-1", "P-1", "I", "HL"]
    rows = []
    for i in range(n):
        rows.append(
            {
                "KODSZN": codes[i % len(codes)],
                "NAMSZN": f"Sub-zona {codes[i % len(codes)]}",
                "KODZON": codes[i % len(codes)].split("-")[0],
                "NOMOR": i + 1,
                "geometry": box(X0 + i * size, Y0, X0 + (i + 1) * size, Y0 + size),
            }
        )
    return gpd.GeoDataFrame(rows, crs="EPSG:32749")


def bowtie_utm() -> Polygon:
    """Return a self-intersecting 'bow-tie' of two 500 m triangles (area 2 x 62,500 m2)."""
    return Polygon([(X0, Y0), (X0 + 500, Y0 + 500), (X0 + 500, Y0), (X0, Y0 + 500), (X0, Y0)])


def write(gdf: gpd.GeoDataFrame, path: Path, layer: str | None = None) -> Path:
    """Write `gdf` to `path` in the format its suffix names (zipped Shapefile for .zip)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix == ".zip":
        shp_dir = path.parent / (path.stem + "_shp")
        shp_dir.mkdir(exist_ok=True)
        shp = shp_dir / f"{path.stem}.shp"
        gdf.to_file(shp, driver="ESRI Shapefile", engine="pyogrio")
        with zipfile.ZipFile(path, "w") as zf:
            for part in sorted(shp_dir.iterdir()):
                zf.write(part, part.name)
        return path
    driver = {
        ".gpkg": "GPKG",
        ".geojson": "GeoJSON",
        ".json": "GeoJSON",
        ".fgb": "FlatGeobuf",
        ".shp": "ESRI Shapefile",
    }[suffix]
    kw = {"layer": layer} if layer else {}
    gdf.to_file(path, driver=driver, engine="pyogrio", **kw)
    return path
