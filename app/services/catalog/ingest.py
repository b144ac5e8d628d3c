"""Load a vector file into the catalog as a new layer version, all or nothing.

File -> GeoDataFrame (pyogrio, Arrow) -> field map -> reproject (pyproj) -> repair (shapely
make_valid) -> COPY into a fresh partition -> index -> attach -> point the layer at it.
Everything after reading happens in the caller's transaction; nothing is committed here.
Each version stores a fingerprint of the file and of every option that shaped it
(`load_fingerprint`), so a region load can tell an unchanged layer from a changed one.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from sqlalchemy import Connection, text

from app.errors import InvalidCRS, LoadError, RtrwError, SourceFileError
from app.models.catalog import LAYER_KINDS, POLYGON_KINDS, WEB_MAX_LAT, ZONING_PLANS
from app.services.bulk import copy_rows
from app.services.catalog import edges
from app.services.catalog.current import CURRENT_ADMIN_SQL
from app.services.catalog.fields import REQUIRED, resolve_fields
from app.services.catalog.history import lock_name, record_event
from app.services.catalog.layers import LAYER
from app.services.catalog.named import region_is
from app.services.catalog.regions import resolve_region
from app.services.geo import kemendagri
from app.services.geo.crs import STORAGE_SRID, crs_label, parse_crs, reproject_many
from app.settings import loader_settings

NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
SUFFIXES = {".shp", ".zip", ".gpkg", ".geojson", ".json", ".fgb"}
SHAPEFILE_SIDECARS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
POLYGONAL = {"Polygon", "MultiPolygon"}
LINEAR = {"LineString", "MultiLineString", "LinearRing"}
PUNTAL = {"Point", "MultiPoint"}
# The columns of a feature partition the loader writes, with their COPY types.
FEATURE_COLUMNS = (
    ("version_id", "int4"),
    ("fid", "int8"),
    ("code", "text"),
    ("name", "text"),
    ("parent_code", "text"),
    ("level", "int2"),
    ("props", "bytea"),
    ("geom", "bytea"),
    ("area_m2", "float8"),
    ("geom_m", "bytea"),
    ("clearance", "float8"),
)

# Part of every fingerprint: bump it when the loader writes different features from the same
# inputs, so that the next region load reloads every layer once.
LOADER_VERSION = 2

Progress = Callable[[int, int], None]
_TYPE_NAMES = {
    0: "Point",
    1: "LineString",
    2: "LinearRing",
    3: "Polygon",
    4: "MultiPoint",
    5: "MultiLineString",
    6: "MultiPolygon",
    7: "GeometryCollection",
}


@dataclass
class LoadRequest:
    """What to load: the file, the layer name and kind, and how to read it."""

    path: Path
    name: str
    kind: str
    title: str | None = None  # Bahasa Indonesia (None: the layer's title so far, else its name)
    title_en: str | None = None  # English (None with a title: none; with neither: kept)
    layer: str | None = None
    source_crs: str | None = None
    field_map: Mapping[str, str] = field(default_factory=dict)
    licence: str | None = None
    metric_crs: str | None = None
    actor: str | None = None  # who loads, for the audit trail (not part of the fingerprint)
    plan: str | None = None  # zoning only: rtrw or rdtr (None: taken as rtrw, and said so)
    oss_integrated: bool = False  # an RDTR integrated in OSS (the KKKPR route)
    region: str | None = None  # the region's Kemendagri code (load_layer: default the only one)
    # Fail (write nothing) when features lie outside the region's boundary or zone codes are
    # unknown to its rules, instead of warning (not part of the fingerprint).
    strict: bool = False


def zoning_plan(req: LoadRequest) -> tuple[str | None, bool]:
    """Return the plan and OSS flag a load of `req` stores; LoadError when they do not fit.

    A zoning layer without a plan is taken as the RTRW; other kinds have none.
    """
    if req.plan is not None and req.plan not in ZONING_PLANS:
        raise LoadError(
            f"unknown plan {req.plan!r}; plans are: {', '.join(ZONING_PLANS)}",
            message_id=f"Rencana {req.plan!r} tidak dikenal; pilihannya: {', '.join(ZONING_PLANS)}",
        )
    if req.kind != "zoning":
        if req.plan is not None or req.oss_integrated:
            raise LoadError(
                f"a plan (and oss_integrated) is declared only for zoning layers, not {req.kind!r}",
                message_id="Rencana (dan oss_integrated) hanya dinyatakan untuk lapisan zonasi, "
                f"bukan {req.kind!r}",
            )
        return None, False
    plan = req.plan or "rtrw"
    if req.oss_integrated and plan != "rdtr":
        raise LoadError(
            "oss_integrated applies to an RDTR only: declare plan rdtr",
            message_id="oss_integrated hanya berlaku untuk RDTR: nyatakan rencana rdtr",
        )
    return plan, req.oss_integrated


@dataclass
class LoadReport:
    """What a load did: counts, repairs, rejections with reasons, the version written."""

    name: str
    kind: str
    source_file: str
    source_crs: str
    read: int = 0
    written: int = 0
    repaired: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    version: int | None = None
    version_id: int | None = None
    field_map: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    plan: str | None = None
    oss_integrated: bool = False
    notes: list[str] = field(default_factory=list)
    # Problems that do not fail the load (desa whose code names another kecamatan than the
    # polygon under them, features outside the region, zone codes the rules do not know):
    # {"code", "message" (en), "message_id" (id), ...}; --strict fails on some (edges.py).
    warnings: list[dict[str, Any]] = field(default_factory=list)
    # How the layer lies against its region's boundary (edges.Edge.as_dict), or why it was
    # not measured; None for kinds and layers that are not measured.
    edge: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data (rejections capped at 1,000)."""
        return {
            "name": self.name,
            "kind": self.kind,
            "source_file": self.source_file,
            "source_crs": self.source_crs,
            "read": self.read,
            "written": self.written,
            "repaired": self.repaired,
            "rejected": len(self.rejected),
            "rejections": self.rejected[:1000],
            "version": self.version,
            "field_map": self.field_map,
            "seconds": round(self.seconds, 3),
            "plan": self.plan,
            "oss_integrated": self.oss_integrated,
            "notes": self.notes,
            "warnings": self.warnings,
            "edge": self.edge,
        }


