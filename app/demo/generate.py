"""Deterministic generator of the synthetic Kabupaten Batang demo region pack.

Everything written here is SYNTHETIC demo data with plausible shapes and attributes. It is not
the official administrative boundaries nor the official RTRW/RDTR of Kabupaten Batang.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon
from shapely.ops import substring

GEO_CRS = "EPSG:4326"
METRIC_CRS = "EPSG:32749"
GRID_M = 0.01  # precision grid of metric geometries (m)
GRID_DEG = 1e-7  # precision grid of lon/lat geometries (deg)
FIXED_DATE = "2024-01-01"  # written into file metadata instead of "now" (reproducible files)
BBOX = (109.67, -7.20, 110.05, -6.87)  # lon/lat extent of the demo region

KAB_CODE = "33.25"
KAB_NAME = "Batang"
PROV_NAME = "Jawa Tengah"
KET_ADMIN = "Data demo sintetis, bukan batas resmi"
KET_PLAN = "Data demo sintetis, bukan rencana resmi"
KET_BASE = "Data demo sintetis, bukan data resmi"
KET_OVERLAY = "Data demo sintetis, bukan penetapan resmi"

# (number, name, seed lon, seed lat, desa + kelurahan count, of which kelurahan). Codes, names
# and counts are the real ones (Kepmendagri 2025, as in ../shared/data/batang/); all 9
# kelurahan of Batang are in kecamatan Batang. Everything else about them is synthetic.
KECAMATAN: tuple[tuple[int, str, float, float, int, int], ...] = (
    (1, "Wonotunggal", 109.700, -7.035, 15, 0),
    (2, "Bandar", 109.770, -7.045, 17, 0),
    (3, "Blado", 109.790, -7.145, 18, 0),
    (4, "Reban", 109.865, -7.100, 19, 0),
    (5, "Bawang", 109.935, -7.135, 20, 0),
    (6, "Tersono", 109.860, -7.010, 20, 0),
    (7, "Gringsing", 110.015, -6.955, 15, 0),
    (8, "Limpung", 109.920, -7.025, 17, 0),
    (9, "Subah", 109.900, -6.950, 17, 0),
    (10, "Tulis", 109.845, -6.925, 17, 0),
    (11, "Batang", 109.730, -6.905, 21, 9),
    (12, "Warungasem", 109.705, -6.960, 18, 0),
    (13, "Kandeman", 109.785, -6.925, 13, 0),
    (14, "Pecalungan", 109.985, -7.035, 10, 0),
    (15, "Banyuputih", 109.955, -6.945, 11, 0),
)

# Town centres: (name, lon, lat or None = on the Pantura road, radius m, level 1..3)
TOWNS: tuple[tuple[str, float, float | None, float, int], ...] = (
    ("Batang", 109.722, None, 2600.0, 1),
    ("Kandeman", 109.785, None, 900.0, 3),
    ("Tulis", 109.845, None, 900.0, 3),
    ("Subah", 109.905, None, 1100.0, 2),
    ("Banyuputih", 109.950, None, 900.0, 3),
    ("Gringsing", 110.030, None, 1100.0, 2),
    ("Warungasem", 109.705, -6.955, 800.0, 3),
    ("Limpung", 109.920, -7.025, 1300.0, 2),
    ("Wonotunggal", 109.700, -7.035, 700.0, 3),
    ("Bandar", 109.770, -7.045, 900.0, 3),
    ("Blado", 109.790, -7.140, 700.0, 3),
    ("Reban", 109.865, -7.100, 700.0, 3),
    ("Bawang", 109.935, -7.130, 900.0, 3),
    ("Tersono", 109.860, -7.010, 700.0, 3),
    ("Pecalungan", 109.985, -7.035, 700.0, 3),
)

# Rivers: (name, source lon, source lat, mouth lon, meander amplitude m)
RIVERS: tuple[tuple[str, float, float, float, float], ...] = (
    ("Kali Kupang", 109.712, -7.080, 109.690, 350.0),
    ("Kali Sambong", 109.775, -7.160, 109.738, 500.0),
    ("Kali Lojahan", 109.830, -7.170, 109.805, 500.0),
    ("Kali Kramat", 109.880, -7.150, 109.862, 450.0),
    ("Kali Boyo", 109.935, -7.150, 109.915, 450.0),
    ("Kali Gede", 109.968, -7.072, 109.950, 300.0),
    ("Kali Kuto", 110.002, -7.045, 110.038, 250.0),
)

# Collector roads between town centres.
COLLECTORS: tuple[tuple[str, str], ...] = (
    ("Batang", "Warungasem"),
    ("Warungasem", "Wonotunggal"),
    ("Batang", "Bandar"),
    ("Bandar", "Blado"),
    ("Tulis", "Tersono"),
    ("Tersono", "Reban"),
    ("Subah", "Limpung"),
    ("Limpung", "Bawang"),
    ("Banyuputih", "Limpung"),
    ("Gringsing", "Pecalungan"),
    ("Pecalungan", "Limpung"),
)

# Coast end points (lon) and the rest of the outline (lon, lat), clockwise from the NE corner.
COAST_W, COAST_E = 109.676, 110.044
OUTLINE: tuple[tuple[float, float], ...] = (
    (110.046, -6.960),
    (110.040, -6.995),
    (110.028, -7.030),
    (110.005, -7.060),
    (109.985, -7.085),
    (109.965, -7.120),
    (109.940, -7.160),
    (109.905, -7.180),
    (109.870, -7.190),
    (109.840, -7.178),
    (109.815, -7.190),
    (109.780, -7.185),
    (109.748, -7.168),
    (109.722, -7.140),
    (109.700, -7.105),
    (109.688, -7.065),
    (109.680, -7.015),
    (109.673, -6.960),
    (109.676, -6.920),
)

# Kawasan Industri Terpadu (demo): centre (lon, lat) and outline offsets in metres.
ESTATE_CENTRE = (109.990, -6.945)
ESTATE_SHAPE: tuple[tuple[float, float], ...] = (
    (-3300.0, -1900.0),
    (-2900.0, 2600.0),
    (2400.0, 3400.0),
    (3300.0, 900.0),
    (2900.0, -2300.0),
    (-400.0, -2800.0),
)

# KODSZN -> (KODZON, NAMOBJ, NAMZON, NAMSZN), after Permen ATR/BPN 14/2021.
_R = ("R", "Zona Perumahan", "Perumahan")
_K = ("K", "Zona Perdagangan dan Jasa", "Perdagangan dan Jasa")
_SPU = ("SPU", "Zona Sarana Pelayanan Umum", "Sarana Pelayanan Umum")
_RTH = ("RTH", "Zona Ruang Terbuka Hijau", "Ruang Terbuka Hijau")
_P = ("P", "Zona Pertanian", "Pertanian")
SUBZONES: dict[str, tuple[str, str, str, str]] = {
    "HL": ("HL", "Zona Hutan Lindung", "Hutan Lindung", "Hutan Lindung"),
    "PS": ("PS", "Zona Perlindungan Setempat", "Perlindungan Setempat", "Perlindungan Setempat"),
    "RTH-1": (*_RTH, "Rimba Kota"),
    "RTH-2": (*_RTH, "Taman Kota"),
    "R-1": (*_R, "Perumahan Kepadatan Sangat Tinggi"),
    "R-2": (*_R, "Perumahan Kepadatan Tinggi"),
    "R-3": (*_R, "Perumahan Kepadatan Sedang"),
    "R-4": (*_R, "Perumahan Kepadatan Rendah"),
    "K-1": (*_K, "Perdagangan dan Jasa Skala Kota"),
    "K-2": (*_K, "Perdagangan dan Jasa Skala WP"),
    "K-3": (*_K, "Perdagangan dan Jasa Skala SWP"),
    "KT": ("KT", "Zona Perkantoran", "Perkantoran", "Perkantoran"),
    "I": ("I", "Zona Industri", "Industri", "Kawasan Peruntukan Industri"),
    "SPU-1": (*_SPU, "Sarana Pelayanan Umum Skala Kota"),
    "SPU-2": (*_SPU, "Sarana Pelayanan Umum Skala Kecamatan"),
    "SPU-3": (*_SPU, "Sarana Pelayanan Umum Skala Kelurahan"),
    "P-1": (*_P, "Tanaman Pangan"),
    "P-2": (*_P, "Hortikultura"),
    "P-3": (*_P, "Perkebunan"),
    "W": ("W", "Zona Pariwisata", "Pariwisata", "Pariwisata"),
}
ESTATE_NAMSZN = "Kawasan Industri Terpadu (demo)"

NAME_PREFIXES = (
    "Kali",
    "Karang",
    "Sido",
    "Sumber",
    "Tegal",
    "Wono",
    "Banyu",
    "Kedung",
    "Watu",
    "Candi",
    "Sri",
    "Giri",
    "Purwo",
    "Kebon",
    "Tanjung",
    "Jati",
    "Pandan",
    "Ngargo",
    "Mojo",
    "Rejo",
)
NAME_SUFFIXES = (
    "anyar",
    "mulyo",
    "rejo",
    "sari",
    "asri",
    "joyo",
    "kerto",
    "agung",
    "salak",
    "wungu",
    "tengah",
    "sekar",
    "dadi",
    "gede",
    "harjo",
    "makmur",
    "tani",
    "manis",
    "tirto",
    "kulon",
    "wetan",
    "kidul",
    "lor",
    "sobo",
)

RNG_STREAMS = ("land", "desa", "names", "rivers", "roads", "zoning", "lp2b", "hazard")
ZONING_SEEDS_UNIFORM = 1500
ZONING_SEEDS_PER_LEVEL = {1: 350, 2: 100, 3: 40}
SLIVER_M2 = 100.0


# --------------------------------------------------------------------------------------------
# small helpers


@lru_cache(maxsize=2)
def _transformer(src: str, dst: str) -> Transformer:
    """Cached always-xy transformer."""
    return Transformer.from_crs(src, dst, always_xy=True)


def _fwd_xy(xy: np.ndarray) -> np.ndarray:
    """Project lon/lat coordinates (n, 2) to UTM 49S."""
    x, y = _transformer(GEO_CRS, METRIC_CRS).transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def _inv_xy(xy: np.ndarray) -> np.ndarray:
    """Unproject UTM 49S coordinates (n, 2) to lon/lat."""
    x, y = _transformer(METRIC_CRS, GEO_CRS).transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def _to_geo(geoms: Sequence[shapely.Geometry] | np.ndarray) -> np.ndarray:
    """Reproject metric geometries to lon/lat on a 1e-7 degree grid, keeping them valid."""
    out = shapely.transform(np.asarray(geoms, dtype=object), _inv_xy)
    out = shapely.set_precision(out, GRID_DEG)
    bad = ~shapely.is_valid(out)
    if bad.any():
        out[bad] = [_polygonal(g) for g in shapely.make_valid(out[bad])]
    return out


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep only the polygon parts of a geometry (Polygon, MultiPolygon or empty Polygon)."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and not p.is_empty]
    if not parts:
        return Polygon()
    if len(parts) == 1:
        return parts[0]
    return shapely.multipolygons(parts)


def _polygonal_all(geoms: np.ndarray) -> np.ndarray:
    """Vectorised ``_polygonal``: only geometries that are not plain polygons are touched."""
    out = np.asarray(geoms, dtype=object).copy()
    fix = ~np.isin(shapely.get_type_id(out), (3, 6))
    for i in np.flatnonzero(fix):
        out[i] = _polygonal(out[i])
    return out


def _voronoi(points: np.ndarray, extend_to: shapely.Geometry) -> np.ndarray:
    """Voronoi cells of the points, in input order, covering ``extend_to``."""
    vor = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=extend_to, ordered=True)
    cells = shapely.get_parts(vor)
    if len(cells) != len(points):
        raise RuntimeError("voronoi: duplicate seed points")
    return cells


def _clip(geoms: np.ndarray, region: shapely.Geometry) -> np.ndarray:
    """Intersect polygons with a region on the metric grid, keeping polygonal parts."""
    return _polygonal_all(shapely.intersection(geoms, region, grid_size=GRID_M))


def _sample_in(poly: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """Sample n uniform points inside a polygon (rejection sampling)."""
    xmin, ymin, xmax, ymax = poly.bounds
    shapely.prepare(poly)
    found: list[np.ndarray] = []
    count = 0
    while count < n:
        xy = rng.uniform((xmin, ymin), (xmax, ymax), size=(4 * n + 16, 2))
        xy = xy[shapely.contains_xy(poly, xy[:, 0], xy[:, 1])]
        found.append(xy)
        count += len(xy)
    return np.vstack(found)[:n]


def _smooth_noise(
    t: np.ndarray, rng: np.random.Generator, waves: Sequence[tuple[float, float]]
) -> np.ndarray:
    """Sum of sines: each (amplitude, wavelength) gets a random phase; t in wavelength units."""
    out = np.zeros_like(t, dtype=float)
    for amp, wavelength in waves:
        out += amp * np.sin(2.0 * np.pi * t / wavelength + rng.uniform(0.0, 2.0 * np.pi))
    return out


def _wiggly_line(
    a: np.ndarray, b: np.ndarray, amplitude: float, rng: np.random.Generator, step: float = 100.0
) -> np.ndarray:
    """Vertices of a gently meandering line from a to b (metric), fixed at both ends."""
    vec = b - a
    length = float(np.hypot(*vec))
    n = max(int(length / step), 4)
    s = np.linspace(0.0, 1.0, n + 1)
    d = s * length
    off = _smooth_noise(
        d, rng, ((amplitude, 6000.0), (0.45 * amplitude, 2300.0), (0.15 * amplitude, 900.0))
    )
    off *= np.sin(np.pi * s) ** 0.5
    normal = np.array([-vec[1], vec[0]]) / length
    return a + np.outer(s, vec) + np.outer(off, normal)


def _piece_from(line: shapely.Geometry, region: shapely.Geometry, start: np.ndarray) -> LineString:
    """Clip a line to a region; return the connected piece nearest to ``start``."""
    clipped = shapely.line_merge(shapely.intersection(line, region, grid_size=GRID_M))
    parts = [p for p in shapely.get_parts(clipped) if p.geom_type == "LineString"]
    if not parts:
        raise RuntimeError("line does not cross the region")
    dist = shapely.distance(Point(start), np.asarray(parts, dtype=object))
    return parts[int(np.argmin(dist))]


def _absorb(geoms: np.ndarray, donors: np.ndarray, drop_unmatched: bool = False) -> np.ndarray:
    """Merge donor polygons into the touching non-donor with the longest shared edge.

    ``geoms`` is updated in place; returns a keep-mask (False for absorbed donors, and for
    donors without a shared edge when ``drop_unmatched``: degenerate slivers of < 1 cm width).
    """
    keep = np.ones(len(geoms), dtype=bool)
    if not donors.any():
        return keep
    tree = shapely.STRtree(geoms)
    for i in np.flatnonzero(donors):
        cand = tree.query(geoms[i], predicate="intersects")
        cand = cand[(cand != i) & ~donors[cand]]
        shared = shapely.length(
            shapely.intersection(shapely.boundary(geoms[i]), shapely.boundary(geoms[cand]))
        )
        if cand.size == 0 or shared.max() <= 0.0:
            keep[i] = not drop_unmatched
            continue
        j = int(cand[int(np.argmax(shared))])
        geoms[j] = _polygonal(shapely.union(geoms[j], geoms[i], grid_size=GRID_M))
        keep[i] = False
    return keep


def _rngs(seed: int) -> dict[str, np.random.Generator]:
    """Independent, named random streams derived from one seed."""
    seqs = np.random.SeedSequence(seed).spawn(len(RNG_STREAMS))
    return {name: np.random.default_rng(s) for name, s in zip(RNG_STREAMS, seqs, strict=True)}


# --------------------------------------------------------------------------------------------
# land, coast, rivers, roads


class _Coast:
    """Synthetic coastline latitude as a function of longitude."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.phases = rng.uniform(0.0, 2.0 * np.pi, 4)

    def smooth(self, lon: np.ndarray) -> np.ndarray:
        """Large-scale coastline latitude (used for the coastal road)."""
        t = (lon - COAST_W) / (COAST_E - COAST_W)
        cape = 0.004 * np.exp(-(((lon - 109.900) / 0.008) ** 2))  # Ujungnegoro headland
        return -6.884 - 0.042 * t + cape + 0.0012 * np.sin(2 * np.pi * lon / 0.11 + self.phases[3])

    def lat(self, lon: np.ndarray) -> np.ndarray:
        """Detailed (gently wiggly) coastline latitude."""
        p = self.phases
        return (
            self.smooth(lon)
            + 0.0016 * np.sin(2 * np.pi * lon / 0.061 + p[0])
            + 0.0008 * np.sin(2 * np.pi * lon / 0.023 + p[1])
            + 0.0003 * np.sin(2 * np.pi * lon / 0.0093 + p[2])
        )


