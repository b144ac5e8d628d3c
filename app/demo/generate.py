"""Deterministic generator of the Kabupaten Batang demo region pack.

The kabupaten, kecamatan and desa layers are Batang's REAL boundaries (BIG-derived, simplified,
MIT; read from ``layers/batang-demo/source/`` by ``app.demo.boundaries``). Everything laid over
them (pola ruang, LP2B and hazard overlays, roads, rivers) is SYNTHETIC demo data with plausible
shapes and attributes: it is not the official RTRW/RDTR of Kabupaten Batang.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Iterator, Sequence
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

from app.demo.boundaries import (
    COAST_EAST,
    COAST_WEST,
    SOURCE_DIR,
    Boundaries,
    coastline,
    northern_edge,
    read_boundaries,
)
from app.demo.budget import write_budget
from app.demo.ppid import write_ppid
from app.demo.rasters import write_rasters

RULES_DIR = SOURCE_DIR.parent / "rules"  # the demo pack's rules: which zones forbid what
GEO_CRS = "EPSG:4326"
METRIC_CRS = "EPSG:32749"
GRID_M = 0.01  # precision grid of metric geometries (m)
GRID_DEG = 1e-7  # precision grid of lon/lat geometries (deg)
FIXED_DATE = "2024-01-01"  # written into file metadata instead of "now" (reproducible files)

KET_PLAN = "Data demo sintetis, bukan rencana resmi"
KET_BASE = "Data demo sintetis, bukan data resmi"
KET_OVERLAY = "Data demo sintetis, bukan penetapan resmi"

# Town centres, one per kecamatan, at the representative point of a real desa (the kecamatan
# capital; for Batang the kelurahan Kauman around the alun-alun):
# (kecamatan, desa, radius m, level 1..3, on the Pantura road).
TOWNS: tuple[tuple[str, str, float, int, bool], ...] = (
    ("Batang", "Kauman", 2600.0, 1, True),
    ("Kandeman", "Kandeman", 900.0, 3, True),
    ("Tulis", "Tulis", 900.0, 3, True),
    ("Subah", "Subah", 1100.0, 2, True),
    ("Banyuputih", "Banyuputih", 900.0, 3, True),
    ("Gringsing", "Gringsing", 1100.0, 2, True),
    ("Warungasem", "Warungasem", 800.0, 3, False),
    ("Limpung", "Limpung", 1300.0, 2, False),
    ("Wonotunggal", "Wonotunggal", 700.0, 3, False),
    ("Bandar", "Bandar", 900.0, 3, False),
    ("Blado", "Blado", 700.0, 3, False),
    ("Reban", "Reban", 700.0, 3, False),
    ("Bawang", "Bawang", 900.0, 3, False),
    ("Tersono", "Tersono", 700.0, 3, False),
    ("Pecalungan", "Pecalungan", 700.0, 3, False),
)

# Rivers: (name, source lon, source lat, mouth lon, meander amplitude m); the sources lie in the
# southern highlands inside the real outline, the mouths on its coast.
RIVERS: tuple[tuple[str, float, float, float, float], ...] = (
    ("Kali Kupang", 109.772, -7.090, 109.722, 200.0),
    ("Kali Sambong", 109.800, -7.150, 109.742, 450.0),
    ("Kali Lojahan", 109.845, -7.170, 109.800, 450.0),
    ("Kali Kramat", 109.885, -7.165, 109.858, 400.0),
    ("Kali Boyo", 109.930, -7.170, 109.905, 400.0),
    ("Kali Gede", 109.948, -7.070, 109.935, 300.0),
    ("Kali Kuto", 110.022, -6.995, 110.030, 150.0),
)

# Collector roads between town centres.
COLLECTORS: tuple[tuple[str, str], ...] = (
    ("Batang", "Warungasem"),
    ("Warungasem", "Wonotunggal"),
    ("Batang", "Bandar"),
    ("Bandar", "Blado"),
    ("Tulis", "Pecalungan"),
    ("Pecalungan", "Reban"),
    ("Subah", "Limpung"),
    ("Limpung", "Bawang"),
    ("Banyuputih", "Limpung"),
    ("Gringsing", "Tersono"),
    ("Tersono", "Limpung"),
)

# Kawasan Industri Terpadu (demo): centre (lon, lat) and outline offsets in metres. The real
# KIT Batang lies in Ketanggan (Gringsing) and Kedawung (Banyuputih), near the east coast.
ESTATE_CENTRE = (109.985, -6.950)
ESTATE_SHAPE: tuple[tuple[float, float], ...] = (
    (-3200.0, -1840.0),
    (-2810.0, 2520.0),
    (2330.0, 3300.0),
    (3200.0, 870.0),
    (2810.0, -2230.0),
    (-390.0, -2720.0),
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


RNG_STREAMS = ("land", "desa", "names", "rivers", "roads", "zoning", "lp2b", "hazard")
ZONING_SEEDS_UNIFORM = 1500
ZONING_SEEDS_PER_LEVEL = {1: 350, 2: 100, 3: 40}
SLIVER_M2 = 100.0

# --------------------------------------------------------------------------------------------
# small helpers


@lru_cache(maxsize=2)
def _transformer(src: str, dst: str) -> Transformer:
    """Return an always-xy transformer from `src` to `dst` (cached)."""
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
    shapely.prepare(region)
    inside = shapely.contains_properly(region, geoms)
    out = np.empty(len(geoms), dtype=object)
    # wholly inside: only snap to the grid (the same result, much faster than intersecting)
    out[inside] = shapely.set_precision(geoms[inside], GRID_M)
    out[~inside] = shapely.intersection(geoms[~inside], region, grid_size=GRID_M)
    return _polygonal_all(out)


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
# land, coast, towns, rivers, roads


class _Coast:
    """Coastline latitude as a function of longitude: the northern edge of the real outline."""

    def __init__(self, land_lonlat: shapely.Geometry) -> None:
        self.lon = np.linspace(COAST_WEST[0], COAST_EAST[0], 400)
        south = min(COAST_WEST[1], COAST_EAST[1]) - 0.05
        north_part = shapely.clip_by_rect(land_lonlat, -180.0, south, 180.0, 0.0)
        self.north = northern_edge(north_part, self.lon)

    def lat(self, lon: np.ndarray | float) -> np.ndarray:
        """Northernmost latitude of the kabupaten at ``lon`` (the Java Sea coast)."""
        return np.interp(lon, self.lon, self.north)


def _metric_polygons(geoms: np.ndarray) -> np.ndarray:
    """Project lon/lat polygons to UTM 49S on the metric grid, keeping them valid polygons."""
    out = shapely.set_precision(shapely.transform(geoms, _fwd_xy), GRID_M)
    bad = ~shapely.is_valid(out)
    if bad.any():
        out[bad] = [_polygonal(g) for g in shapely.make_valid(out[bad])]
    return _polygonal_all(out)


def _build_land(kab_lonlat: shapely.Geometry) -> tuple[shapely.Geometry, LineString]:
    """Land polygon (the real kabupaten outline) and its Java Sea coastline, both metric."""
    land = _metric_polygons(np.array([kab_lonlat], dtype=object))[0]
    if not (land.is_valid and land.geom_type == "Polygon"):
        raise RuntimeError("the kabupaten outline is not a single valid polygon")
    ends = _fwd_xy(np.array([COAST_WEST, COAST_EAST]))
    return land, coastline(land, ends[0], ends[1])


def _town_points(desa: gpd.GeoDataFrame) -> dict[str, np.ndarray]:
    """Metric centre of each town: the representative point of its real capital desa."""
    geoms = dict(zip(zip(desa["WADMKC"], desa["NAMOBJ"], strict=True), desa.geometry, strict=True))
    out = {}
    for kec_name, desa_name, *_ in TOWNS:
        p = geoms[(kec_name, desa_name)].representative_point()
        out[kec_name] = np.array([round(p.x, 2), round(p.y, 2)])
    return out


def _place(desa: gpd.GeoDataFrame, name: str) -> np.ndarray:
    """Metric representative point of the (unique) real desa called ``name``."""
    row = desa[desa["NAMOBJ"] == name]
    if len(row) != 1:
        raise RuntimeError(f"no single desa {name}")
    return np.asarray(row.geometry.iloc[0].representative_point().coords[0])


def _catmull_rom(points: np.ndarray, n: int = 80) -> np.ndarray:
    """Return a smooth curve through the points (uniform Catmull-Rom spline, n per span)."""
    p = np.vstack([2 * points[0] - points[1], points, 2 * points[-1] - points[-2]])
    t = np.linspace(0.0, 1.0, n, endpoint=False)[:, None]
    spans = []
    for i in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[i - 1], p[i], p[i + 1], p[i + 2]
        spans.append(
            0.5
            * (
                2 * p1
                + (p2 - p0) * t
                + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                + (3 * p1 - p0 - 3 * p2 + p3) * t**3
            )
        )
    return np.vstack([*spans, points[-1:]])


def _build_pantura(land: shapely.Geometry, towns: dict[str, np.ndarray]) -> LineString:
    """Return the main coastal road (metric) through the coastal towns, clipped to the land."""
    stops = np.array([towns[t[0]] for t in TOWNS if t[4]])
    stops = stops[np.argsort(stops[:, 0], kind="stable")]
    ctrl = np.vstack([stops[0] + (-6000.0, 400.0), stops, stops[-1] + (6000.0, -600.0)])
    line = shapely.set_precision(LineString(_catmull_rom(ctrl)), GRID_M)
    pieces = shapely.get_parts(shapely.intersection(line, land, grid_size=GRID_M))
    road = max(pieces, key=lambda g: g.length)
    if max(road.distance(Point(xy)) for xy in stops) > 1.0:
        raise RuntimeError("the Pantura road leaves the land between coastal towns")
    return road


def _build_rivers(
    coast_fn: _Coast, land: shapely.Geometry, rng: np.random.Generator
) -> list[tuple[str, LineString]]:
    """Rivers from the southern highlands to the coast (metric)."""
    out = []
    for name, lon0, lat0, lon1, amp in RIVERS:
        a, b = _fwd_xy(np.array([[lon0, lat0], [lon1, float(coast_fn.lat(lon1)) + 0.01]]))
        line = LineString(_wiggly_line(a, b, amp, rng, step=80.0))
        river = shapely.set_precision(_piece_from(line, land, a), GRID_M)
        out.append((name, river))
    return out


# --------------------------------------------------------------------------------------------
# zoning


def _zone_rule(lat: float, t: float, level: int, d_road: float, u: float, v: float) -> str:
    """Return a cell's base sub-zone from latitude, normalised town and road distances."""
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
    coast_fn: _Coast,
    rivers: list[tuple[str, LineString]],
    pantura: LineString,
    towns: dict[str, np.ndarray],
    admin: Boundaries,
    rng: np.random.Generator,
) -> gpd.GeoDataFrame:
    """Pola ruang polygons (metric) covering the land without overlaps.

    The cells are Voronoi cells over the real outline, so the plan covers the whole kabupaten
    whatever the gaps and overlaps between the real desa; each cell belongs to the real
    kecamatan that holds its representative point (``WADMKC``).
    """
    shapely.prepare(land)
    seeds = [_sample_in(land, ZONING_SEEDS_UNIFORM, rng)]
    for name, _, spread, level, _ in TOWNS:
        n = ZONING_SEEDS_PER_LEVEL[level]
        xy = towns[name] + rng.normal(0.0, 0.8 * spread, size=(n, 2))
        seeds.append(xy[shapely.contains_xy(land, xy[:, 0], xy[:, 1])])
    xy = np.vstack(seeds)
    cells = _clip(_voronoi(xy, land), land)
    cells = cells[~shapely.is_empty(cells)]

    cent = shapely.get_coordinates(shapely.point_on_surface(cells))
    lonlat = _inv_xy(cent)
    town_xy = np.array([towns[t[0]] for t in TOWNS])
    radius = np.array([t[2] for t in TOWNS])
    levels = np.array([t[3] for t in TOWNS])
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

    # each cell in the real kecamatan holding its representative point (nearest one in a gap)
    kec_geoms = _metric_polygons(admin.kecamatan.geometry.to_numpy())
    kec_names = np.array(admin.kecamatan["WADMKC"].tolist(), dtype=object)
    cell_kec = _kecamatan_of(cent, kec_geoms)
    kec_parts = np.array(
        [
            _polygonal(shapely.coverage_union_all(cells[cell_kec == k]))
            for k in range(len(kec_geoms))
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

    def on_coast(place: np.ndarray) -> np.ndarray:
        lon = float(_inv_xy(place[None, :])[0, 0])
        return geo(lon, float(coast_fn.lat(lon)) - 0.0015)

    desa = admin.desa.set_geometry(_metric_polygons(admin.desa.geometry.to_numpy()))
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
    pick("W", on_coast(_place(desa, "Ujungnegoro")), 2, 2)  # Pantai Ujungnegoro
    pick("W", on_coast(_place(desa, "Klidang Lor")), 1, 1)  # Pantai Sigandu
    pick("W", _place(desa, "Keteleng"), 2, 3)  # highland tea-garden tourism (Pagilaran)
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

    ps_pieces = _clip(kec_parts, ps)
    geoms = np.concatenate([cells, [estate], ps_pieces])
    zcodes = np.concatenate([codes, ["I"], ["PS"] * len(ps_pieces)]).astype(object)
    namszn = [SUBZONES[c][3] for c in zcodes]
    namszn[len(cells)] = ESTATE_NAMSZN
    kec_of: list[str | None] = [*kec_names[cell_kec], None, *kec_names]

    parts, owner = shapely.get_parts(geoms, return_index=True)
    nonempty = ~shapely.is_empty(parts)
    parts, owner = parts[nonempty], owner[nonempty]
    keep = _absorb(parts, shapely.area(parts) < SLIVER_M2, drop_unmatched=True)
    parts, owner = parts[keep], owner[keep]
    parts = np.array([_polygonal(p) for p in parts], dtype=object)

    # the estate's parts: the kecamatan holding their representative point (or the nearest)
    estate_parts = owner == len(cells)
    reps = shapely.get_coordinates(shapely.point_on_surface(parts[estate_parts]))
    kec_name = np.empty(len(parts), dtype=object)
    kec_name[estate_parts] = kec_names[_kecamatan_of(reps, kec_geoms)]

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


def _kecamatan_of(xy: np.ndarray, kec_geoms: np.ndarray) -> np.ndarray:
    """Index of the kecamatan holding each point (first in code order; nearest in a gap)."""
    out = np.full(len(xy), -1)
    for k, geom in enumerate(kec_geoms):
        shapely.prepare(geom)
        hit = (out < 0) & shapely.contains_xy(geom, xy[:, 0], xy[:, 1])
        out[hit] = k
    for i in np.flatnonzero(out < 0):
        out[i] = int(np.argmin(shapely.distance(Point(xy[i]), kec_geoms)))
    return out


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
    coastal = [t[0] for t in TOWNS if t[4]]
    cuts = sorted((pantura.project(Point(towns[n])), n) for n in coastal)
    stops = [(0.0, "batas Kota Pekalongan"), *cuts, (pantura.length, "batas Kabupaten Kendal")]
    for (d0, n0), (d1, n1) in zip(stops[:-1], stops[1:], strict=True):
        seg = substring(pantura, d0, d1)
        rows.append(("arteri", f"Jalan Nasional Pantura ({n0} - {n1})", seg))
    for a, b in COLLECTORS:
        line = LineString(_wiggly_line(towns[a], towns[b], 350.0, rng))
        rows.append(("kolektor", f"Jalan Raya {a} - {b}", _piece_from(line, land, towns[a])))
    desa_only = desa[desa["JENIS"] == "Desa"]
    for kec_name, sub in desa_only.groupby("KDCPUM", sort=True):
        kec_name = str(sub["WADMKC"].iloc[0])
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


def generate(out_dir: Path, seed: int = 3325, source_dir: Path = SOURCE_DIR) -> dict[str, int]:
    """Write the Batang demo layers into ``out_dir``; return feature counts per layer.

    The admin layers are the real boundaries read from ``source_dir``; the rest is synthetic.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rngs = _rngs(seed)
    admin = read_boundaries(source_dir)

    kab_lonlat = admin.kabupaten.geometry.iloc[0]
    land, coast = _build_land(kab_lonlat)
    coast_fn = _Coast(kab_lonlat)
    desa = admin.desa.set_geometry(_metric_polygons(admin.desa.geometry.to_numpy()))
    desa = desa.set_crs(METRIC_CRS, allow_override=True)
    towns = _town_points(desa)
    pantura = _build_pantura(land, towns)
    rivers = _build_rivers(coast_fn, land, rngs["rivers"])

    zoning = _build_zoning(land, coast, coast_fn, rivers, pantura, towns, admin, rngs["zoning"])
    lp2b = _build_lp2b(zoning, rngs["lp2b"])
    hazard = _build_hazard(land, coast, rivers, rngs["hazard"])
    roads = _build_roads(land, pantura, towns, desa, rngs["roads"])

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
    _write_zipped_shapefile(admin.kecamatan, out_dir / "kecamatan.zip", "kecamatan")
    _write(admin.kabupaten, out_dir / "kabupaten.geojson", driver="GeoJSON")
    _write(roads, out_dir / "jalan.geojson", driver="GeoJSON")
    _write(lp2b, out_dir / "lp2b.geojson", driver="GeoJSON")
    _write(hazard, out_dir / "rawan_bencana.geojson", driver="GeoJSON")
    _write(sungai, out_dir / "sungai.fgb", driver="FlatGeobuf")
    # the APBD budget files and the PPID table (not layers: their counts are not returned)
    write_budget(out_dir, desa, zoning, land, RULES_DIR, seed=seed)
    write_ppid(out_dir, desa, seed=seed)
    # the thematic rasters: DEM, slope, flood and landslide hazard (not layers either)
    write_rasters(out_dir, land, coast, [r[1] for r in rivers], seed=seed)

    return {
        "kabupaten": len(admin.kabupaten),
        "kecamatan": len(admin.kecamatan),
        "desa": len(desa),
        "pola_ruang": len(zoning),
        "lp2b": len(lp2b),
        "rawan_bencana": len(hazard),
        "jalan": len(roads),
        "sungai": len(sungai),
    }