@dataclass
class Prepared:
    """A source file read, mapped, reprojected and repaired, ready to write."""

    request: LoadRequest
    report: LoadReport
    frame: gpd.GeoDataFrame  # storage CRS, only the rows to write
    props: list[str]  # one JSON object per row
    area_m2: np.ndarray
    metric_geoms: np.ndarray | None  # polygon layers: the same rows in the metric CRS
    metric_srid: int | None
    geometry_type: str
    checksum: str
    source_layer: str | None
    metric_crs: str
    fingerprint: str


def file_checksum(path: Path) -> str:
    """Return the SHA-256 of the file (of .shp with its sidecar files for a Shapefile)."""
    digest = hashlib.sha256()
    parts = [path]
    if path.suffix.lower() == ".shp":
        parts = [p for s in SHAPEFILE_SIDECARS if (p := path.with_suffix(s)).exists()]
    for part in parts:
        with part.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def load_fingerprint(req: LoadRequest, checksum: str, source_layer: str | None) -> str:
    """Return the SHA-256 of the file checksum and every option that shapes the loaded version.

    Options are normalised first: CRSs to their EPSG labels, the field map to sorted
    (target, SOURCE) pairs, so spelling a value differently does not count as a change.
    """
    metric = req.metric_crs or loader_settings().default_metric_crs
    fields = req.field_map
    inputs = {
        "loader": LOADER_VERSION,
        "checksum": checksum,
        "kind": req.kind,
        "layer": source_layer,
        "source_crs": crs_label(parse_crs(req.source_crs)) if req.source_crs else None,
        "metric_crs": crs_label(parse_crs(metric)),
        "field_map": sorted((k.strip().lower(), v.strip().upper()) for k, v in fields.items()),
        "licence": req.licence,
        "title": req.title,
    }
    if req.title_en is not None:  # only when given, so older versions keep their fingerprints
        inputs["title_en"] = req.title_en
    plan, oss = zoning_plan(req)
    if plan is not None:  # zoning only, so other kinds keep their fingerprints
        inputs["plan"], inputs["oss_integrated"] = plan, oss
    blob = json.dumps(inputs, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def request_fingerprint(req: LoadRequest) -> str | None:
    """Return the fingerprint a load of `req` would store, or None if the file cannot tell yet.

    Reads only the file's bytes and its layer list; any problem is left to `prepare` to report.
    """
    try:
        validate_request(req)
        if req.path.suffix.lower() == ".zip":
            _check_zip(req.path)
        layer = _choose_layer(req.path, req.layer)
        return load_fingerprint(req, file_checksum(req.path), layer)
    except (RtrwError, OSError):
        return None


def validate_request(req: LoadRequest) -> None:
    """Raise LoadError for a bad name, kind or path before anything is read."""
    if not NAME_RE.match(req.name):
        raise LoadError(
            f"layer name {req.name!r} is not allowed: use lower-case letters, digits and _, "
            "starting with a letter (at most 63 characters)",
            message_id=f"Nama lapisan {req.name!r} tidak diizinkan: gunakan huruf kecil, angka "
            "dan _, diawali huruf (paling banyak 63 karakter)",
        )
    if req.kind not in LAYER_KINDS:
        raise LoadError(
            f"unknown kind {req.kind!r}; kinds are: {', '.join(LAYER_KINDS)}",
            message_id=f"Jenis lapisan {req.kind!r} tidak dikenal; pilihannya: "
            f"{', '.join(LAYER_KINDS)}",
        )
    zoning_plan(req)
    if not req.path.exists():
        raise SourceFileError(
            f"file not found: {req.path}", message_id=f"Berkas tidak ditemukan: {req.path}"
        )
    if req.path.suffix.lower() not in SUFFIXES:
        raise SourceFileError(
            f"{req.path.name}: unsupported file type {req.path.suffix!r}; "
            "use Shapefile (.shp or .zip), GeoPackage (.gpkg), GeoJSON (.geojson/.json) "
            "or FlatGeobuf (.fgb)",
            message_id=f"{req.path.name}: jenis berkas {req.path.suffix!r} tidak didukung; "
            "gunakan Shapefile (.shp atau .zip), GeoPackage (.gpkg), GeoJSON (.geojson/.json) "
            "atau FlatGeobuf (.fgb)",
        )


def _choose_layer(path: Path, layer: str | None) -> str | None:
    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(path)]
    except Exception as exc:  # pyogrio raises several GDAL error classes
        raise SourceFileError(
            f"cannot read {path.name}: {exc}",
            message_id=f"Berkas {path.name} tidak dapat dibaca: {exc}",
        ) from exc
    if layer is not None:
        if layer not in layers:
            raise SourceFileError(
                f"{path.name} has no layer {layer!r}; its layers are: {', '.join(layers)}",
                message_id=f"Lapisan {layer!r} tidak ditemukan di {path.name}; lapisan yang "
                f"ada: {', '.join(layers)}",
            )
        return layer
    if len(layers) > 1:
        names = ", ".join(layers)
        raise SourceFileError(
            f"{path.name} holds {len(layers)} layers ({names}): choose one with --layer",
            message_id=f"{path.name} berisi {len(layers)} lapisan ({names}): "
            "pilih salah satu dengan --layer",
        )
    if not layers:
        raise SourceFileError(
            f"{path.name} holds no layer", message_id=f"{path.name} tidak berisi lapisan apa pun"
        )
    return layers[0] if path.suffix.lower() == ".gpkg" else None


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
            names = zf.namelist()
    except zipfile.BadZipFile as exc:
        raise SourceFileError(
            f"{path.name} is not a readable zip file: {exc}",
            message_id=f"{path.name} bukan berkas zip yang dapat dibaca: {exc}",
        ) from exc
    if bad is not None:
        raise SourceFileError(
            f"{path.name}: member {bad} is corrupt",
            message_id=f"{path.name}: berkas {bad} di dalamnya rusak",
        )
    if not any(n.lower().endswith(".shp") for n in names):
        raise SourceFileError(
            f"{path.name} holds no .shp file", message_id=f"{path.name} tidak berisi berkas .shp"
        )