def _build_land(coast_fn: _Coast, rng: np.random.Generator) -> tuple[shapely.Geometry, LineString]:
    """Land polygon and coastline (both metric)."""
    lon = np.linspace(COAST_W, COAST_E, 246)
    coast = np.column_stack([lon, coast_fn.lat(lon)])
    ctrl = [coast[-1], *(np.array(p) for p in OUTLINE), coast[0]]
    pieces = [coast]
    for a, b in zip(ctrl[:-1], ctrl[1:], strict=True):
        vec = b - a
        length = float(np.hypot(*vec))
        n = max(int(length / 0.0015), 2)
        s = np.linspace(0.0, 1.0, n + 1)[1:]
        off = _smooth_noise(s * length, rng, ((0.0012, 0.03), (0.0004, 0.011))) * np.sin(np.pi * s)
        normal = np.array([-vec[1], vec[0]]) / length
        pieces.append(a + np.outer(s, vec) + np.outer(off, normal))
    ring = np.vstack(pieces)[:-1]
    land = shapely.set_precision(Polygon(_fwd_xy(ring)), GRID_M)
    coast_line = shapely.set_precision(LineString(_fwd_xy(coast)), GRID_M)
    if not (land.is_valid and land.geom_type == "Polygon"):
        raise RuntimeError("invalid land polygon")
    return land, coast_line


