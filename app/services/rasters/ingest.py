"""Load a raster: validate it, write it as a Cloud-Optimized GeoTIFF, add a catalog version.

file -> checks (readable by GDAL, a CRS, a north-up grid, size) -> statistics of band 1 and
the class table -> a COG in a temporary file of the raster store -> the catalog rows in the
caller's transaction -> the COG renamed to `<region>/<name>/v<N>-<checksum12>.tif`, last.

All or nothing: any failure before the rename removes the temporary file, and a rollback of
the caller's transaction after it removes the renamed file (a listener on the connection), so
a failed load leaves the previous version, its file and nothing else. The source keeps its own
CRS: the COG is not reprojected (queries transform the question, not the raster).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from pyproj import CRS, Transformer
from rasterio.crs import CRS as RioCRS
from rasterio.errors import RasterioError, RasterioIOError
from rio_cogeo.cogeo import cog_translate, cog_validate
from rio_cogeo.profiles import cog_profiles
from shapely.geometry import Polygon
from sqlalchemy import Connection, event, text

from app.errors import InvalidCRS, LoadError, SourceFileError
from app.services.catalog.history import lock_name, record_event
from app.services.catalog.named import region_is
from app.services.geo.crs import parse_crs
from app.services.rasters.catalog import RASTER
from app.services.rasters.classes import classes_json, read_classes
from app.services.rasters.records import RasterClass
from app.settings import RasterSettings

NAME_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"
KINDS = ("continuous", "categorical")
EDGE_POINTS = 32  # points per footprint edge: a UTM rectangle is slightly curved in lon/lat
CHUNK = 1 << 20  # bytes read at a time for checksums


@dataclass
class RasterReport:
    """What a raster load did: `status` loaded or unchanged, the version and what it holds."""

    status: str
    name: str
    region: str | None
    version: int
    kind: str
    title: str
    source_file: str
    crs: str
    width: int
    height: int
    res: tuple[float, float]
    bands: int
    dtype: str
    nodata: float | None
    checksum: str
    path: str
    stats: dict[str, Any] = field(default_factory=dict)
    classes: int = 0
    values: dict[str, int] = field(default_factory=dict)  # categorical: pixels per value
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    title_en: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return asdict(self)


def sha256_file(path: Path) -> str:
    """Return the hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def crs_text(crs: RioCRS) -> str:
    """Return "EPSG:N" for a CRS with an EPSG code, else its WKT."""
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.to_wkt()


def _check_name(name: str) -> None:
    if not re.match(NAME_PATTERN, name):
        raise LoadError(
            f"raster name {name!r} must be lower case letters, digits and _ (starting with a "
            "letter, at most 63)",
            message_id=f"Nama raster {name!r} harus huruf kecil, angka dan _ (diawali huruf, "
            "paling panjang 63)",
        )


def _kind(kind: str | None, classes: tuple[RasterClass, ...]) -> str:
    if kind is not None and kind not in KINDS:
        raise LoadError(
            f"unknown raster kind {kind!r}; kinds are {', '.join(KINDS)}",
            message_id=f"Jenis raster {kind!r} tidak dikenal; jenisnya {', '.join(KINDS)}",
        )
    if kind == "continuous" and classes:
        raise LoadError(
            "a class table is for categorical rasters; drop --classes or use --kind categorical",
            message_id="Tabel kelas hanya untuk raster kategorikal; hapus --classes atau "
            "gunakan --kind categorical",
        )
    if kind == "categorical" and not classes:
        raise LoadError(
            "a categorical raster needs its class table (--classes classes.csv: value, "
            "name_id, name_en, color)",
            message_id="Raster kategorikal memerlukan tabel kelas (--classes classes.csv: "
            "value, name_id, name_en, color)",
        )
    return "categorical" if classes else "continuous"


def _check_colormap(colormap: str | None) -> None:
    if colormap is None:
        return
    from rio_tiler.colormap import cmap

    if colormap not in cmap.list():
        raise LoadError(
            f"unknown colour map {colormap!r} (rio-tiler names, e.g. terrain, viridis, blues)",
            message_id=f"Peta warna {colormap!r} tidak dikenal (nama rio-tiler, mis. terrain, "
            "viridis, blues)",
        )