def read_source(req: LoadRequest) -> tuple[gpd.GeoDataFrame, str | None]:
    """Return the features as a GeoDataFrame and the layer read; SourceFileError if unreadable."""
    if req.path.suffix.lower() == ".zip":
        _check_zip(req.path)
    layer = _choose_layer(req.path, req.layer)
    try:
        gdf = pyogrio.read_dataframe(req.path, layer=layer, use_arrow=True)
    except Exception as exc:
        raise SourceFileError(
            f"cannot read {req.path.name}: {exc}",
            message_id=f"Berkas {req.path.name} tidak dapat dibaca: {exc}",
        ) from exc
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry is None:
        raise SourceFileError(
            f"{req.path.name} has no geometry column",
            message_id=f"{req.path.name} tidak memiliki kolom geometri",
        )
    return gdf, layer


def source_codes(req: LoadRequest) -> dict[str, int]:
    """Return the distinct codes of a file's features as a load would map them, with counts.

    Reads the attributes only (no geometry); features without a code are left out, as a
    load rejects them. SourceFileError / FieldMappingError as a load would raise.
    """
    validate_request(req)
    if req.path.suffix.lower() == ".zip":
        _check_zip(req.path)
    layer = _choose_layer(req.path, req.layer)
    try:
        attrs = pyogrio.read_dataframe(req.path, layer=layer, read_geometry=False, use_arrow=True)
    except Exception as exc:
        raise SourceFileError(
            f"cannot read {req.path.name}: {exc}",
            message_id=f"Berkas {req.path.name} tidak dapat dibaca: {exc}",
        ) from exc
    non_empty = [c for c in attrs.columns if attrs[c].notna().any()]
    mapping = resolve_fields(req.kind, attrs.columns, req.field_map, non_empty)
    if "code" not in mapping:
        return {}
    codes = pd.Series(_texts(attrs[mapping["code"]])).dropna()
    return {str(k): int(n) for k, n in codes.value_counts().items()}


def _family(types: pd.Series) -> str:
    present = set(types.dropna().unique())
    if present and present <= POLYGONAL:
        return "MultiPolygon"
    if present and present <= LINEAR:
        return "MultiLineString" if "MultiLineString" in present else "LineString"
    if present and present <= PUNTAL:
        return "MultiPoint" if "MultiPoint" in present else "Point"
    return "Geometry"


def _polygonal_parts(geoms: np.ndarray) -> np.ndarray:
    """Return each geometry reduced to its polygonal parts as a MultiPolygon (empty if none)."""
    parts, owner = shapely.get_parts(geoms, return_index=True)
    keep = np.isin(shapely.get_type_id(parts), (3, 6))
    polys, sub = shapely.get_parts(parts[keep], return_index=True)
    out = np.empty(len(geoms), dtype=object)
    out[:] = shapely.MultiPolygon()
    return shapely.multipolygons(polys, indices=owner[keep][sub], out=out)


