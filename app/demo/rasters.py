"""Synthetic thematic rasters of the Batang demo: elevation, slope, flood and landslide hazard.

All SYNTHETIC, at 30 m over the kabupaten's bounding box in EPSG:32749 (UTM 49S), the Java Sea
nodata: a DEM rising from a 0-5 m coastal plain in the north to the Dieng highlands
(2,000 m and more) in the south-west, with river valleys along the demo rivers; its slope in
percent; and two hazard class rasters (1 very low .. 5 very high, 0 nodata) derived from
them, with their class tables. Plain tiled GeoTIFFs (`rtrw rasters load` makes the COGs), the
same bytes for the same seed: no timestamps, fixed tags.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import rasterio
import shapely
from rasterio.transform import from_origin

METRIC_CRS = "EPSG:32749"
PIXEL_M = 30.0
PAD_M = 600.0  # the grid reaches this far beyond the kabupaten's bounding box
FLOAT_NODATA = -9999.0
CLASS_NODATA = 0
COARSE = 5  # river distances are computed every COARSE pixels and interpolated between
TAG = "Data demo sintetis (synthetic demo data), bukan data resmi; rtrw demo generate"

# value, name_id, name_en, colour: five hazard classes (BNPB-style wording)
HAZARD_NAMES = (
    (1, "Sangat rendah", "Very low"),
    (2, "Rendah", "Low"),
    (3, "Sedang", "Moderate"),
    (4, "Tinggi", "High"),
    (5, "Sangat tinggi", "Very high"),
)
FLOOD_COLOURS = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
LANDSLIDE_COLOURS = ("#ffffd4", "#fed98e", "#fe9929", "#d95f0e", "#993404")
# Landslide class from slope (%): upper bounds of classes 1..4, the rest 5.
LANDSLIDE_SLOPE = (8.0, 15.0, 25.0, 40.0)
# Flood class from elevation (m) and slope (%): (max elevation, max slope) of classes 5..2.
FLOOD_RULES = ((5.0, 2.0), (15.0, 3.0), (40.0, 5.0), (100.0, 8.0))

FILES = {
    "dem": "dem.tif",
    "lereng": "lereng.tif",
    "rawan_banjir": "rawan_banjir.tif",
    "rawan_longsor": "rawan_longsor.tif",
}
CLASS_FILES = {
    "rawan_banjir": "rawan_banjir_kelas.csv",
    "rawan_longsor": "rawan_longsor_kelas.csv",
}


def grid_of(land: shapely.Geometry) -> tuple[rasterio.Affine, int, int]:
    """Return the transform, width and height of the 30 m grid over the land's padded bbox."""
    minx, miny, maxx, maxy = land.bounds
    x0 = np.floor((minx - PAD_M) / PIXEL_M) * PIXEL_M
    y1 = np.ceil((maxy + PAD_M) / PIXEL_M) * PIXEL_M
    width = int(np.ceil((maxx + PAD_M - x0) / PIXEL_M))
    height = int(np.ceil((y1 - (miny - PAD_M)) / PIXEL_M))
    return from_origin(float(x0), float(y1), PIXEL_M, PIXEL_M), width, height


def _coast_y(land: shapely.Geometry, coast: shapely.Geometry, xs: np.ndarray) -> np.ndarray:
    """Return the coast's northing at each easting: the land's northern edge between the coast's
    ends, held level beyond them (the neighbours' coast runs on at about the same latitude)."""
    cx0, _, cx1, _ = coast.bounds
    inside = np.linspace(cx0, cx1, 600)
    lo, hi = land.bounds[1] - 1.0, land.bounds[3] + 1.0
    lines = shapely.linestrings(
        np.stack([np.column_stack([inside, np.full_like(inside, lo)]),
                  np.column_stack([inside, np.full_like(inside, hi)])], axis=1)
    )  # fmt: skip
    cut = shapely.intersection(lines, land)
    north = shapely.bounds(cut)[:, 3]
    ok = ~np.isnan(north)
    return np.interp(xs, inside[ok], north[ok])


def _waves(
    xx: np.ndarray, yy: np.ndarray, rng: np.random.Generator, waves: Sequence[tuple[float, float]]
) -> np.ndarray:
    """Smooth 2-D noise: plane sine waves of (amplitude, wavelength m), random heading/phase."""
    out = np.zeros(np.broadcast_shapes(xx.shape, yy.shape), dtype=np.float64)
    for amp, wavelength in waves:
        # three waves an octave, 60 degrees apart: no stripes in one direction
        heading = rng.uniform(0.0, np.pi)
        k = 2.0 * np.pi / wavelength * rng.uniform(0.85, 1.15, 3)
        for i in range(3):
            h = heading + i * np.pi / 3
            phase = rng.uniform(0.0, 2.0 * np.pi)
            out += amp / 3**0.5 * np.sin(k[i] * (xx * np.cos(h) + yy * np.sin(h)) + phase)
    return out