def _open(path: Path) -> Any:
    if not path.is_file():
        raise SourceFileError(
            f"{path} does not exist or is not a file",
            message_id=f"Berkas {path} tidak ada atau bukan berkas",
        )
    try:
        return rasterio.open(path)
    except (RasterioIOError, RasterioError) as exc:
        raise SourceFileError(
            f"{path.name} is not a raster GDAL can read ({exc})",
            message_id=f"{path.name} bukan raster yang dapat dibaca GDAL ({exc})",
        ) from exc


def _crs(src: Any, source_crs: str | None, notes: list[str]) -> RioCRS:
    """Return the raster's CRS: `source_crs` when given (it wins), else the file's own."""
    if source_crs is not None:
        given = RioCRS.from_wkt(parse_crs(source_crs).to_wkt())
        if src.crs is not None and src.crs != given:
            notes.append(f"the file's CRS {crs_text(src.crs)} was replaced by {source_crs}")
        return given
    if src.crs is None:
        raise InvalidCRS(
            f"{Path(src.name).name} has no CRS; give it with --source-crs EPSG:N "
            "(region.toml: source_crs)",
            message_id=f"{Path(src.name).name} tidak menyebutkan sistem koordinatnya; "
            "berikan dengan --source-crs EPSG:N (region.toml: source_crs)",
        )
    return src.crs  # type: ignore[no-any-return]


def _check_grid(src: Any, settings: RasterSettings) -> None:
    t = src.transform
    name = Path(src.name).name
    if t.is_identity and not src.gcps[0]:
        raise SourceFileError(
            f"{name} has no georeferencing (no geotransform): its pixels have no place",
            message_id=f"{name} tidak memiliki georeferensi (geotransform): pikselnya tidak "
            "punya lokasi",
        )
    if t.b != 0 or t.d != 0 or t.a <= 0 or t.e >= 0:
        raise SourceFileError(
            f"{name} is not a north-up grid (rotated or flipped geotransform {tuple(t)[:6]}); "
            "warp it first (gdalwarp)",
            message_id=f"{name} bukan grid menghadap utara (geotransform diputar atau dibalik); "
            "lakukan gdalwarp terlebih dahulu",
        )
    if src.width * src.height > settings.max_pixels:
        raise LoadError(
            f"{name} has {src.width} x {src.height} pixels; the limit is "
            f"{settings.max_pixels:,} (RTRW_RASTERS_MAX_PIXELS)",
            message_id=f"{name} berukuran {src.width} x {src.height} piksel; batasnya "
            f"{settings.max_pixels:,} (RTRW_RASTERS_MAX_PIXELS)",
        )


def valid_mask(data: np.ma.MaskedArray) -> np.ndarray:
    """Return True where a masked band read holds a value (not nodata, not NaN)."""
    valid = ~np.ma.getmaskarray(data)
    if np.issubdtype(data.dtype, np.floating):
        valid &= ~np.isnan(np.ma.getdata(data))
    return valid


def _statistics(src: Any, kind: str) -> tuple[dict[str, Any], dict[int, int]]:
    """Return band 1's statistics over valid pixels, block by block, and value counts."""
    n = 0
    total = 0.0
    m2 = 0.0
    mean = 0.0
    lo, hi = math.inf, -math.inf
    nodata_count = 0
    values: dict[int, int] = {}
    for _, window in src.block_windows(1):
        data = src.read(1, window=window, masked=True)
        valid = valid_mask(data)
        nodata_count += int(valid.size - valid.sum())
        vals = np.ma.getdata(data)[valid].astype(np.float64)
        if not vals.size:
            continue
        k = vals.size
        block_mean = float(vals.mean())
        block_m2 = float(((vals - block_mean) ** 2).sum())
        delta = block_mean - mean
        new_n = n + k
        mean += delta * k / new_n
        m2 += block_m2 + delta * delta * n * k / new_n
        n = new_n
        total += float(vals.sum())
        lo, hi = min(lo, float(vals.min())), max(hi, float(vals.max()))
        if kind == "categorical":
            uniq, counts = np.unique(vals, return_counts=True)
            for v, c in zip(uniq, counts, strict=True):
                key = int(v) if float(v).is_integer() else v
                values[key] = values.get(key, 0) + int(c)  # type: ignore[index]
    stats: dict[str, Any] = {"count": n, "nodata_count": nodata_count}
    if n:
        stats.update(min=lo, max=hi, mean=total / n, std=math.sqrt(m2 / n))
    return stats, values