def _reject_non_polygonal(
    req: LoadRequest, geoms: np.ndarray, keep: np.ndarray, reasons: dict[int, str]
) -> None:
    """Reject each point or line of a polygon-kind layer; LoadError if no polygon is left.

    A geometry collection is kept when it has a polygonal part (only that part is stored).
    """
    types = shapely.get_type_id(geoms)
    wrong = keep & ~np.isin(types, (3, 6))
    collections = np.flatnonzero(wrong & (types == 7))
    if collections.size:
        wrong[collections[~shapely.is_empty(_polygonal_parts(geoms[collections]))]] = False
    if not wrong.any():
        return
    for i in np.flatnonzero(wrong):
        reasons[int(i)] = (
            f"{_TYPE_NAMES.get(int(types[i]), 'unknown')} geometry: "
            f"{req.kind} layers take polygons only"
        )
    keep[wrong] = False
    if not keep.any():
        found = pd.Series(types[wrong]).map(_TYPE_NAMES).value_counts()
        counted = ", ".join(f"{n} {t}" for t, n in found.items())
        raise LoadError(
            f"{req.path.name}: {req.kind} layers take polygons, but the file has none "
            f"({counted}); "
            "load points and lines as a base or thematic layer",
            message_id=f"{req.path.name}: lapisan {req.kind} hanya menerima poligon, tetapi "
            f"berkas ini tidak berisi poligon ({counted}); "
            "muat titik dan garis sebagai lapisan base atau thematic",
        )


def _props_json(frame: pd.DataFrame) -> list[str]:
    """Return one JSON object per row with every source attribute (dates as ISO text)."""
    if frame.shape[1] == 0:
        return ["{}"] * len(frame)
    lines = frame.to_json(orient="records", lines=True, date_format="iso", force_ascii=False)
    out = lines.split("\n")
    if out and out[-1] == "":
        out.pop()
    return out


def _texts(column: pd.Series) -> np.ndarray:
    """Return a column as stripped text (None for empty), whole floats written as integers."""
    if pd.api.types.is_string_dtype(column.dtype) or pd.api.types.is_integer_dtype(column.dtype):
        text_col = column.astype("string").str.strip()
        text_col = text_col.mask(text_col == "")
        return text_col.to_numpy(dtype=object, na_value=None)
    return np.array([_as_text(v) for v in column], dtype=object)


def _multipolygons(geoms: np.ndarray) -> np.ndarray:
    """Return every geometry as a MultiPolygon of its polygonal parts (empty if none)."""
    types = shapely.get_type_id(geoms)
    if (types == 6).all():
        return geoms
    if np.isin(types, (3, 6)).all():  # the usual case: wrap Polygons, keep MultiPolygons
        out = geoms.copy()
        single = np.flatnonzero(types == 3)
        out[single] = shapely.multipolygons(geoms[single], indices=np.arange(len(single)))
        return out
    return _polygonal_parts(geoms)


def _repair_polygons(geoms: np.ndarray, skip: np.ndarray) -> np.ndarray:
    """Return a mask of the invalid polygons (not in `skip`), repaired in place."""
    invalid = ~skip & ~shapely.is_valid(geoms)
    if invalid.any():
        geoms[invalid] = _multipolygons(shapely.make_valid(geoms[invalid]))
    return invalid


def _as_text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text_value = str(value).strip()
    return text_value or None


