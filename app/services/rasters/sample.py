"""One raster sampler: band 1 of a stored raster at points and in parcels, in the raster's CRS.

The point and zonal queries (`query.py`) and the zoning check's raster findings
(`zoning/rasters.py`) read pixels only through here, so they count the same pixels.

- The question is moved, never the raster: geometries in EPSG:4326 go into the raster's CRS
  (`to_raster_crs`, one pyproj call for many).
- A pixel is *valid* when the masked read holds it (not the nodata value) and it is not NaN,
  as ingest's statistics count it; nodata pixels are counted apart.
- A point takes the pixel under it (the floor of its place on the north-up grid); off the grid
  it is `outside`.
- A parcel takes the pixels whose **centre** lies inside it (strictly: a centre on its edge is
  out, `shapely.contains_xy`; in a large window GDAL's rasterizer fills the interior and shapely
  decides only the pixels its edge crosses: the same pixels, faster). A parcel holding no pixel
  centre takes the pixel under a representative point of its part inside the grid
  (`representative_point`); a parcel with no area inside the grid is `outside`.
- A raster of at most BAND_CACHE_BYTES / 4 is read whole once per process (values and valid
  mask) and sampled from memory; a larger one by windows of the file this thread keeps open
  (`files.open_dataset`). Every read from a file runs inside `rasterio.Env(**GDAL_ENV)`
  (entered once per call, and only when a file is read: a sample from memory needs none).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from contextlib import ExitStack
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import rasterio
import shapely
from pyproj import CRS, Transformer
from rasterio.features import geometry_mask
from rasterio.transform import from_origin
from rasterio.windows import Window
from shapely.geometry.base import BaseGeometry

from app.errors import TooLarge
from app.services.geo.crs import STORAGE_SRID, cached_crs
from app.services.rasters.files import GDAL_ENV, open_dataset
from app.services.rasters.ingest import valid_mask
from app.services.rasters.records import RasterClass, RasterRecord

SampleRule = Literal["point", "pixel_centre", "representative_point"]
BAND_CACHE_BYTES = 256 * 1024 * 1024  # bands kept in memory per process, at most
SHAPELY_MAX_PIXELS = 10_000  # windows up to this size: shapely alone is faster than GDAL


@dataclass(frozen=True)
class Stats:
    """Count, min, max and mean of a sample's valid pixels (min/max in the band's type)."""

    count: int
    min: int | float
    max: int | float
    mean: float


@dataclass
class Sample:
    """One raster's pixels at a point or in a parcel."""

    record: RasterRecord
    values: np.ndarray  # the valid pixels counted (the one under a point)
    pixels: int = 0  # pixels counted, valid or nodata
    rule: SampleRule | None = None  # None when outside
    geom: BaseGeometry | None = None  # the point or parcel in the raster's CRS
    outside: bool = False  # the geometry lies off the raster's grid
    inside_share: float = 1.0  # a parcel: the share of its area (raster CRS) on the grid
    row: int | None = None  # a point: its pixel
    col: int | None = None
    # a parcel: every pixel of the window over its bounds (on the grid), and where it lies
    window_values: np.ndarray | None = None
    window_valid: np.ndarray | None = None
    origin: tuple[float, float, float, float] | None = None  # left, top, dx, dy of the window

    @property
    def count(self) -> int:
        """Return the number of valid pixels counted."""
        return int(self.values.size)

    @property
    def nodata_count(self) -> int:
        """Return the number of nodata pixels counted."""
        return self.pixels - self.count

    @property
    def value(self) -> int | float | None:
        """Return the (first) valid value as a JSON number; None when there is none."""
        return number(self.values[0], self.record.dtype) if self.values.size else None

    def stats(self) -> Stats | None:
        """Return count, min, max and mean of the valid pixels; None when there is none."""
        if not self.values.size:
            return None
        dtype = self.record.dtype
        return Stats(
            self.count,
            number(self.values.min(), dtype),
            number(self.values.max(), dtype),
            float(self.values.astype(np.float64).mean()),
        )


def number(value: Any, dtype: str) -> int | float:
    """Return a pixel value as a JSON number: int for integer rasters, float otherwise."""
    if np.issubdtype(np.dtype(dtype), np.integer):
        return int(value)
    return float(value)


def class_of(record: RasterRecord, value: int | float | None) -> RasterClass | None:
    """Return the class of a categorical raster's value (None: no value, or not in the table)."""
    if value is None:
        return None
    return next((c for c in record.classes if c.value == value), None)


@lru_cache(maxsize=64)
def _to_raster(crs: str) -> Transformer:
    """Return a cached storage CRS (lon/lat) -> raster CRS transformer (always x/y)."""
    return Transformer.from_crs(CRS.from_epsg(STORAGE_SRID), cached_crs(crs), always_xy=True)