def footprint_wgs84(bounds: tuple[float, float, float, float], crs: str) -> Polygon:
    """Return the raster's extent as a lon/lat polygon, each edge densified (curved in 4326)."""
    west, south, east, north = bounds
    t = np.linspace(0.0, 1.0, EDGE_POINTS, endpoint=False)
    xs = np.concatenate(
        [
            west + (east - west) * t,
            np.full_like(t, east),
            east - (east - west) * t,
            np.full_like(t, west),
        ]
    )
    ys = np.concatenate(
        [
            np.full_like(t, south),
            south + (north - south) * t,
            np.full_like(t, north),
            north - (north - south) * t,
        ]
    )
    tr = Transformer.from_crs(CRS.from_user_input(crs), CRS.from_epsg(4326), always_xy=True)
    lon, lat = tr.transform(xs, ys)
    return Polygon(np.column_stack([lon, lat]))


def _write_cog(src: Any, dst: Path, crs: RioCRS, kind: str, settings: RasterSettings) -> None:
    """Write `src` as a deflate-compressed, internally tiled COG with overviews, same CRS."""
    profile = cog_profiles.get("deflate")
    floating = np.issubdtype(np.dtype(src.dtypes[0]), np.floating)
    profile.update(
        blockxsize=settings.blocksize,
        blockysize=settings.blocksize,
        predictor=3 if floating else 2,
    )
    if crs != src.crs:  # --source-crs: the COG gets the given CRS (GDAL warns, harmlessly)
        profile["crs"] = crs
    cog_translate(
        src,
        str(dst),
        profile,
        overview_resampling="nearest" if kind == "categorical" else "average",
        config={"GDAL_TIFF_OVR_BLOCKSIZE": str(settings.blocksize), "GDAL_NUM_THREADS": "1"},
        quiet=True,
        forward_band_tags=True,
    )
    valid, errors, _ = cog_validate(str(dst), quiet=True)
    if not valid:
        raise LoadError(
            f"the Cloud-Optimized GeoTIFF written from {Path(src.name).name} does not "
            f"validate: {'; '.join(errors)}",
            message_id=f"Cloud-Optimized GeoTIFF yang ditulis dari {Path(src.name).name} "
            f"tidak lolos validasi: {'; '.join(errors)}",
        )


def _remove_on_rollback(conn: Connection, path: Path) -> None:
    """Delete `path` if the connection's transaction rolls back (and not once it commits)."""
    state = {"settled": False}

    def committed(_conn: Any) -> None:
        state["settled"] = True

    def rolled_back(_conn: Any) -> None:
        if not state["settled"]:
            state["settled"] = True
            path.unlink(missing_ok=True)

    event.listen(conn, "commit", committed)
    event.listen(conn, "rollback", rolled_back)