def _build_rivers(
    coast_fn: _Coast, land: shapely.Geometry, rng: np.random.Generator
) -> list[tuple[str, LineString]]:
    """Rivers from the southern highlands to the coast (metric)."""
    out = []
    for name, lon0, lat0, lon1, amp in RIVERS:
        a, b = _fwd_xy(np.array([[lon0, lat0], [lon1, float(coast_fn.lat(np.array(lon1))) + 0.01]]))
        line = LineString(_wiggly_line(a, b, amp, rng, step=80.0))
        river = shapely.set_precision(_piece_from(line, land, a), GRID_M)
        out.append((name, river))
    return out


def _road_lonlat(coast_fn: _Coast, lon: np.ndarray) -> np.ndarray:
    """Latitude of the Pantura road (~2 km inland of the coast)."""
    return coast_fn.smooth(lon) - 0.018 + 0.0010 * np.sin(2 * np.pi * lon / 0.047 + 1.3)


def _build_pantura(coast_fn: _Coast, land: shapely.Geometry) -> LineString:
    """Main coastal road (metric), clipped to the land."""
    lon = np.linspace(BBOX[0] - 0.01, BBOX[2] + 0.01, 500)
    xy = _fwd_xy(np.column_stack([lon, _road_lonlat(coast_fn, lon)]))
    pieces = shapely.get_parts(shapely.intersection(LineString(xy), land, grid_size=GRID_M))
    return max(pieces, key=lambda g: g.length)