def _upsample(coarse: np.ndarray, shape: tuple[int, int], step: int) -> np.ndarray:
    """Bilinear interpolation of a grid sampled every `step` pixels back to `shape`."""
    rows, cols = np.arange(shape[0]) / step, np.arange(shape[1]) / step
    cr, cc = np.arange(coarse.shape[0]), np.arange(coarse.shape[1])
    by_row = np.stack([np.interp(cols, cc, line) for line in coarse])
    return np.stack([np.interp(rows, cr, by_row[:, j]) for j in range(shape[1])], axis=1)


def _river_distance(
    rivers: Sequence[shapely.Geometry], transform: rasterio.Affine, shape: tuple[int, int]
) -> np.ndarray:
    """Return each pixel's distance to the nearest river (m), interpolated from a coarse grid."""
    if not rivers:
        return np.full(shape, np.inf)
    h, w = shape
    rows = np.arange(0, h + COARSE, COARSE)
    cols = np.arange(0, w + COARSE, COARSE)
    xs = transform.c + (cols + 0.5) * transform.a
    ys = transform.f + (rows + 0.5) * transform.e
    xx, yy = np.meshgrid(xs, ys)
    # the nearest of the rivers' vertices 10 m apart: within 5 m of the distance to the line,
    # and ~20x faster than shapely.distance to the lines
    dense = shapely.segmentize(shapely.multilinestrings(list(rivers)), 10.0)
    tree = shapely.STRtree(shapely.points(shapely.get_coordinates(dense)))
    grid = shapely.points(xx.ravel(), yy.ravel())
    _, dist = tree.query_nearest(grid, return_distance=True, all_matches=False)
    return _upsample(dist.reshape(xx.shape), shape, COARSE)


