"""The real Kabupaten Batang boundaries shipped with the demo pack, and the coast derived from them.

The source files (``layers/batang-demo/source/``, EPSG:4326, MIT, BIG-derived and simplified; see
the SOURCES.md there) are read from the project itself, never from ``../shared``, so a clean clone
can generate the demo.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import LineString

SOURCE_DIR = Path(__file__).resolve().parents[2] / "layers" / "batang-demo" / "source"
DESA_FILE = "batas_desa_batang.geojson"
KECAMATAN_FILE = "batas_kecamatan_batang.geojson"
KABUPATEN_FILE = "batas_kabupaten_batang.geojson"

KAB_CODE = "33.25"
KAB_NAME = "Batang"
KET_ADMIN = (
    "Batas administrasi nyata (turunan BIG, disederhanakan; cahyadsn/wilayah_boundaries, MIT), "
    "bukan batas hukum resmi"
)

# The Java Sea coast is the part of the kabupaten outline between these two corners (lon, lat):
# the mouth at the Kota Pekalongan border in the west and the Kali Kuto mouth (Kendal) in the east.
COAST_WEST = (109.7032, -6.8681)
COAST_EAST = (110.0450, -6.9212)


@dataclass(frozen=True)
class Boundaries:
    """The three real admin layers (EPSG:4326) with national (BIG) field names."""

    desa: gpd.GeoDataFrame
    kecamatan: gpd.GeoDataFrame
    kabupaten: gpd.GeoDataFrame


def read_boundaries(source_dir: Path = SOURCE_DIR) -> Boundaries:
    """Return the real desa, kecamatan and kabupaten of Batang renamed to BIG field names."""
    source_dir = Path(source_dir)
    paths = [source_dir / f for f in (DESA_FILE, KECAMATAN_FILE, KABUPATEN_FILE)]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"real Batang boundaries missing: {', '.join(missing)}")
    src_desa, src_kec, src_kab = (gpd.read_file(p, engine="pyogrio") for p in paths)

    src_desa = src_desa.sort_values("kode", kind="stable").reset_index(drop=True)
    kelurahan = src_desa["jenis"] == "Kelurahan"
    desa = gpd.GeoDataFrame(
        {
            "KDEPUM": src_desa["kode"],
            "NAMOBJ": src_desa["nama"],
            "WADMKD": src_desa["nama"],
            "KDCPUM": src_desa["kode_kec"],
            "WADMKC": src_desa["nama_kec"],
            "KDPKAB": src_desa["kode_kab"],
            "WADMKK": src_desa["nama_kab"],
            "WADMPR": src_desa["nama_prov"],
            "TIPADM": np.where(kelurahan, 1, 2),
            "JENIS": src_desa["jenis"],
            "KODEPOS": src_desa["kodepos"].astype(str),
            "LUAS_HA": src_desa["luas_ha"].astype(float),
            "KETERANGAN": KET_ADMIN,
        },
        geometry=src_desa.geometry.to_numpy(),
        crs=src_desa.crs,
    )

    src_kec = src_kec.sort_values("kode", kind="stable").reset_index(drop=True)
    kecamatan = gpd.GeoDataFrame(
        {
            "KDCPUM": src_kec["kode"],
            "WADMKC": src_kec["nama"],
            "KDPKAB": src_kec["kode_kab"],
            "WADMKK": src_kec["nama_kab"],
            "JML_DESA": src_kec["jumlah_desa_kel"].astype(int),
            "LUAS_HA": src_kec["luas_ha"].astype(float),
            "KET": KET_ADMIN,
        },
        geometry=src_kec.geometry.to_numpy(),
        crs=src_kec.crs,
    )

    kab_row = src_kab.iloc[0]
    kabupaten = gpd.GeoDataFrame(
        {
            "KDPKAB": [str(kab_row["kode"])],
            "WADMKK": [KAB_NAME],
            "WADMPR": [str(kab_row["nama_prov"])],
            "LUAS_HA": [float(kab_row["luas_ha"])],
            "KETERANGAN": [KET_ADMIN],
        },
        geometry=[src_kab.geometry.iloc[0]],
        crs=src_kab.crs,
    )
    if len(desa) != 248 or len(kecamatan) != 15 or kabupaten["KDPKAB"].iloc[0] != KAB_CODE:
        raise ValueError("unexpected content in the real Batang boundary files")
    return Boundaries(desa=desa, kecamatan=kecamatan, kabupaten=kabupaten)


def coastline(land: shapely.Geometry, west: np.ndarray, east: np.ndarray) -> LineString:
    """Return the part of the land outline running clockwise (eastwards) from ``west`` to ``east``.

    ``land`` is a Polygon and ``west``/``east`` are points in its CRS; they are snapped to the
    nearest outline vertices.
    """
    ring = np.asarray(land.exterior.coords)[:-1]
    if land.exterior.is_ccw:
        ring = ring[::-1]
    i0 = int(np.argmin(np.hypot(*(ring - west).T)))
    i1 = int(np.argmin(np.hypot(*(ring - east).T)))
    coords = ring[i0 : i1 + 1] if i1 >= i0 else np.vstack([ring[i0:], ring[: i1 + 1]])
    return LineString(coords)


def northern_edge(land_lonlat: shapely.Geometry, lon: np.ndarray) -> np.ndarray:
    """Northernmost latitude of a lon/lat polygon at each longitude (NaN outside it)."""
    lines = shapely.linestrings(
        np.stack(
            [
                np.column_stack([lon, np.full_like(lon, -90.0)]),
                np.column_stack([lon, np.zeros_like(lon)]),
            ],
            axis=1,
        )
    )
    cut = shapely.intersection(lines, land_lonlat)
    return np.where(shapely.is_empty(cut), np.nan, shapely.bounds(cut)[:, 3])