def _town_points(coast_fn: _Coast, pantura: LineString) -> dict[str, np.ndarray]:
    """Metric centre points of the towns (coastal towns snapped onto the Pantura road)."""
    out = {}
    for name, lon, lat, _, _ in TOWNS:
        if lat is None:
            p = Point(_fwd_xy(np.array([[lon, float(_road_lonlat(coast_fn, np.array(lon)))]]))[0])
            p = pantura.interpolate(pantura.project(p))
        else:
            p = Point(_fwd_xy(np.array([[lon, lat]]))[0])
        out[name] = np.array([round(p.x, 2), round(p.y, 2)])
    return out


# --------------------------------------------------------------------------------------------
# administrative units


def _desa_names(rng: np.random.Generator, n: int) -> list[str]:
    """n unique plausible Javanese village names."""
    combos = [p + s for p in NAME_PREFIXES for s in NAME_SUFFIXES if p.lower() != s]
    order = rng.permutation(len(combos))
    return [combos[i] for i in order[:n]]


def _build_admin(
    land: shapely.Geometry,
    towns: dict[str, np.ndarray],
    rng: np.random.Generator,
    names_rng: np.random.Generator,
) -> gpd.GeoDataFrame:
    """Desa/kelurahan polygons (metric) with BIG-style attributes."""
    kec_xy = _fwd_xy(np.array([[k[2], k[3]] for k in KECAMATAN]))
    kec_cells = _clip(_voronoi(kec_xy, land), land)

    seeds, kec_idx = [], []
    for i, (_, _, _, _, count, _) in enumerate(KECAMATAN):
        cell = kec_cells[i]
        pts = _sample_in(cell, count, rng)
        for _ in range(3):  # a few Lloyd steps: evenly spread but still irregular desa
            cent = shapely.centroid(_clip(_voronoi(pts, cell), cell))
            inside = shapely.contains(cell, cent)
            cent[~inside] = shapely.point_on_surface(_clip(_voronoi(pts, cell), cell))[~inside]
            pts = shapely.get_coordinates(cent)
        seeds.append(pts)
        kec_idx += [i] * count
    xy = np.vstack(seeds)
    kec_idx_arr = np.array(kec_idx)

    desa = _clip(_voronoi(xy, land), land)
    desa = _single_parts(desa)
    unions = [
        shapely.union_all(desa[kec_idx_arr == i], grid_size=GRID_M) for i in range(len(KECAMATAN))
    ]
    if any(u.geom_type != "Polygon" for u in unions):
        # fallback: nest desa inside the kecamatan cells directly
        desa = np.concatenate(
            [_clip(_voronoi(pts, kec_cells[i]), kec_cells[i]) for i, pts in enumerate(seeds)]
        )
        desa = _single_parts(desa)

    names = _desa_names(names_rng, len(desa))
    rows = []
    start = 0
    for num, kec_name, _, _, count, n_kel in KECAMATAN:
        idx = np.arange(start, start + count)
        start += count
        town = towns[kec_name]
        dist = np.hypot(xy[idx, 0] - town[0], xy[idx, 1] - town[1])
        kel = set(idx[np.argsort(dist, kind="stable")[:n_kel]].tolist())
        kec_code = f"{KAB_CODE}.{num:02d}"
        for jenis, prefix in (("Kelurahan", 1), ("Desa", 2)):
            members = sorted((names[j], j) for j in idx if (j in kel) == (jenis == "Kelurahan"))
            for seq, (name, j) in enumerate(members, start=1):
                rows.append(
                    {
                        "KDEPUM": f"{kec_code}.{prefix}{seq:03d}",
                        "NAMOBJ": name,
                        "WADMKD": name,
                        "KDCPUM": kec_code,
                        "WADMKC": kec_name,
                        "KDPKAB": KAB_CODE,
                        "WADMKK": KAB_NAME,
                        "TIPADM": prefix,
                        "JENIS": jenis,
                        "KETERANGAN": KET_ADMIN,
                        "geometry": desa[j],
                    }
                )
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC_CRS)
    return gdf.sort_values("KDEPUM", kind="stable").reset_index(drop=True)