# Long by design (C901): the loader's steps in order, each refusing where it stands.
def prepare(req: LoadRequest) -> Prepared:  # noqa: C901
    """Read, map, reproject and repair the file; return what to write. Raises LoadError."""
    t0 = time.perf_counter()
    validate_request(req)
    settings = loader_settings()
    gdf, layer = read_source(req)
    if req.source_crs:
        src_crs = parse_crs(req.source_crs)
        gdf = gdf.set_crs(src_crs, allow_override=True)
    elif gdf.crs is None:
        raise InvalidCRS(
            f"{req.path.name} does not say its CRS: "
            "pass --source-crs (e.g. EPSG:32749 or EPSG:4326)",
            message_id=f"{req.path.name} tidak menyebutkan sistem koordinatnya (CRS): "
            "berikan --source-crs (mis. EPSG:32749 atau EPSG:4326)",
        )
    src_crs = CRS.from_user_input(gdf.crs)
    metric_crs = parse_crs(req.metric_crs or settings.default_metric_crs)
    if metric_crs.is_geographic:
        raise InvalidCRS(
            f"metric CRS {crs_label(metric_crs)} is geographic; areas need metres",
            message_id=f"CRS metrik {crs_label(metric_crs)} adalah CRS geografis; "
            "perhitungan luas memerlukan satuan meter",
        )

    report = LoadReport(
        name=req.name, kind=req.kind, source_file=req.path.name, source_crs=crs_label(src_crs)
    )
    report.plan, report.oss_integrated = zoning_plan(req)
    if req.kind == "zoning" and req.plan is None:
        report.notes.append(
            "no plan declared: taken as rtrw (declare --plan rdtr for a detailed plan)"
        )
    report.read = len(gdf)
    geom_col = gdf.geometry.name
    attrs = gdf.drop(columns=[geom_col])
    non_empty = [c for c in attrs.columns if attrs[c].notna().any()]
    mapping = resolve_fields(req.kind, attrs.columns, req.field_map, non_empty)
    report.field_map = dict(mapping)

    keep = np.ones(len(gdf), dtype=bool)
    reasons: dict[int, str] = {}

    def reject(mask: np.ndarray, reason: str) -> None:
        for i in np.flatnonzero(mask & keep):
            reasons[int(i)] = reason
        keep[mask] = False

    geoms = gdf.geometry.to_numpy()
    reject(shapely.is_missing(geoms) | shapely.is_empty(geoms), "empty or missing geometry")
    if req.kind in POLYGON_KINDS:
        _reject_non_polygonal(req, geoms, keep, reasons)

    codes = (
        _texts(attrs[mapping["code"]])
        if ("code" in mapping)
        else np.full(len(gdf), None, dtype=object)
    )
    names = (
        _texts(attrs[mapping["name"]])
        if ("name" in mapping)
        else np.full(len(gdf), None, dtype=object)
    )
    if "code" in mapping and "code" in REQUIRED[req.kind]:
        reject(pd.isna(codes), f"empty {mapping['code']} (code)")
    if "name" in mapping and "name" in REQUIRED[req.kind]:
        reject(pd.isna(names), f"empty {mapping['name']} (name)")
    parents = np.full(len(gdf), None, dtype=object)
    levels = np.full(len(gdf), None, dtype=object)
    if req.kind == "admin":
        normal = np.array([kemendagri.normalize_code(c) for c in codes], dtype=object)
        bad = pd.isna(normal) & ~pd.isna(codes)
        for i in np.flatnonzero(bad & keep):
            reasons[int(i)] = f"{codes[i]!r} is not a Kemendagri code (like 33.25.01.2001)"
        keep[bad] = False
        codes = normal
        parents = np.array([kemendagri.parent_of(c) if c else None for c in codes], dtype=object)
        levels = np.array([kemendagri.level_of(c) if c else None for c in codes], dtype=object)

    # Drop Z and repair where the data was drawn (the source CRS), then reproject to storage.
    # Polygon layers also keep their metric-CRS geometry (areas, and the check cuts on it):
    # when the file is in the metric CRS (the usual RDTR GeoPackage in UTM) that is the
    # repaired source itself, so it costs no second reprojection.
    idx = np.flatnonzero(keep)
    src_geoms = geoms[idx]
    if shapely.has_z(src_geoms).any():
        src_geoms = shapely.force_2d(src_geoms)
    storage = CRS.from_epsg(STORAGE_SRID)
    bad_coords = ~np.isfinite(shapely.bounds(src_geoms)).all(axis=1)
    polygonal = req.kind in POLYGON_KINDS or (
        _family(pd.Series(shapely.get_type_id(src_geoms)).map(_TYPE_NAMES)) == "MultiPolygon"
    )
    family = (
        "MultiPolygon"
        if polygonal
        else _family(pd.Series(shapely.get_type_id(src_geoms)).map(_TYPE_NAMES))
    )
    if polygonal:
        invalid = ~bad_coords & ~shapely.is_valid(src_geoms)
        if invalid.any():
            src_geoms[invalid] = shapely.make_valid(src_geoms[invalid])
        src_geoms = _multipolygons(src_geoms)
    else:
        invalid = ~bad_coords & ~shapely.is_valid(src_geoms)
        if invalid.any():
            src_geoms[invalid] = shapely.make_valid(src_geoms[invalid])

    def to(target: CRS, values: np.ndarray, crs: CRS) -> np.ndarray:
        if crs.equals(target):
            return values.copy()
        try:
            return gpd.GeoSeries(values, crs=crs).to_crs(target).to_numpy()
        except Exception as exc:
            raise InvalidCRS(
                f"cannot reproject from {crs_label(crs)}: {exc}",
                message_id=f"Geometri tidak dapat diproyeksikan ulang dari {crs_label(crs)}: {exc}",
            ) from exc

    out = to(storage, src_geoms, src_crs)
    bad_coords |= ~np.isfinite(shapely.bounds(out)).all(axis=1)
    metric: np.ndarray | None = None
    if polygonal:
        # A ring valid where it was drawn can touch itself after reprojection: repair again.
        invalid |= _repair_polygons(out, bad_coords | shapely.is_empty(out))
        if src_crs.equals(metric_crs):  # the repaired source is already the metric geometry
            metric = src_geoms
        else:
            metric = to(metric_crs, out, storage)
            bad_coords |= ~np.isfinite(shapely.bounds(metric)).all(axis=1)
            _repair_polygons(metric, bad_coords | shapely.is_empty(metric))
        emptied = (shapely.is_empty(out) | shapely.is_empty(metric)) & ~bad_coords
        for j in np.flatnonzero(emptied):
            reasons[int(idx[j])] = "repair left no polygon (degenerate ring)"
    else:
        emptied = shapely.is_empty(out) & ~bad_coords
        for j in np.flatnonzero(emptied):
            reasons[int(idx[j])] = "repair left an empty geometry"
    for j in np.flatnonzero(bad_coords):
        reasons[int(idx[j])] = "coordinates outside the source CRS or not finite"
    good = ~emptied & ~bad_coords
    report.repaired = int((invalid & good).sum())
    idx, out = idx[good], out[good]
    keep[:] = False
    keep[idx] = True
    area = np.full(len(out), np.nan)
    if metric is not None:
        metric = metric[good]
        area = shapely.area(metric)

    frame = gpd.GeoDataFrame(
        {
            "fid": idx + 1,
            "code": codes[idx],
            "name": names[idx],
            "parent_code": parents[idx],
            "level": levels[idx],
        },
        geometry=gpd.GeoSeries(out, crs=storage),
    )
    report.rejected = [{"fid": i + 1, "reason": reasons[i]} for i in sorted(reasons) if not keep[i]]
    report.written = len(frame)
    if report.written == 0:
        raise LoadError(
            f"{req.path.name}: no feature could be loaded ({report.read} read, "
            f"{len(report.rejected)} rejected"
            + (f"; first reason: {report.rejected[0]['reason']}" if report.rejected else "")
            + ")",
            message_id=f"{req.path.name}: tidak ada fitur yang dapat dimuat ({report.read} "
            f"dibaca, {len(report.rejected)} ditolak"
            + (f"; alasan pertama: {report.rejected[0]['reason']}" if report.rejected else "")
            + ")",
        )
    props = _props_json(attrs.iloc[idx])
    checksum = file_checksum(req.path)
    report.seconds = time.perf_counter() - t0
    return Prepared(
        request=req,
        report=report,
        frame=frame,
        props=props,
        area_m2=area,
        metric_geoms=metric,
        metric_srid=metric_crs.to_epsg() if metric is not None else None,
        geometry_type=family,
        checksum=checksum,
        source_layer=layer,
        metric_crs=crs_label(metric_crs),
        fingerprint=load_fingerprint(req, checksum, layer),
    )


