"""Load a vector file into the catalog as a new layer version, all or nothing.

File -> GeoDataFrame (pyogrio, Arrow) -> field map -> reproject (pyproj) -> repair (shapely
make_valid) -> COPY into a fresh partition -> index -> attach -> point the layer at it.
Everything after reading happens in the caller's transaction; nothing is committed here.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
import zipfile
from collections.abc import Callable, Mapping
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

from app.errors import InvalidCRS, LoadError, SourceFileError
from app.models.catalog import LAYER_KINDS
from app.services.catalog.fields import REQUIRED, resolve_fields
from app.services.geo import kemendagri
from app.services.geo.crs import crs_label, parse_crs
from app.settings import loader_settings

NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
SUFFIXES = {".shp", ".zip", ".gpkg", ".geojson", ".json", ".fgb"}
SHAPEFILE_SIDECARS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
POLYGONAL = {"Polygon", "MultiPolygon"}
LINEAR = {"LineString", "MultiLineString", "LinearRing"}
PUNTAL = {"Point", "MultiPoint"}

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
    title: str | None = None
    layer: str | None = None
    source_crs: str | None = None
    field_map: Mapping[str, str] = field(default_factory=dict)
    licence: str | None = None
    metric_crs: str | None = None


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
        }


@dataclass
class Prepared:
    """A source file read, mapped, reprojected and repaired, ready to write."""

    request: LoadRequest
    report: LoadReport
    frame: gpd.GeoDataFrame  # storage CRS, only the rows to write
    props: list[str]  # one JSON object per row
    area_m2: np.ndarray
    geometry_type: str
    checksum: str
    source_layer: str | None
    metric_crs: str


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


def validate_request(req: LoadRequest) -> None:
    """Raise LoadError for a bad name, kind or path before anything is read."""
    if not NAME_RE.match(req.name):
        raise LoadError(
            f"layer name {req.name!r} is not allowed: use lower-case letters, digits and _, "
            "starting with a letter (at most 63 characters)"
        )
    if req.kind not in LAYER_KINDS:
        raise LoadError(f"unknown kind {req.kind!r}; kinds are: {', '.join(LAYER_KINDS)}")
    if not req.path.exists():
        raise SourceFileError(f"file not found: {req.path}")
    if req.path.suffix.lower() not in SUFFIXES:
        raise SourceFileError(
            f"{req.path.name}: unsupported file type {req.path.suffix!r}; "
            "use Shapefile (.shp or .zip), GeoPackage (.gpkg), GeoJSON (.geojson/.json) "
            "or FlatGeobuf (.fgb)"
        )


def _choose_layer(path: Path, layer: str | None) -> str | None:
    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(path)]
    except Exception as exc:  # pyogrio raises several GDAL error classes
        raise SourceFileError(f"cannot read {path.name}: {exc}") from exc
    if layer is not None:
        if layer not in layers:
            raise SourceFileError(
                f"{path.name} has no layer {layer!r}; its layers are: {', '.join(layers)}"
            )
        return layer
    if len(layers) > 1:
        raise SourceFileError(
            f"{path.name} holds {len(layers)} layers ({', '.join(layers)}): choose one with --layer"
        )
    if not layers:
        raise SourceFileError(f"{path.name} holds no layer")
    return layers[0] if path.suffix.lower() == ".gpkg" else None


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
            names = zf.namelist()
    except zipfile.BadZipFile as exc:
        raise SourceFileError(f"{path.name} is not a readable zip file: {exc}") from exc
    if bad is not None:
        raise SourceFileError(f"{path.name}: member {bad} is corrupt")
    if not any(n.lower().endswith(".shp") for n in names):
        raise SourceFileError(f"{path.name} holds no .shp file")


def read_source(req: LoadRequest) -> tuple[gpd.GeoDataFrame, str | None]:
    """Return the features as a GeoDataFrame and the layer read; SourceFileError if unreadable."""
    if req.path.suffix.lower() == ".zip":
        _check_zip(req.path)
    layer = _choose_layer(req.path, req.layer)
    try:
        gdf = pyogrio.read_dataframe(req.path, layer=layer, use_arrow=True)
    except Exception as exc:
        raise SourceFileError(f"cannot read {req.path.name}: {exc}") from exc
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry is None:
        raise SourceFileError(f"{req.path.name} has no geometry column")
    return gdf, layer


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


def _props_json(frame: pd.DataFrame) -> list[str]:
    """Return one JSON object per row with every source attribute (dates as ISO text)."""
    if frame.shape[1] == 0:
        return ["{}"] * len(frame)
    lines = frame.to_json(orient="records", lines=True, date_format="iso", force_ascii=False)
    out = lines.split("\n")
    if out and out[-1] == "":
        out.pop()
    return out


def _as_text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text_value = str(value).strip()
    return text_value or None


def prepare(req: LoadRequest) -> Prepared:
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
            "pass --source-crs (e.g. EPSG:32749 or EPSG:4326)"
        )
    src_crs = CRS.from_user_input(gdf.crs)
    metric_crs = parse_crs(req.metric_crs or settings.default_metric_crs)
    if metric_crs.is_geographic:
        raise InvalidCRS(f"metric CRS {crs_label(metric_crs)} is geographic; areas need metres")

    report = LoadReport(
        name=req.name, kind=req.kind, source_file=req.path.name, source_crs=crs_label(src_crs)
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

    codes = (
        np.array([_as_text(v) for v in attrs[mapping["code"]]], dtype=object)
        if ("code" in mapping)
        else np.full(len(gdf), None, dtype=object)
    )
    names = (
        np.array([_as_text(v) for v in attrs[mapping["name"]]], dtype=object)
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

    # Reproject (pyproj, through geopandas), drop Z, then repair in the storage CRS.
    series = gpd.GeoSeries(geoms, crs=src_crs)
    idx = np.flatnonzero(keep)
    work = series.iloc[idx]
    storage = CRS.from_epsg(settings.storage_srid)
    if not src_crs.equals(storage):
        try:
            work = work.to_crs(storage)
        except Exception as exc:
            raise InvalidCRS(f"cannot reproject from {crs_label(src_crs)}: {exc}") from exc
    out = shapely.force_2d(work.to_numpy())
    bad_coords = ~np.isfinite(shapely.bounds(out)).all(axis=1)
    family = _family(pd.Series(shapely.get_type_id(out)).map(_TYPE_NAMES))
    invalid = ~shapely.is_valid(out) & ~bad_coords
    if invalid.any():
        out[invalid] = shapely.make_valid(out[invalid])
    if family == "MultiPolygon":
        out = _polygonal_parts(out)
        emptied = shapely.is_empty(out) & ~bad_coords
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
    if family == "MultiPolygon" and len(out):
        area = gpd.GeoSeries(out, crs=storage).to_crs(metric_crs).area.to_numpy()

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
            + ")"
        )
    props = _props_json(attrs.iloc[idx])
    report.seconds = time.perf_counter() - t0
    return Prepared(
        request=req,
        report=report,
        frame=frame,
        props=props,
        area_m2=area,
        geometry_type=family,
        checksum=file_checksum(req.path),
        source_layer=layer,
        metric_crs=crs_label(metric_crs),
    )


def write(conn: Connection, prep: Prepared, progress: Progress | None = None) -> LoadReport:
    """Write a prepared layer as a new version inside `conn`'s transaction; return the report.

    The features go into a fresh partition (COPY, then GiST index and primary key, then
    ATTACH); the layer's current version moves to it last. The caller commits or rolls back.
    """
    t0 = time.perf_counter()
    req, report = prep.request, prep.report
    settings = loader_settings()
    conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtext('rtrw.layer.' || :n))"), {"n": req.name}
    )
    conn.execute(text("SET LOCAL statement_timeout = 0"))  # a large COPY is one statement
    row = conn.execute(
        text("SELECT id, kind, title FROM layer WHERE name = :n FOR UPDATE"), {"n": req.name}
    ).first()
    title = req.title or (row.title if row else req.name)
    if row is None:
        layer_id = conn.execute(
            text("INSERT INTO layer (name, title, kind) VALUES (:n, :t, :k) RETURNING id"),
            {"n": req.name, "t": title, "k": req.kind},
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
            INSERT INTO layer_version (layer_id, version, title, kind, source_file, source_layer,
                checksum, source_crs, metric_crs, geometry_type, feature_count, licence, field_map)
            VALUES (:l, :v, :t, :k, :f, :sl, :c, :s, :m, :g, 0, :lic, CAST(:fm AS jsonb))
            RETURNING id
            """
        ),
        {
            "l": layer_id,
            "v": version,
            "t": title,
            "k": req.kind,
            "f": prep.report.source_file,
            "sl": prep.source_layer,
            "c": prep.checksum,
            "s": report.source_crs,
            "m": prep.metric_crs,
            "g": prep.geometry_type,
            "lic": req.licence,
            "fm": json.dumps(report.field_map),
        },
    ).scalar_one()
    part = f"feature_v{int(version_id)}"
    conn.execute(text(f"CREATE TABLE {part} (LIKE feature INCLUDING DEFAULTS)"))
    conn.execute(text(f"ALTER TABLE {part} ADD CHECK (version_id = {int(version_id)})"))

    frame = prep.frame
    # Binary WKB then bytes.hex() is about 3x faster than GEOS's own hex writer.
    wkb = [
        b.hex()
        for b in shapely.to_wkb(
            shapely.set_srid(frame.geometry.to_numpy(), settings.storage_srid), include_srid=True
        )
    ]
    cols = (
        frame["fid"].to_numpy(),
        frame["code"].to_numpy(),
        frame["name"].to_numpy(),
        frame["parent_code"].to_numpy(),
        frame["level"].to_numpy(),
    )
    areas = [None if math.isnan(a) else float(a) for a in prep.area_m2]
    total = len(frame)
    raw = conn.connection.driver_connection
    assert raw is not None
    with (
        raw.cursor() as cur,
        cur.copy(
            f"COPY {part} (version_id, fid, code, name, parent_code, level, props, geom, area_m2) "
            "FROM STDIN"
        ) as copy,
    ):
        for i in range(total):
            copy.write_row(
                (
                    version_id,
                    int(cols[0][i]),
                    cols[1][i],
                    cols[2][i],
                    cols[3][i],
                    cols[4][i],
                    prep.props[i],
                    wkb[i],
                    areas[i],
                )
            )
            if progress and (i + 1) % settings.copy_batch == 0:
                progress(i + 1, total)
    if progress:
        progress(total, total)
    conn.execute(text(f"ALTER TABLE {part} ADD PRIMARY KEY (version_id, fid)"))
    conn.execute(text(f"CREATE INDEX {part}_geom_idx ON {part} USING gist (geom)"))
    conn.execute(text(f"CREATE INDEX {part}_code_idx ON {part} (version_id, code)"))
    conn.execute(
        text(f"ALTER TABLE feature ATTACH PARTITION {part} FOR VALUES IN ({int(version_id)})")
    )
    conn.execute(text(f"ANALYZE {part}"))
    conn.execute(
        text(
            f"""
            UPDATE layer_version v SET feature_count = s.n,
                minx = ST_XMin(s.e), miny = ST_YMin(s.e), maxx = ST_XMax(s.e), maxy = ST_YMax(s.e),
                report = CAST(:r AS jsonb)
            FROM (SELECT count(*) AS n, ST_Extent(geom)::geometry AS e FROM {part}) s
            WHERE v.id = :id
            """
        ),
        {"id": version_id, "r": "{}"},
    )
    conn.execute(
        text("UPDATE layer SET current_version_id = :v, title = :t WHERE id = :l"),
        {"v": version_id, "t": title, "l": layer_id},
    )
    report.version, report.version_id = int(version), int(version_id)
    report.seconds += time.perf_counter() - t0
    conn.execute(
        text("UPDATE layer_version SET report = CAST(:r AS jsonb) WHERE id = :id"),
        {"id": version_id, "r": json.dumps(report.as_dict())},
    )
    return report


def check_kind(conn: Connection, req: LoadRequest) -> None:
    """Raise LoadError if the layer exists with another kind (checked before reading the file)."""
    existing = conn.execute(
        text("SELECT kind FROM layer WHERE name = :n"), {"n": req.name}
    ).scalar()
    if existing is not None and existing != req.kind:
        raise LoadError(
            f"layer {req.name!r} is of kind {existing!r}; refusing to load it as {req.kind!r} "
            "(load it under another name, or use the same kind)"
        )


def load_layer(conn: Connection, req: LoadRequest, progress: Progress | None = None) -> LoadReport:
    """Prepare and write one layer in `conn`'s transaction; return the report."""
    validate_request(req)
    check_kind(conn, req)
    prep = prepare(req)
    return write(conn, prep, progress)


__all__ = [
    "LoadReport",
    "LoadRequest",
    "Prepared",
    "load_layer",
    "parse_crs",
    "prepare",
    "write",
]