def _single_parts(polys: np.ndarray) -> np.ndarray:
    """Make every polygon single-part by handing stray parts to the best touching neighbour."""
    parts, owner = shapely.get_parts(polys, return_index=True)
    if len(parts) == len(polys):
        return polys
    areas = shapely.area(parts)
    largest = np.zeros(len(parts), dtype=bool)
    for i in range(len(polys)):
        sel = np.flatnonzero(owner == i)
        largest[sel[np.argmax(areas[sel])]] = True
    keep = _absorb(parts, ~largest)
    return np.array(
        [
            _polygonal(shapely.union_all(parts[(owner == i) & keep], grid_size=GRID_M))
            for i in range(len(polys))
        ],
        dtype=object,
    )


# --------------------------------------------------------------------------------------------
# zoning


def _zone_rule(lat: float, t: float, level: int, d_road: float, u: float, v: float) -> str:
    """Base sub-zone of a cell from latitude, normalised town distance and road distance."""
    if t < 1.0:
        if d_road < (450.0 if level == 1 else 250.0):
            if u < 0.8:
                return ("K-1", "K-2", "K-3")[level - 1]
            return "R-2" if level < 3 else "R-3"
        if level == 1:
            if t < 0.4 and u < 0.6:
                return "R-1"
            return "R-2" if u < 0.75 else "R-3"
        if level == 2:
            return "R-2" if (t < 0.5 and u < 0.5) else "R-3"
        return "R-3" if u < 0.6 else "R-4"
    if t < 1.8 and u < 0.35:
        return "R-3" if (level < 3 and u < 0.15) else "R-4"
    if lat > -7.03:  # coastal and middle lowland: sawah
        choices = (("P-1", 0.85), ("P-2", 0.91), ("P-3", 0.95), ("R-4", 1.01))
    elif lat > -7.12:  # middle slopes: perkebunan
        choices = (("P-3", 0.42), ("P-1", 0.72), ("P-2", 0.86), ("R-4", 1.01))
    else:  # southern highlands: hutan lindung
        p = 0.40 if lat > -7.15 else 0.65
        choices = (("HL", p), ("P-3", p + 0.18), ("P-2", p + 0.31), ("R-4", 1.01))
    return next(code for code, limit in choices if v < limit)