def write(
    conn: Connection, prep: Prepared, progress: Progress | None = None, guard: bool = True
) -> LoadReport:
    """Write a prepared layer as a new version inside `conn`'s transaction; return the report.

    The features go into a fresh partition (COPY, then GiST index and primary key, then
    ATTACH); the layer's current version moves to it last. The caller commits or rolls back.
    Then the guards run (`check_edges`) unless `guard` is False: a region pack runs them after
    all its layers and its rule set are written.
    """
    t0 = time.perf_counter()
    req, report = prep.request, prep.report
    settings = loader_settings()
    lock_name(conn, LAYER, req.name, req.region)
    conn.execute(text("SET LOCAL statement_timeout = 0"))  # a large COPY is one statement
    row = conn.execute(
        text(
            "SELECT l.id, l.kind, l.title, v.version AS current, v.title_en "
            f"FROM {LAYER.current(left=True)} WHERE l.name = :n AND {region_is()} FOR UPDATE OF l"
        ),
        {"n": req.name, "region": req.region},
    ).first()
    title = req.title or (row.title if row else req.name)
    # A new Indonesian title without an English one drops the old English title (it would
    # name something else); a load that gives neither keeps both, as it keeps `title`.
    title_en = req.title_en or (row.title_en if row and req.title is None else None)
    if row is None:
        layer_id = conn.execute(
            text(
                "INSERT INTO layer (name, title, kind, region_code) "
                "VALUES (:n, :t, :k, :r) RETURNING id"
            ),
            {"n": req.name, "t": title, "k": req.kind, "r": req.region},
        ).scalar_one()
    else:
        check_kind(conn, req)
        layer_id = row.id
    version = conn.execute(
        text("SELECT coalesce(max(version), 0) + 1 FROM layer_version WHERE layer_id = :l"),
        {"l": layer_id},
    ).scalar_one()
    version_id = conn.execute(
        text(
            """
            INSERT INTO layer_version (layer_id, version, title, title_en, kind, source_file,
                source_layer, checksum, source_crs, metric_crs, geometry_type, feature_count,
                licence, field_map, fingerprint, plan, oss_integrated)
            VALUES (:l, :v, :t, :ten, :k, :f, :sl, :c, :s, :m, :g, 0, :lic, CAST(:fm AS jsonb),
                :fp, :plan, :oss)
            RETURNING id
            """
        ),
        {
            "l": layer_id,
            "v": version,
            "t": title,
            "ten": title_en,
            "k": req.kind,
            "f": prep.report.source_file,
            "sl": prep.source_layer,
            "c": prep.checksum,
            "s": report.source_crs,
            "m": prep.metric_crs,
            "g": prep.geometry_type,
            "lic": req.licence,
            "fm": json.dumps(report.field_map),
            "fp": prep.fingerprint,
            "plan": report.plan,
            "oss": report.oss_integrated,
        },
    ).scalar_one()
    part = f"feature_v{int(version_id)}"
    # INCLUDING GENERATED: geom_web is computed by PostgreSQL as the COPY writes each row
    conn.execute(text(f"CREATE TABLE {part} (LIKE feature INCLUDING DEFAULTS INCLUDING GENERATED)"))
    conn.execute(text(f"ALTER TABLE {part} ADD CHECK (version_id = {int(version_id)})"))

    frame = prep.frame
    # Binary COPY: each field goes in the column type's binary input format. For geometry that
    # is EWKB, exactly the bytes shapely writes, so they are sent as they are (declared
    # `bytea`, whose binary form is the raw bytes); jsonb's binary form is a version byte (1)
    # and the JSON text. No hex encoding on our side, no hex decoding on the server's.
    wkb = shapely.to_wkb(
        shapely.set_srid(frame.geometry.to_numpy(), STORAGE_SRID), include_srid=True
    )
    if prep.metric_geoms is not None and prep.metric_srid is not None:
        wkb_m = shapely.to_wkb(
            shapely.set_srid(prep.metric_geoms, prep.metric_srid), include_srid=True
        )
    else:  # not polygonal, or a metric CRS without an EPSG code: the check transforms geom
        wkb_m = np.full(len(wkb), None, dtype=object)
    fids = frame["fid"].to_numpy()
    codes, names = frame["code"].to_numpy(), frame["name"].to_numpy()
    parents, levels = frame["parent_code"].to_numpy(), frame["level"].to_numpy()
    areas = [None if math.isnan(a) else float(a) for a in prep.area_m2]
    clear = clearances(frame.geometry.to_numpy())
    total = len(frame)

    def rows() -> Iterator[tuple[Any, ...]]:
        for i in range(total):
            level = levels[i]
            yield (
                version_id,
                int(fids[i]),
                codes[i],
                names[i],
                parents[i],
                None if level is None else int(level),
                b"\x01" + prep.props[i].encode(),
                wkb[i],
                areas[i],
                wkb_m[i],
                clear[i],
            )
            if progress and (i + 1) % settings.copy_batch == 0:
                progress(i + 1, total)

    copy_rows(conn, part, FEATURE_COLUMNS, rows())
    if progress:
        progress(total, total)
    conn.execute(text(f"ALTER TABLE {part} ADD PRIMARY KEY (version_id, fid)"))
    conn.execute(text(f"CREATE INDEX {part}_geom_idx ON {part} USING gist (geom)"))
    conn.execute(text(f"CREATE INDEX {part}_code_idx ON {part} (version_id, code)"))
    conn.execute(
        text(f"ALTER TABLE feature ATTACH PARTITION {part} FOR VALUES IN ({int(version_id)})")
    )
    # Statistics the planner uses (spatial selectivity, code look-ups); props and geom_m are
    # never filtered on, and sampling them would cost as much as the rest together.
    conn.execute(text(f"ANALYZE {part} (version_id, fid, code, level, geom)"))
    conn.execute(
        text(
            f"""
            UPDATE layer_version v SET feature_count = s.n,
                minx = ST_XMin(s.e), miny = ST_YMin(s.e), maxx = ST_XMax(s.e), maxy = ST_YMax(s.e),
                report = CAST(:r AS jsonb), levels = s.levels
            FROM (SELECT count(*) AS n, ST_Extent(geom)::geometry AS e,
                         array_agg(DISTINCT level ORDER BY level)
                             FILTER (WHERE level IS NOT NULL) AS levels
                  FROM {part}) s
            WHERE v.id = :id
            """
        ),
        {"id": version_id, "r": "{}"},
    )
    conn.execute(
        text("UPDATE layer SET current_version_id = :v, title = :t WHERE id = :l"),
        {"v": version_id, "t": title, "l": layer_id},
    )
    record_event(
        conn, LAYER, layer_id, "load", row.current if row else None, int(version), req.actor
    )
    report.version, report.version_id = int(version), int(version_id)
    if req.kind == "admin":
        report.warnings.extend(admin_mismatches(conn, int(version_id)))
    report.seconds += time.perf_counter() - t0
    if guard:
        check_edges(conn, req, report)
    else:
        store_report(conn, report)
    return report