def _fingerprint(source_checksum: str, options: dict[str, Any]) -> str:
    blob = json.dumps(
        {"options": options, "file_sha256": source_checksum}, sort_keys=True, default=str
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def _class_warnings(
    values: dict[int, int], classes: tuple[RasterClass, ...], dtype: str
) -> list[str]:
    warnings = []
    known = {c.value for c in classes}
    unknown = sorted(v for v in values if v not in known)
    if unknown:
        shown = ", ".join(str(v) for v in unknown[:20])
        pixels = sum(values[v] for v in unknown)
        warnings.append(
            f"{pixels} pixels hold values with no class in the class table: {shown}"
            + (" ..." if len(unknown) > 20 else "")
        )
    if not np.issubdtype(np.dtype(dtype), np.integer) and any(
        not float(v).is_integer() for v in values
    ):
        warnings.append(f"a categorical raster of {dtype} holds values that are not whole numbers")
    return warnings


def load_raster(
    conn: Connection,
    path: Path,
    name: str,
    *,
    settings: RasterSettings,
    region: str | None = None,
    source_crs: str | None = None,
    classes_csv: Path | None = None,
    kind: str | None = None,
    title: str | None = None,
    title_en: str | None = None,
    unit: str | None = None,
    colormap: str | None = None,
    source: str | None = None,
    licence: str | None = None,
    actor: str | None = None,
    force: bool = False,
) -> RasterReport:
    """Load a raster file as a new version of raster `name` (all or nothing); return the report.

    Runs in `conn`'s transaction. The same file with the same options as the current version
    is "unchanged" (no new version) unless `force`. Raises SourceFileError (not a raster GDAL
    reads, not georeferenced), InvalidCRS (no CRS and no `source_crs`) or LoadError.
    """
    start = time.perf_counter()
    path = Path(path)
    _check_name(name)
    classes = read_classes(Path(classes_csv)) if classes_csv is not None else ()
    kind = _kind(kind, classes)
    _check_colormap(colormap)
    title = title or name
    if not path.is_file():
        raise SourceFileError(
            f"{path} does not exist or is not a file",
            message_id=f"Berkas {path} tidak ada atau bukan berkas",
        )
    source_checksum = sha256_file(path)
    options = {
        "kind": kind,
        "source_crs": source_crs,
        "classes": classes_json(classes),
        "title": title,
        "unit": unit,
        "colormap": colormap,
        "source": source,
        "licence": licence,
        "blocksize": settings.blocksize,
    }
    if title_en is not None:  # only when given, so older versions keep their fingerprints
        options["title_en"] = title_en
    fingerprint = _fingerprint(source_checksum, options)
    store = settings.dir
    lock_name(conn, RASTER, name, region)
    current = conn.execute(
        text(
            f"""
            SELECT r.id, v.id AS version_id, v.version, v.fingerprint, v.path
            FROM {RASTER.current(left=True)}
            WHERE r.name = :n AND {region_is("r.region_code")}
            FOR UPDATE OF r
            """
        ),
        {"n": name, "region": region},
    ).one_or_none()
    if (
        not force
        and current is not None
        and current.fingerprint == fingerprint
        and (store / current.path).is_file()
    ):
        return _unchanged_report(conn, current.version_id, region, start)

    notes: list[str] = []
    with rasterio.Env(GDAL_DISABLE_READDIR_ON_OPEN="EMPTY_DIR"):
        src = _open(path)
        with src:
            crs = _crs(src, source_crs, notes)
            _check_grid(src, settings)
            crs_s = crs_text(crs)
            try:
                stats, values = _statistics(src, kind)
            except RasterioError as exc:
                raise SourceFileError(
                    f"{path.name} cannot be read to the end (corrupt or truncated?): {exc}",
                    message_id=f"{path.name} tidak dapat dibaca sampai habis (rusak atau "
                    f"terpotong?): {exc}",
                ) from exc
            warnings = _class_warnings(values, classes, src.dtypes[0]) if classes else []
            if not stats["count"]:
                warnings.append("the raster holds no valid pixel (all nodata)")
            footprint = footprint_wgs84(tuple(src.bounds), crs_s)
            folder = store / (region or "_") / name
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f".tmp-{uuid.uuid4().hex}.tif"
            try:
                _write_cog(src, tmp, crs, kind, settings)
                checksum = sha256_file(tmp)
                report = RasterReport(
                    status="loaded",
                    name=name,
                    region=region,
                    version=0,
                    kind=kind,
                    title=title,
                    source_file=path.name,
                    crs=crs_s,
                    width=src.width,
                    height=src.height,
                    res=(float(src.res[0]), float(src.res[1])),
                    bands=src.count,
                    dtype=src.dtypes[0],
                    nodata=None if src.nodata is None else float(src.nodata),
                    checksum=checksum,
                    path="",
                    stats=stats,
                    classes=len(classes),
                    values={str(k): v for k, v in sorted(values.items())},
                    warnings=warnings,
                    notes=notes,
                    title_en=title_en,
                )
                version = _insert(
                    conn,
                    current,
                    report,
                    folder.relative_to(store),
                    footprint,
                    fingerprint,
                    source_checksum,
                    options,
                    actor,
                )
                final = store / report.path
                report.seconds = round(time.perf_counter() - start, 3)
                conn.execute(
                    text("UPDATE raster_version SET report = CAST(:rep AS jsonb) WHERE id = :v"),
                    {"rep": json.dumps(report.as_dict(), default=str), "v": version},
                )
                os.replace(tmp, final)  # last: the file appears only with its rows
            except BaseException:  # Ctrl-C too: no temporary file stays behind
                tmp.unlink(missing_ok=True)
                raise
    _remove_on_rollback(conn, final)
    return report


def _insert(
    conn: Connection,
    current: Any,
    report: RasterReport,
    folder: Path,
    footprint: Polygon,
    fingerprint: str,
    source_checksum: str,
    options: dict[str, Any],
    actor: str | None,
) -> int:
    """Insert the raster (if new) and its version row, make it current; return the version id.

    Fills report.version and report.path (store-relative, unique per version and content).
    """
    if current is None:
        raster_id = conn.execute(
            text(
                "INSERT INTO raster (name, region_code, title, kind) "
                "VALUES (:n, :r, :t, :k) RETURNING id"
            ),
            {"n": report.name, "r": report.region, "t": report.title, "k": report.kind},
        ).scalar_one()
        previous = None
    else:
        raster_id = current.id
        previous = current.version
    number = (
        conn.execute(
            text("SELECT coalesce(max(version), 0) FROM raster_version WHERE raster_id = :r"),
            {"r": raster_id},
        ).scalar_one()
        + 1
    )
    report.version = number
    report.path = (folder / f"v{number}-{report.checksum[:12]}.tif").as_posix()
    version_id = conn.execute(
        text(
            """
            INSERT INTO raster_version (
                raster_id, version, title, title_en, kind, path, checksum, source_file,
                source_checksum, fingerprint, crs, width, height, res_x, res_y, bands, dtype,
                nodata, footprint, stats, classes, unit, colormap, source, licence)
            VALUES (:r, :ver, :t, :ten, :k, :p, :sum, :sf, :ssum, :fp, :crs, :w, :h, :rx, :ry,
                    :b, :dt, :nd, ST_SetSRID(ST_GeomFromText(:fpt), 4326), CAST(:st AS jsonb),
                    CAST(:cl AS jsonb), :u, :cm, :src, :lic)
            RETURNING id
            """
        ),
        {
            "r": raster_id,
            "ver": number,
            "t": report.title,
            "ten": report.title_en,
            "k": report.kind,
            "p": report.path,
            "sum": report.checksum,
            "sf": report.source_file,
            "ssum": source_checksum,
            "fp": fingerprint,
            "crs": report.crs,
            "w": report.width,
            "h": report.height,
            "rx": report.res[0],
            "ry": report.res[1],
            "b": report.bands,
            "dt": report.dtype,
            "nd": report.nodata,
            "fpt": footprint.wkt,
            "st": json.dumps(report.stats),
            "cl": json.dumps(options["classes"]),
            "u": options["unit"],
            "cm": options["colormap"],
            "src": options["source"],
            "lic": options["licence"],
        },
    ).scalar_one()
    conn.execute(
        text("UPDATE raster SET current_version_id = :v, title = :t, kind = :k WHERE id = :r"),
        {"v": version_id, "t": report.title, "k": report.kind, "r": raster_id},
    )
    record_event(conn, RASTER, raster_id, "load", previous, number, actor)
    return int(version_id)


def _unchanged_report(
    conn: Connection, version_id: int, region: str | None, start: float
) -> RasterReport:
    row = conn.execute(
        text(
            "SELECT r.name, v.version, v.kind, v.title, v.title_en, v.source_file, v.crs, "
            "v.width, v.height, "
            "v.res_x, v.res_y, v.bands, v.dtype, v.nodata, v.checksum, v.path, v.stats, "
            "jsonb_array_length(v.classes) AS classes "
            "FROM raster_version v JOIN raster r ON r.id = v.raster_id WHERE v.id = :v"
        ),
        {"v": version_id},
    ).one()
    return RasterReport(
        status="unchanged",
        name=row.name,
        region=region,
        version=row.version,
        kind=row.kind,
        title=row.title,
        source_file=row.source_file,
        crs=row.crs,
        width=row.width,
        height=row.height,
        res=(row.res_x, row.res_y),
        bands=row.bands,
        dtype=row.dtype,
        nodata=row.nodata,
        checksum=row.checksum,
        path=row.path,
        stats=dict(row.stats or {}),
        classes=row.classes,
        notes=["same file and options as the current version: nothing loaded"],
        seconds=round(time.perf_counter() - start, 3),
        title_en=row.title_en,
    )