def make_dem(
    land: shapely.Geometry,
    coast: shapely.Geometry,
    rivers: Sequence[shapely.Geometry],
    seed: int,
) -> tuple[np.ndarray, rasterio.Affine, np.ndarray]:
    """Return the synthetic DEM (float32 m, FLOAT_NODATA at sea), its transform and each
    pixel's distance to the nearest river (m)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0xDE4]))
    transform, width, height = grid_of(land)
    xs = transform.c + (np.arange(width) + 0.5) * PIXEL_M
    ys = transform.f - (np.arange(height) + 0.5) * PIXEL_M
    xx, yy = xs[None, :], ys[:, None]
    coast_y = _coast_y(land, coast, xs)
    sea = yy > coast_y[None, :]
    # distance inland from the coast smoothed over ~3 km: a notch in the outline (an estuary)
    # must not shift the whole column's terrain north or south
    k = 101
    smooth = np.convolve(np.pad(coast_y, k // 2, mode="edge"), np.ones(k) / k, mode="valid")
    d = np.clip(smooth[None, :] - yy, 0.0, None)
    # across the kabupaten from west (0) to east (1): the Dieng massif is in the south-west
    east = (xx - xs[0]) / (xs[-1] - xs[0])
    # the coastal plain: 0.5 m at the shore, ~5 m 4 km inland
    plain = 0.5 + 4.5 * (1.0 - np.exp(-d / 2500.0))
    # the rise to the highlands: from ~4 km inland, steepest at the foot of the massif
    t = np.clip((d - 4000.0) / 30000.0, 0.0, 1.0)
    peak = 2000.0 - 1100.0 * east**1.5  # ~2,000 m in the south-west, ~900 m in the east
    rise = peak * t**1.6
    relief = _waves(xx, yy, rng, ((1.0, 9000.0), (0.55, 4300.0), (0.3, 2100.0),
                                  (0.12, 1100.0), (0.05, 560.0)))  # fmt: skip
    rugged = np.clip(t * 1.6, 0.0, 1.0)  # flat plain, ever more rugged hills inland
    dem = plain + rise * (1.0 + 0.12 * rugged * relief) + 1.5 * rugged * relief * (1.0 - t)
    # river valleys: up to a third of the height, ~700 m wide, widening downstream
    dist = _river_distance(rivers, transform, (height, width))
    dem = dem - (dem - plain) * 0.33 * np.exp(-((dist / 700.0) ** 2))
    dem = np.maximum(dem, 0.1)
    out = np.where(sea, FLOAT_NODATA, np.round(dem, 1)).astype(np.float32)
    return out, transform, dist


def slope_percent(dem: np.ndarray, pixel_m: float = PIXEL_M) -> np.ndarray:
    """Return the slope in percent (100 * rise / run, i.e. 100 tan) of a DEM, nodata kept."""
    sea = dem == FLOAT_NODATA
    filled = np.where(sea, 0.0, dem).astype(np.float64)  # the sea as the 0 m it is
    dzdy, dzdx = np.gradient(filled, pixel_m)
    slope = 100.0 * np.hypot(dzdx, dzdy)
    return np.where(sea, FLOAT_NODATA, np.round(slope, 1)).astype(np.float32)


def flood_classes(dem: np.ndarray, slope: np.ndarray, river_near: np.ndarray) -> np.ndarray:
    """Return flood hazard classes 1..5 (0 at sea): low flat land high, river banks one up."""
    sea = dem == FLOAT_NODATA
    cls = np.ones(dem.shape, dtype=np.uint8)
    for value, (max_h, max_slope) in zip((5, 4, 3, 2), FLOOD_RULES, strict=True):
        hit = (cls == 1) & (dem <= max_h) & (slope <= max_slope)
        cls[hit] = value
    bump = river_near & (dem <= 100.0) & (cls < 5)
    cls[bump] += 1
    cls[sea] = CLASS_NODATA
    return cls


def landslide_classes(slope: np.ndarray) -> np.ndarray:
    """Return landslide hazard classes 1..5 (0 at sea) from the slope in percent."""
    sea = slope == FLOAT_NODATA
    cls = (1 + np.searchsorted(np.asarray(LANDSLIDE_SLOPE), slope, side="right")).astype(np.uint8)
    cls[sea] = CLASS_NODATA
    return cls


def _write_tif(
    path: Path, data: np.ndarray, transform: rasterio.Affine, nodata: float, **tags: str
) -> None:
    """Write one band as a tiled, deflated GeoTIFF with fixed tags (no date: same bytes)."""
    path.unlink(missing_ok=True)
    floating = data.dtype.kind == "f"
    with rasterio.open(
        path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0], count=1,
        dtype=data.dtype.name, crs=METRIC_CRS, transform=transform, nodata=nodata,
        tiled=True, blockxsize=256, blockysize=256, compress="deflate",
        predictor=3 if floating else 2, zlevel=6,
    ) as dst:  # fmt: skip
        dst.write(data, 1)
        dst.update_tags(KETERANGAN=TAG, **tags)


def _write_classes(path: Path, colours: Sequence[str]) -> None:
    """Write a class table: value,name_id,name_en,color."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["value", "name_id", "name_en", "color"])
        for (value, name_id, name_en), colour in zip(HAZARD_NAMES, colours, strict=True):
            w.writerow([value, name_id, name_en, colour])


def write_rasters(
    out_dir: Path,
    land: shapely.Geometry,
    coast: shapely.Geometry,
    rivers: Sequence[shapely.Geometry],
    seed: int = 3325,
) -> dict[str, tuple[int, int]]:
    """Write the four demo rasters and the two class tables; return each raster's size (w, h).

    `land` is the kabupaten (EPSG:32749), `coast` its Java Sea coastline, `rivers` the demo
    rivers (metric lines).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    dem, transform, river_m = make_dem(land, coast, rivers, seed)
    slope = slope_percent(dem)
    flood = flood_classes(dem, slope, river_m <= 300.0)
    landslide = landslide_classes(slope)
    _write_tif(out_dir / FILES["dem"], dem, transform, FLOAT_NODATA, UNIT="m",
               DESCRIPTION="Elevasi (DEM sintetis), meter")  # fmt: skip
    _write_tif(out_dir / FILES["lereng"], slope, transform, FLOAT_NODATA, UNIT="%",
               DESCRIPTION="Kemiringan lereng (persen), dari DEM sintetis")  # fmt: skip
    _write_tif(out_dir / FILES["rawan_banjir"], flood, transform, CLASS_NODATA,
               DESCRIPTION="Kelas rawan banjir 1-5 (sintetis)")  # fmt: skip
    _write_tif(out_dir / FILES["rawan_longsor"], landslide, transform, CLASS_NODATA,
               DESCRIPTION="Kelas rawan tanah longsor 1-5 (sintetis)")  # fmt: skip
    _write_classes(out_dir / CLASS_FILES["rawan_banjir"], FLOOD_COLOURS)
    _write_classes(out_dir / CLASS_FILES["rawan_longsor"], LANDSLIDE_COLOURS)
    return {name: (dem.shape[1], dem.shape[0]) for name in FILES}