def store_report(conn: Connection, report: LoadReport) -> None:
    """Store the report with its version (shown by GET /layers/{name})."""
    conn.execute(
        text("UPDATE layer_version SET report = CAST(:r AS jsonb) WHERE id = :id"),
        {"id": report.version_id, "r": json.dumps(report.as_dict())},
    )


def check_edges(conn: Connection, req: LoadRequest, report: LoadReport) -> None:
    """Add the edge and zone-code findings to a written version's report and store it.

    Under `req.strict` a feature wholly outside the region, more than the allowed share of
    the area outside (RTRW_LOADER_MAX_OUTSIDE_SHARE) or an unknown zone code raises LoadError,
    in the transaction, so nothing is written.
    """
    assert report.version_id is not None
    t0 = time.perf_counter()
    found = edges.guard(
        conn, report.version_id, req.kind, req.region, loader_settings().max_outside_share
    )
    report.edge = found.edge
    report.warnings.extend(found.warnings)
    failures = found.strict_failures
    if req.strict and failures:
        raise LoadError(
            f"{req.path.name} (--strict): " + "; ".join(w["message"] for w in failures),
            message_id=f"{req.path.name} (--strict): "
            + "; ".join(w["message_id"] for w in failures),
        )
    report.seconds += time.perf_counter() - t0
    store_report(conn, report)


# Polygons of at most this many coordinates get a clearance (feature.clearance, migration
# 0011): the small ones that tiles hold by the thousand and that have nothing to simplify.
CLEARANCE_MAX_COORDS = 16


def clearances(geoms: np.ndarray) -> list[float | None]:
    """Return each small polygon's minimum clearance in EPSG:3857 metres (None otherwise).

    The minimum clearance (GEOS) is the least distance between a vertex and an edge not
    incident to it, or between two vertices: moving every vertex by less than half of it
    cannot make the polygon invalid. It is measured on the polygon as geom_web holds it (the
    same PROJ transform), and the tile query uses it to skip ST_AsMVTGeom's validation where
    snapping to the tile grid provably keeps the polygon valid.
    """
    types = shapely.get_type_id(geoms)
    small = ((types == 3) | (types == 6)) & (
        shapely.get_num_coordinates(geoms) <= CLEARANCE_MAX_COORDS
    )
    out: list[float | None] = [None] * len(geoms)
    if not small.any():
        return out
    bounds = shapely.bounds(geoms)
    small &= (bounds[:, 1] >= -WEB_MAX_LAT) & (bounds[:, 3] <= WEB_MAX_LAT)
    idx = np.flatnonzero(small)
    web = reproject_many(geoms[idx], f"EPSG:{STORAGE_SRID}", 3857)
    for i, c in zip(idx, shapely.minimum_clearance(web), strict=True):
        out[int(i)] = float(c) if math.isfinite(c) and c > 0 else None
    return out