def to_raster_crs(crs: str, geoms: np.ndarray) -> np.ndarray:
    """Return geometries in EPSG:4326 moved into a raster's CRS, in one call."""
    tr = _to_raster(crs)

    def fn(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))

    return shapely.transform(geoms, fn)


def sample_geoms(
    record: RasterRecord, geoms: np.ndarray, max_pixels: int | None = None
) -> list[Sample]:
    """Return the sample of each geometry (in the raster's CRS, see `to_raster_crs`).

    Points are read together; a parcel reads the window over its bounds. TooLarge when a
    parcel's window spans more than `max_pixels` pixels.
    """
    out: list[Sample] = []
    if len(geoms) == 0:
        return out
    is_point = shapely.get_type_id(geoms) == 0
    with ExitStack() as io:
        grid = _Grid(record, open_dataset(record), io)
        points = iter(_points(grid, geoms[is_point]))
        for geom, point in zip(geoms, is_point, strict=True):
            out.append(next(points) if point else _parcel(grid, geom, max_pixels))
    return out


_BANDS: OrderedDict[tuple[Path, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
_LOCK = threading.Lock()


def _band(grid: _Grid) -> tuple[np.ndarray, np.ndarray] | None:
    """Return band 1 and its valid mask from memory (read on first use); None when too large."""
    record, ds = grid.record, grid.ds
    size = ds.width * ds.height * np.dtype(ds.dtypes[0]).itemsize
    if size > BAND_CACHE_BYTES // 4:
        return None
    key = (record.path, record.checksum)
    with _LOCK:
        band = _BANDS.get(key)
        if band is not None:
            _BANDS.move_to_end(key)
            return band
    grid.gdal()
    read = ds.read(1, masked=True)
    band = (np.ma.getdata(read), valid_mask(read))
    for a in band:
        a.setflags(write=False)
    with _LOCK:
        _BANDS[key] = band
        while sum(v.nbytes + ok.nbytes for v, ok in _BANDS.values()) > BAND_CACHE_BYTES:
            _BANDS.popitem(last=False)
    return band


class _Grid:
    """An open raster's north-up grid; its band is read whole on first use when small."""

    def __init__(self, record: RasterRecord, ds: Any, io: ExitStack) -> None:
        t = ds.transform
        self.record, self.ds, self._io, self._env = record, ds, io, False
        self.left, self.top, self.dx, self.dy = t.c, t.f, t.a, -t.e
        self.width, self.height = ds.width, ds.height
        self.right, self.bottom = self.left + self.width * self.dx, self.top - self.height * self.dy
        self._band: tuple[np.ndarray, np.ndarray] | None | bool = False  # False: not asked yet

    @property
    def band(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Return the whole band and its valid mask when kept in memory, else None."""
        if self._band is False:
            self._band = _band(self)
        return self._band  # type: ignore[return-value]

    def gdal(self) -> None:
        """Enter the GDAL environment before the first read from the file (left with the call)."""
        if not self._env:
            self._io.enter_context(rasterio.Env(**GDAL_ENV))
            self._env = True

    def read(self, row0: int, col0: int, rows: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the values and valid mask of a window."""
        band = self.band
        if band is not None:
            values, valid = band
            return values[row0 : row0 + rows, col0 : col0 + cols], valid[
                row0 : row0 + rows, col0 : col0 + cols
            ]
        self.gdal()
        data = self.ds.read(1, window=Window(col0, row0, cols, rows), masked=True)
        return np.ma.getdata(data), valid_mask(data)

    def index(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the rows and columns of the pixels under x, y (-1 or the size: off the grid)."""
        fc = np.clip(np.nan_to_num((x - self.left) / self.dx, nan=-1.0), -1, self.width)
        fr = np.clip(np.nan_to_num((self.top - y) / self.dy, nan=-1.0), -1, self.height)
        return np.floor(fr).astype(np.int64), np.floor(fc).astype(np.int64)


def _points(grid: _Grid, pts: np.ndarray) -> list[Sample]:
    """Return the samples of points: the pixel under each, read together."""
    record = grid.record
    if pts.size == 0:
        return []
    rows, cols = grid.index(shapely.get_x(pts), shapely.get_y(pts))
    on = (cols >= 0) & (cols < grid.width) & (rows >= 0) & (rows < grid.height)
    values = np.zeros(pts.size, dtype=record.dtype)
    valid = np.zeros(pts.size, dtype=bool)
    band = grid.band if on.any() else None
    if band is not None:
        values[on] = band[0][rows[on], cols[on]]
        valid[on] = band[1][rows[on], cols[on]]
    else:
        for m in np.flatnonzero(on):
            v, ok = grid.read(int(rows[m]), int(cols[m]), 1, 1)
            values[m], valid[m] = v[0, 0], ok[0, 0]
    out = []
    for k, pt in enumerate(pts):
        if not on[k]:
            out.append(Sample(record, values[:0], geom=pt, outside=True))
            continue
        kept = values[k : k + 1] if valid[k] else values[:0]
        out.append(Sample(record, kept, 1, "point", pt, row=int(rows[k]), col=int(cols[k])))
    return out


def _parcel(grid: _Grid, geom: BaseGeometry, max_pixels: int | None) -> Sample:
    """Return the sample of a parcel: the pixels whose centre lies inside it (see module)."""
    record = grid.record
    nothing = np.empty(0, dtype=record.dtype)
    if geom.is_empty:
        return Sample(record, nothing, geom=geom, outside=True)
    x0, y0, x1, y1 = geom.bounds
    part, share = geom, 1.0
    if x0 < grid.left or x1 > grid.right or y0 < grid.bottom or y1 > grid.top:
        part = geom.intersection(shapely.box(grid.left, grid.bottom, grid.right, grid.top))
        if part.is_empty or (geom.area > 0 and part.area == 0):
            return Sample(record, nothing, geom=geom, outside=True)
        share = part.area / geom.area if geom.area > 0 else 1.0
        x0, y0, x1, y1 = part.bounds
    col0 = max(0, math.floor((x0 - grid.left) / grid.dx))
    col1 = min(grid.width, math.ceil((x1 - grid.left) / grid.dx))
    row0 = max(0, math.floor((grid.top - y1) / grid.dy))
    row1 = min(grid.height, math.ceil((grid.top - y0) / grid.dy))
    if col1 <= col0 or row1 <= row0:  # a part without width or height: the pixel under it
        (r,), (c,) = grid.index(*_xy(part.representative_point()))
        row0, col0 = min(max(int(r), 0), grid.height - 1), min(max(int(c), 0), grid.width - 1)
        row1, col1 = row0 + 1, col0 + 1
    rows, cols = row1 - row0, col1 - col0
    if max_pixels is not None and rows * cols > max_pixels:
        raise TooLarge(
            f"the parcel spans {rows * cols:,} pixels of raster {record.name!r}; "
            f"the limit is {max_pixels:,}",
            message_id=f"Persil mencakup {rows * cols:,} piksel raster "
            f"{record.name!r}; batasnya {max_pixels:,}",
            limit=max_pixels,
        )
    left, top = grid.left + col0 * grid.dx, grid.top - row0 * grid.dy
    data, valid = grid.read(row0, col0, rows, cols)
    rule: SampleRule = "pixel_centre"
    if geom.area > 0:
        inside = centres_inside(geom, left, top, grid.dx, grid.dy, rows, cols)
    else:
        inside = np.zeros((rows, cols), dtype=bool)
    if not inside.any():  # no pixel centre inside: the pixel under a point of its part
        rule = "representative_point"
        (r,), (c,) = grid.index(*_xy(part.representative_point()))
        inside[min(max(int(r) - row0, 0), rows - 1), min(max(int(c) - col0, 0), cols - 1)] = True
    return Sample(
        record, data[inside & valid], int(inside.sum()), rule, geom, inside_share=share,
        window_values=data, window_valid=valid, origin=(left, top, grid.dx, grid.dy),
    )  # fmt: skip


def _xy(p: BaseGeometry) -> tuple[np.ndarray, np.ndarray]:
    return np.array([p.x]), np.array([p.y])


def centres_inside(
    geom: BaseGeometry, left: float, top: float, dx: float, dy: float, rows: int, cols: int
) -> np.ndarray:
    """Return, for a window of pixels, True where the pixel's centre lies inside `geom`.

    Exactly `shapely.contains_xy` on the centres; over SHAPELY_MAX_PIXELS, GDAL burns the
    interior and only the pixels next to a pixel the edge touches are asked of shapely (away
    from the edge a pixel lies wholly inside or outside, where both agree).
    """
    if rows * cols <= SHAPELY_MAX_PIXELS:  # the centres' x as a row, y as a column: broadcast
        cx = left + (np.arange(cols) + 0.5) * dx
        cy = top - (np.arange(rows) + 0.5) * dy
        return shapely.contains_xy(geom, cx[None, :], cy[:, None])
    shapely.prepare(geom)
    transform = from_origin(left, top, dx, dy)
    shape = (rows, cols)
    inside = geometry_mask([geom], shape, transform, all_touched=False, invert=True)
    edge = geometry_mask([geom.boundary], shape, transform, all_touched=True, invert=True)
    near = edge.copy()  # the edge's pixels and their eight neighbours
    near[1:, :] |= edge[:-1, :]
    near[:-1, :] |= edge[1:, :]
    wide = near.copy()
    wide[:, 1:] |= near[:, :-1]
    wide[:, :-1] |= near[:, 1:]
    r, c = np.nonzero(wide)
    inside[r, c] = shapely.contains_xy(geom, left + (c + 0.5) * dx, top - (r + 0.5) * dy)
    return inside
