"""CRS parsing and cached transformers: the one place pyproj is asked about a CRS."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry.base import BaseGeometry

from app.errors import InvalidCRS

STORAGE_SRID = 4326  # every layer is stored in EPSG:4326; metric work uses the region's CRS


def parse_crs(value: str | int) -> CRS:
    """Return the pyproj CRS for "EPSG:32749", "32749" or any pyproj input; InvalidCRS if not."""
    try:
        return CRS.from_user_input(int(value) if str(value).isdigit() else value)
    except (CRSError, ValueError, TypeError) as exc:
        raise InvalidCRS(
            f"unknown CRS {value!r}: {exc}",
            message_id=f"Sistem koordinat (CRS) {value!r} tidak dikenal; "
            "gunakan kode EPSG, misalnya EPSG:4326 atau EPSG:32749",
        ) from exc


def crs_label(crs: CRS) -> str:
    """Return "EPSG:N" where the CRS has an EPSG code, else its name."""
    epsg = crs.to_epsg(min_confidence=70)
    return f"EPSG:{epsg}" if epsg else crs.name


@lru_cache(maxsize=64)
def cached_crs(value: str) -> CRS:
    """Return parse_crs(value), cached (exceptions are not cached: unknown CRSs raise each time)."""
    return parse_crs(value)


@lru_cache(maxsize=16)
def epsg_of(value: str) -> int | None:
    """Return the EPSG code of a CRS string, or None."""
    return cached_crs(value).to_epsg()


@lru_cache(maxsize=64)
def transformer(src: str, dst: int) -> Transformer:
    """Return a cached always-xy transformer from a CRS string to an EPSG code."""
    return Transformer.from_crs(cached_crs(src), CRS.from_epsg(dst), always_xy=True)


def reproject(geom: BaseGeometry, src: str, dst: int) -> BaseGeometry:
    """Return `geom` transformed from CRS `src` to EPSG `dst`."""
    tr = transformer(src, dst)

    def fn(coords: np.ndarray) -> np.ndarray:
        x, y = tr.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, fn)


def reproject_many(geoms: np.ndarray, src: str, dst: int) -> np.ndarray:
    """Return an array of geometries transformed from CRS `src` to EPSG `dst` in one call."""
    tr = transformer(src, dst)

    def fn(coords: np.ndarray) -> np.ndarray:
        x, y = tr.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, fn)