_MISMATCH_EXAMPLES = 20
# Desa of version :d whose point on surface lies in kecamatan polygons of version :k, none of
# them the kecamatan the desa's own code names.
_MISMATCH_SQL = """
WITH pts AS MATERIALIZED (
    SELECT code, parent_code, ST_PointOnSurface(geom) AS pt
    FROM feature WHERE version_id = :d AND level = 4
), hits AS (
    SELECT p.code, p.parent_code, min(k.code) AS polygon
    FROM pts p JOIN feature k
      ON k.version_id = :k AND k.level = 3 AND ST_Intersects(k.geom, p.pt)
    GROUP BY p.code, p.parent_code
    HAVING NOT bool_or(k.code = p.parent_code)
)
SELECT (SELECT count(*) FROM hits) AS n,
    (SELECT coalesce(json_agg(json_build_object('desa', code, 'kecamatan_by_code', parent_code,
                                                'kecamatan_polygon', polygon) ORDER BY code), '[]')
     FROM (SELECT * FROM hits ORDER BY code LIMIT :lim) e) AS examples
"""


def admin_mismatches(conn: Connection, version_id: int) -> list[dict[str, Any]]:
    """Return warnings on desa whose code names another kecamatan than the polygon under them.

    Checks the admin version `version_id` (just written, in this transaction) against the
    current version of the other level: its desa against the current kecamatan polygons, its
    kecamatan polygons against the current desa (ST_PointOnSurface of each desa).
    """
    region = conn.execute(
        text(
            "SELECT l.region_code FROM layer l JOIN layer_version v ON v.layer_id = l.id "
            "WHERE v.id = :v"
        ),
        {"v": version_id},
    ).scalar()
    current: dict[int, int] = dict(
        conn.execute(
            text(
                f"SELECT level, version_id FROM ({CURRENT_ADMIN_SQL}) c "
                f"WHERE {region_is('c.region_code')}"
            ),
            {"region": region},
        ).all()
    )
    levels = (
        conn.execute(
            text("SELECT levels FROM layer_version WHERE id = :v"), {"v": version_id}
        ).scalar()
        or []
    )
    pairs: set[tuple[int, int]] = set()
    if 4 in levels and current.get(3) is not None:
        pairs.add((version_id, current[3]))
    if 3 in levels and current.get(4) is not None:
        pairs.add((current[4], version_id))
    out: list[dict[str, Any]] = []
    for desa_vid, kec_vid in sorted(pairs):
        row = conn.execute(
            text(_MISMATCH_SQL), {"d": desa_vid, "k": kec_vid, "lim": _MISMATCH_EXAMPLES}
        ).one()
        if not row.n:
            continue
        names: dict[int, str] = dict(
            conn.execute(
                text(
                    "SELECT v.id, l.name || ' v' || v.version FROM layer_version v "
                    "JOIN layer l ON l.id = v.layer_id WHERE v.id = ANY(:ids)"
                ),
                {"ids": [desa_vid, kec_vid]},
            ).all()
        )
        out.append(
            {
                "code": "desa_kecamatan_mismatch",
                "message": (
                    f"{row.n} desa of {names[desa_vid]} lie (by a point on their surface) in a "
                    f"kecamatan polygon of {names[kec_vid]} other than the kecamatan their "
                    "Kemendagri code names; checks report the kecamatan of the code"
                ),
                "message_id": (
                    f"{row.n} desa dari {names[desa_vid]} terletak (menurut satu titik di "
                    f"permukaannya) di poligon kecamatan {names[kec_vid]} yang bukan kecamatan "
                    "menurut kode Kemendagri-nya; pemeriksaan melaporkan kecamatan menurut kode"
                ),
                "count": int(row.n),
                "examples": row.examples,
            }
        )
    return out


def check_kind(conn: Connection, req: LoadRequest) -> None:
    """Raise LoadError if the layer exists with another kind (checked before reading the file)."""
    existing = conn.execute(
        text(f"SELECT kind FROM layer l WHERE l.name = :n AND {region_is()}"),
        {"n": req.name, "region": req.region},
    ).scalar()
    if existing is not None and existing != req.kind:
        raise LoadError(
            f"layer {req.name!r} is of kind {existing!r}; refusing to load it as {req.kind!r} "
            "(load it under another name, or use the same kind)",
            message_id=f"Lapisan {req.name!r} berjenis {existing!r}; tidak dapat dimuat sebagai "
            f"{req.kind!r} (muat dengan nama lain, atau gunakan jenis yang sama)",
        )


def load_layer(conn: Connection, req: LoadRequest, progress: Progress | None = None) -> LoadReport:
    """Prepare and write one layer in `conn`'s transaction; return the report.

    The layer goes into `req.region`, else the only region loaded (none: no region).
    """
    req.region = resolve_region(conn, req.region)
    validate_request(req)
    check_kind(conn, req)
    prep = prepare(req)
    return write(conn, prep, progress)


__all__ = [
    "LoadReport",
    "LoadRequest",
    "Prepared",
    "admin_mismatches",
    "load_fingerprint",
    "load_layer",
    "parse_crs",
    "prepare",
    "request_fingerprint",
    "write",
    "zoning_plan",
]