def _build_zoning(
    land: shapely.Geometry,
    coast: LineString,
    rivers: list[tuple[str, LineString]],
    pantura: LineString,
    towns: dict[str, np.ndarray],
    kec: gpd.GeoDataFrame,
    rng: np.random.Generator,
) -> gpd.GeoDataFrame:
    """Pola ruang polygons (metric) covering the land without overlaps."""
    shapely.prepare(land)
    seeds = [_sample_in(land, ZONING_SEEDS_UNIFORM, rng)]
    for name, _, _, spread, level in TOWNS:
        n = ZONING_SEEDS_PER_LEVEL[level]
        xy = towns[name] + rng.normal(0.0, 0.8 * spread, size=(n, 2))
        seeds.append(xy[shapely.contains_xy(land, xy[:, 0], xy[:, 1])])
    xy = np.vstack(seeds)
    cells = _clip(_voronoi(xy, land), land)
    cells = cells[~shapely.is_empty(cells)]

    cent = shapely.get_coordinates(shapely.point_on_surface(cells))
    lonlat = _inv_xy(cent)
    town_xy = np.array([towns[t[0]] for t in TOWNS])
    radius = np.array([t[3] for t in TOWNS])
    levels = np.array([t[4] for t in TOWNS])
    tnorm = (
        np.hypot(cent[:, None, 0] - town_xy[None, :, 0], cent[:, None, 1] - town_xy[None, :, 1])
        / radius[None, :]
    )
    nearest = np.argmin(tnorm, axis=1)
    tmin = tnorm[np.arange(len(cells)), nearest]
    d_road = shapely.distance(pantura, shapely.points(cent))
    u = rng.random(len(cells))
    v = rng.random(len(cells))
    codes = np.array(
        [
            _zone_rule(
                float(lonlat[i, 1]),
                float(tmin[i]),
                int(levels[nearest[i]]),
                float(d_road[i]),
                float(u[i]),
                float(v[i]),
            )
            for i in range(len(cells))
        ],
        dtype=object,
    )

    # special, rarer sub-zones: pick among the nearest free cells to target points
    locked = np.zeros(len(cells), dtype=bool)

    def pick(code: str, target: np.ndarray, k: int, among: int) -> None:
        dist = np.hypot(cent[:, 0] - target[0], cent[:, 1] - target[1])
        dist[locked] = np.inf
        cand = np.sort(np.argsort(dist, kind="stable")[:among])
        chosen = rng.choice(cand, size=k, replace=False)
        codes[chosen] = code
        locked[chosen] = True

    def geo(lon: float, lat: float) -> np.ndarray:
        return _fwd_xy(np.array([[lon, lat]]))[0]

    batang = towns["Batang"]
    pick("KT", batang + (300.0, -500.0), 3, 12)
    pick("SPU-1", batang + (-700.0, -900.0), 2, 10)
    pick("RTH-2", batang + (0.0, -300.0), 2, 10)
    pick("RTH-1", batang + (1800.0, -1800.0), 2, 8)
    for name in ("Limpung", "Subah"):
        pick("RTH-2", towns[name], 1, 5)
    for name in ("Subah", "Gringsing", "Limpung", "Bandar", "Tulis", "Bawang"):
        pick("SPU-2", towns[name] + (0.0, -250.0), 1, 5)
    for name in ("Kandeman", "Banyuputih", "Warungasem", "Tersono", "Reban"):
        pick("SPU-3", towns[name], 1, 5)
    coast_lat = _coast_point_lat(coast)
    pick("W", geo(109.905, coast_lat(109.905) - 0.0015), 2, 2)  # Pantai Ujungnegoro
    pick("W", geo(109.745, coast_lat(109.745) - 0.0015), 1, 1)  # Pantai Sigandu
    pick("W", geo(109.760, -7.160), 2, 3)  # highland tourism (Dieng side)
    pick("I", geo(109.805, -6.925), 1, 4)
    pick("I", geo(109.870, -6.935), 1, 4)
    pick("I", geo(109.700, -6.925), 1, 4)

    # carve the estate, then the sempadan strips
    ex, ey = _fwd_xy(np.array([ESTATE_CENTRE]))[0]
    estate = _polygonal(
        shapely.intersection(
            Polygon([(ex + dx, ey + dy) for dx, dy in ESTATE_SHAPE]), land, grid_size=GRID_M
        )
    )
    cells = _carve(cells, estate)
    strips = [shapely.intersection(land, shapely.buffer(coast, 100.0), grid_size=GRID_M)]
    strips += [
        shapely.intersection(land, shapely.buffer(r, 50.0), grid_size=GRID_M) for _, r in rivers
    ]
    ps = _polygonal(shapely.union_all(strips, grid_size=GRID_M))
    cells = _carve(cells, ps)
    estate = _polygonal(shapely.difference(estate, ps, grid_size=GRID_M))

    kec_geoms = kec.geometry.to_numpy()
    ps_pieces = _clip(kec_geoms, ps)
    geoms = np.concatenate([cells, [estate], ps_pieces])
    zcodes = np.concatenate([codes, ["I"], ["PS"] * len(ps_pieces)]).astype(object)
    namszn = [SUBZONES[c][3] for c in zcodes]
    namszn[len(cells)] = ESTATE_NAMSZN
    kec_of: list[str | None] = [None] * (len(cells) + 1) + kec["WADMKC"].tolist()

    parts, owner = shapely.get_parts(geoms, return_index=True)
    nonempty = ~shapely.is_empty(parts)
    parts, owner = parts[nonempty], owner[nonempty]
    keep = _absorb(parts, shapely.area(parts) < SLIVER_M2, drop_unmatched=True)
    parts, owner = parts[keep], owner[keep]
    parts = np.array([_polygonal(p) for p in parts], dtype=object)

    # WADMKC: kecamatan containing the centroid (nearest kecamatan if it falls outside)
    tree = shapely.STRtree(kec_geoms)
    centroids = shapely.centroid(parts)
    hit = tree.query_nearest(centroids, all_matches=False)
    kec_name = np.array(kec["WADMKC"].tolist(), dtype=object)[hit[1][np.argsort(hit[0])]]

    rows = []
    for k, (g, o) in enumerate(zip(parts, owner, strict=True)):
        code = zcodes[o]
        kodzon, namobj, namzon, _ = SUBZONES[code]
        rows.append(
            {
                "NAMOBJ": namobj,
                "KODZON": kodzon,
                "NAMZON": namzon,
                "KODSZN": code,
                "NAMSZN": namszn[o],
                "WADMKC": kec_of[o] or kec_name[k],
                "KETERANGAN": KET_PLAN,
                "geometry": g,
            }
        )
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC_CRS)
    rp = shapely.get_coordinates(shapely.point_on_surface(gdf.geometry.to_numpy()))
    gdf["_x"], gdf["_y"] = np.round(rp[:, 0], 1), np.round(rp[:, 1], 1)
    gdf = gdf.sort_values(
        ["WADMKC", "KODSZN", "_y", "_x"], ascending=[True, True, False, True], kind="stable"
    )
    missing = set(SUBZONES) - set(gdf["KODSZN"])
    if missing:
        raise RuntimeError(f"zoning misses sub-zones {sorted(missing)}")
    return gdf.drop(columns=["_x", "_y"]).reset_index(drop=True)


def _coast_point_lat(coast: LineString) -> Callable[[float], float]:
    """Return a function lon -> latitude of the (metric) coastline at that longitude."""
    coast_ll = _inv_xy(shapely.get_coordinates(coast))

    def lat_at(lon: float) -> float:
        return float(np.interp(lon, coast_ll[:, 0], coast_ll[:, 1]))

    return lat_at


