"""Raster test files written with rasterio: what regencies hand over, and a hand-made tiny one.

- `striped_dem`: a striped (no tiling), uncompressed UTM 49S float32 GeoTIFF with the odd
  nodata -32767 along its western and northern edges and a hole inside;
- `tiny_classes`: 4 x 4 pixels of 10 m (uint8, nodata 0) whose class shares in a parcel are
  computed by hand in the tests, with its classes.csv.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin

UTM = "EPSG:32749"
DEM_ORIGIN = (395_000.0, 9_240_000.0)  # west, north: near Batang, UTM 49S
DEM_RES = 30.0
DEM_NODATA = -32767.0
DEM_SHAPE = (900, 1100)  # rows, cols: big enough for COG overviews at 512 px tiles
TINY_ORIGIN = (400_000.0, 9_230_000.0)
TINY_RES = 10.0
TINY = np.array(
    [
        [1, 1, 2, 2],
        [1, 1, 2, 2],
        [3, 3, 3, 0],
        [3, 3, 3, 0],
    ],
    dtype=np.uint8,
)
CLASSES_CSV = (
    "value,name_id,name_en,color\n"
    "1,Hutan,Forest,#228B22\n"
    "2,Sawah,Rice field,#f0e68c\n"
    "3,Permukiman,Settlement,#ff0000\n"
)


def dem_values(seed: int = 7, shape: tuple[int, int] = DEM_SHAPE) -> np.ndarray:
    """Return a DEM-like float32 array (rising to the south, with noise) and its nodata edges."""
    rows, cols = shape
    rng = np.random.default_rng(seed)
    y = np.linspace(0, 1, rows, dtype=np.float64)[:, None]
    x = np.linspace(0, 1, cols, dtype=np.float64)[None, :]
    dem = 5 + 2000 * y**1.5 + 80 * np.sin(9 * x) + rng.normal(0, 3, size=shape)
    dem = dem.astype(np.float32)
    dem[:, :7] = DEM_NODATA  # the western edge
    dem[:4, :] = DEM_NODATA  # the northern edge
    dem[300:310, 500:520] = DEM_NODATA  # a hole
    return dem


def write_geotiff(
    path: Path,
    data: np.ndarray,
    origin: tuple[float, float],
    res: float,
    nodata: float | None,
    crs: str | None = UTM,
) -> Path:
    """Write one band as a striped (one row per strip), uncompressed GeoTIFF."""
    profile = {
        "driver": "GTiff",
        "width": data.shape[1],
        "height": data.shape[0],
        "count": 1,
        "dtype": data.dtype.name,
        "transform": from_origin(origin[0], origin[1], res, res),
        "nodata": nodata,
        "tiled": False,
        "blockysize": 1,
        "compress": "none",
        "interleave": "band",
    }
    if crs is not None:
        profile["crs"] = crs
    path.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
    return path


def striped_dem(path: Path, seed: int = 7, crs: str | None = UTM) -> Path:
    """Write the striped, uncompressed UTM DEM with nodata edges."""
    return write_geotiff(path, dem_values(seed), DEM_ORIGIN, DEM_RES, DEM_NODATA, crs)


def tiny_classes(folder: Path, data: np.ndarray = TINY) -> tuple[Path, Path]:
    """Write the 4 x 4 categorical raster and its classes.csv; return both paths."""
    tif = write_geotiff(folder / "tiny.tif", data, TINY_ORIGIN, TINY_RES, 0)
    csv = folder / "classes.csv"
    csv.write_text(CLASSES_CSV, encoding="utf-8")
    return tif, csv