def _carve(cells: np.ndarray, cutter: shapely.Geometry) -> np.ndarray:
    """Subtract ``cutter`` from the cells that intersect it."""
    shapely.prepare(cutter)
    hit = shapely.intersects(cutter, cells)
    out = cells.copy()
    out[hit] = _polygonal_all(shapely.difference(cells[hit], cutter, grid_size=GRID_M))
    return out


# --------------------------------------------------------------------------------------------
# overlays and base layers


def _build_lp2b(zoning: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """LP2B over ~60 % of the P-1 area, chosen by a smooth random field."""
    p1 = zoning[zoning["KODSZN"] == "P-1"]
    geoms = p1.geometry.to_numpy()
    c = shapely.get_coordinates(shapely.point_on_surface(geoms))
    ph = rng.uniform(0.0, 2.0 * np.pi, 2)
    score = (
        np.sin(c[:, 0] / 5000.0 + ph[0])
        + np.cos(c[:, 1] / 4000.0 + ph[1])
        + 0.8 * rng.random(len(c))
    )
    order = np.argsort(-score, kind="stable")
    area = shapely.area(geoms)
    n = int(np.searchsorted(np.cumsum(area[order]), 0.6 * area.sum())) + 1
    chosen = np.sort(order[:n])
    return gpd.GeoDataFrame(
        {
            "KELAS": ["LP2B"] * len(chosen),
            "NAMOBJ": ["Lahan Pertanian Pangan Berkelanjutan"] * len(chosen),
            "KETERANGAN": [KET_OVERLAY] * len(chosen),
        },
        geometry=_to_geo(geoms[chosen]),
        crs=GEO_CRS,
    )


def _build_hazard(
    land: shapely.Geometry,
    coast: LineString,
    rivers: list[tuple[str, LineString]],
    rng: np.random.Generator,
) -> gpd.GeoDataFrame:
    """Flood (lower river reaches, coastal lowland) and landslide (highland) zones."""
    rows: list[tuple[str, str, shapely.Geometry]] = []
    lower = shapely.buffer(coast, 6000.0)
    for name, river in rivers:
        reach = shapely.intersection(river, lower)
        zone = shapely.intersection(land, shapely.buffer(reach, 300.0), grid_size=GRID_M)
        rows.append(("KRB-BANJIR", f"Kawasan Rawan Banjir {name}", _polygonal(zone)))
    for label, lon0, lon1 in (
        ("Pesisir Batang", 109.676, 109.80),
        ("Pesisir Subah-Banyuputih", 109.88, 109.96),
    ):
        (x0, _), (x1, _) = _fwd_xy(np.array([[lon0, -7.0], [lon1, -7.0]]))
        box = shapely.box(x0, land.bounds[1], x1, land.bounds[3])
        zone = shapely.intersection(
            shapely.intersection(land, box), shapely.buffer(coast, 900.0), grid_size=GRID_M
        )
        rows.append(("KRB-BANJIR", f"Kawasan Rawan Banjir Rob {label}", _polygonal(zone)))
    ((_, y_high),) = _fwd_xy(np.array([[109.85, -7.10]]))
    highland = shapely.intersection(land, shapely.box(*land.bounds[:3], y_high))
    centres = _sample_in(shapely.buffer(highland, -800.0), 6, rng)
    theta = np.linspace(0.0, 2.0 * np.pi, 48, endpoint=False)
    for k, (cx, cy) in enumerate(centres, start=1):
        r0 = rng.uniform(700.0, 1500.0)
        ph = rng.uniform(0.0, 2.0 * np.pi, 2)
        r = r0 * (1 + 0.25 * np.sin(2 * theta + ph[0]) + 0.15 * np.sin(3 * theta + ph[1]))
        blob = Polygon(np.column_stack([cx + r * np.cos(theta), cy + r * np.sin(theta)]))
        zone = shapely.intersection(blob, land, grid_size=GRID_M)
        rows.append(("KRB-LONGSOR", f"Kawasan Rawan Tanah Longsor {k}", _polygonal(zone)))
    rows = [r for r in rows if not r[2].is_empty]
    return gpd.GeoDataFrame(
        {
            "KELAS": [r[0] for r in rows],
            "NAMOBJ": [r[1] for r in rows],
            "KETERANGAN": [KET_OVERLAY] * len(rows),
        },
        geometry=_to_geo([r[2] for r in rows]),
        crs=GEO_CRS,
    )


def _build_roads(
    land: shapely.Geometry,
    pantura: LineString,
    towns: dict[str, np.ndarray],
    desa: gpd.GeoDataFrame,
    rng: np.random.Generator,
) -> gpd.GeoDataFrame:
    """Pantura (arteri) split at towns, collector roads between towns, local village roads."""
    rows: list[tuple[str, str, LineString]] = []
    coastal = [t[0] for t in TOWNS if t[2] is None]
    cuts = sorted((pantura.project(Point(towns[n])), n) for n in coastal)
    stops = [(0.0, "batas Kota Pekalongan"), *cuts, (pantura.length, "batas Kabupaten Kendal")]
    for (d0, n0), (d1, n1) in zip(stops[:-1], stops[1:], strict=True):
        seg = substring(pantura, d0, d1)
        rows.append(("arteri", f"Jalan Nasional Pantura ({n0} - {n1})", seg))
    for a, b in COLLECTORS:
        line = LineString(_wiggly_line(towns[a], towns[b], 350.0, rng))
        rows.append(("kolektor", f"Jalan Raya {a} - {b}", _piece_from(line, land, towns[a])))
    for _, kec_name, *_ in KECAMATAN:
        sub = desa[(desa["WADMKC"] == kec_name) & (desa["JENIS"] == "Desa")]
        pos = shapely.get_coordinates(shapely.point_on_surface(sub.geometry.to_numpy()))
        dist = np.hypot(pos[:, 0] - towns[kec_name][0], pos[:, 1] - towns[kec_name][1])
        cand = np.flatnonzero(dist > 1500.0)
        if cand.size == 0:
            cand = np.arange(len(sub))
        j = int(rng.choice(cand))
        line = LineString(_wiggly_line(towns[kec_name], pos[j], 150.0, rng, step=60.0))
        seg = _piece_from(line, land, towns[kec_name])
        rows.append(("lokal", f"Jalan Desa {sub['NAMOBJ'].iloc[j]}", seg))
    geoms = _to_geo([shapely.set_precision(r[2], GRID_M) for r in rows])
    return gpd.GeoDataFrame(
        {
            "NAMOBJ": [r[1] for r in rows],
            "FGSJLN": [r[0] for r in rows],
            "KETERANGAN": [KET_BASE] * len(rows),
        },
        geometry=geoms,
        crs=GEO_CRS,
    )


# --------------------------------------------------------------------------------------------
# writing


@contextmanager
def _fixed_gdal_date() -> Iterator[None]:
    """Make GDAL stamp a fixed date (instead of now) into GeoPackage metadata."""
    old = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": f"{FIXED_DATE}T00:00:00.000Z"})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": old})


def _write(gdf: gpd.GeoDataFrame, path: Path, **options: object) -> None:
    """Write a layer with pyogrio, replacing any previous file."""
    path.unlink(missing_ok=True)
    gdf.to_file(path, engine="pyogrio", **options)


def _write_zipped_shapefile(gdf: gpd.GeoDataFrame, path: Path, name: str) -> None:
    """Write an ESRI Shapefile and pack its parts at the root of a reproducible zip."""
    path.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        shp = Path(tmp) / f"{name}.shp"
        gdf.to_file(
            shp,
            engine="pyogrio",
            driver="ESRI Shapefile",
            encoding="UTF-8",
            DBF_DATE_LAST_UPDATE=FIXED_DATE,
        )
        cpg = shp.with_suffix(".cpg")
        if not cpg.exists():
            cpg.write_text("UTF-8")
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                member = shp.with_suffix(ext)
                info = zipfile.ZipInfo(member.name, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, member.read_bytes())


# --------------------------------------------------------------------------------------------
# public entry point


def generate(out_dir: Path, seed: int = 3325) -> dict[str, int]:
    """Write the synthetic Batang demo layers into ``out_dir``; return feature counts per layer."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rngs = _rngs(seed)

    coast_fn = _Coast(rngs["land"])
    land, coast = _build_land(coast_fn, rngs["land"])
    pantura = _build_pantura(coast_fn, land)
    towns = _town_points(coast_fn, pantura)
    rivers = _build_rivers(coast_fn, land, rngs["rivers"])

    desa = _build_admin(land, towns, rngs["desa"], rngs["names"])
    kec_rows = []
    for num, name, *_ in KECAMATAN:
        code = f"{KAB_CODE}.{num:02d}"
        geom = _polygonal(
            shapely.union_all(desa.geometry[desa["KDCPUM"] == code].to_numpy(), grid_size=GRID_M)
        )
        kec_rows.append(
            {
                "KDCPUM": code,
                "WADMKC": name,
                "KDPKAB": KAB_CODE,
                "WADMKK": KAB_NAME,
                "KET": KET_ADMIN,
                "geometry": geom,
            }
        )
    kec = gpd.GeoDataFrame(kec_rows, geometry="geometry", crs=METRIC_CRS)
    kab_geom = _polygonal(shapely.union_all(kec.geometry.to_numpy(), grid_size=GRID_M))

    zoning = _build_zoning(land, coast, rivers, pantura, towns, kec, rngs["zoning"])
    lp2b = _build_lp2b(zoning, rngs["lp2b"])
    hazard = _build_hazard(land, coast, rivers, rngs["hazard"])
    roads = _build_roads(land, pantura, towns, desa, rngs["roads"])

    kab = gpd.GeoDataFrame(
        {
            "KDPKAB": [KAB_CODE],
            "WADMKK": [KAB_NAME],
            "WADMPR": [PROV_NAME],
            "KETERANGAN": [KET_ADMIN],
        },
        geometry=_to_geo([kab_geom]),
        crs=GEO_CRS,
    )
    kec_geo = kec.set_geometry(_to_geo(kec.geometry.to_numpy()), crs=GEO_CRS)
    sungai = gpd.GeoDataFrame(
        {
            "NAMOBJ": [r[0] for r in rivers],
            "KETERANGAN": [KET_BASE] * len(rivers),
        },
        geometry=[r[1] for r in rivers],
        crs=METRIC_CRS,
    )

    with _fixed_gdal_date():
        _write(desa, out_dir / "desa.gpkg", layer="desa", driver="GPKG")
        _write(zoning, out_dir / "pola_ruang.gpkg", layer="pola_ruang", driver="GPKG")
    _write_zipped_shapefile(kec_geo, out_dir / "kecamatan.zip", "kecamatan")
    _write(kab, out_dir / "kabupaten.geojson", driver="GeoJSON")
    _write(roads, out_dir / "jalan.geojson", driver="GeoJSON")
    _write(lp2b, out_dir / "lp2b.geojson", driver="GeoJSON")
    _write(hazard, out_dir / "rawan_bencana.geojson", driver="GeoJSON")
    _write(sungai, out_dir / "sungai.fgb", driver="FlatGeobuf")

    return {
        "kabupaten": len(kab),
        "kecamatan": len(kec_geo),
        "desa": len(desa),
        "pola_ruang": len(zoning),
        "lp2b": len(lp2b),
        "rawan_bencana": len(hazard),
        "jalan": len(roads),
        "sungai": len(sungai),
    }
