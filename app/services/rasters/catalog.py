"""The rasters of the catalog: RASTER (the kind, for catalog/named.py and history.py), the
record a query or tile reads, listings and one raster's entry."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from app.errors import RasterNotFound
from app.l10n import Text
from app.services.catalog.named import (
    NamedTable,
    VersionEvent,
    find_named,
    no_version,
    region_or_all,
)
from app.services.rasters.classes import classes_from_json
from app.services.rasters.records import (
    RasterDetailRow,
    RasterRecord,
    RasterRow,
    RasterVersionRow,
)
from app.settings import raster_settings

_COLS = """
    r.id AS raster_id, r.name, r.region_code, v.id AS version_id, v.version, v.title,
    v.title_en, v.kind,
    v.path, v.checksum, v.source_file, v.source_checksum, v.crs, v.width, v.height,
    v.res_x, v.res_y, v.bands, v.dtype, v.nodata, v.stats, v.classes, v.unit, v.colormap,
    v.source, v.licence, v.loaded_at,
    ST_XMin(v.footprint) AS west, ST_YMin(v.footprint) AS south,
    ST_XMax(v.footprint) AS east, ST_YMax(v.footprint) AS north
"""


_ROW_FIELDS = [
    f.name for f in fields(RasterRow) if f.name not in ("region", "res", "bounds", "tilejson")
]


def _row_fields(row: Any) -> dict[str, Any]:
    m = row._mapping
    return {k: m[k] for k in _ROW_FIELDS} | {
        "region": m["region_code"],
        "res": [m["res_x"], m["res_y"]],
        "bounds": [m["west"], m["south"], m["east"], m["north"]],
        "classes": m["classes"] or [],
        "tilejson": f"/rasters/{m['name']}.json",
    }


def _version_row(row: Any, events: list[VersionEvent]) -> RasterVersionRow:
    return RasterVersionRow(**_row_fields(row), current=row.current)


RASTER: NamedTable[RasterVersionRow] = NamedTable(
    table="raster",
    alias="r",
    noun=Text("raster", "raster"),
    not_found_key="catalog.raster_not_found",
    error=RasterNotFound,
    on_rollback="title = v.title, kind = v.kind",
    columns=_COLS,
    row=_version_row,
)


def _version(
    conn: Connection, name: str, region: str | None, version: int | None, extra: str = ""
) -> Any:
    """Return the catalog row (`_COLS` and `extra`) of a raster's version `version`, else of
    its current one; the raster's NotFound when it has no such version."""
    found = find_named(conn, RASTER, name, region)
    row = conn.execute(
        text(
            f"SELECT {_COLS}{extra} FROM raster r JOIN raster_version v ON v.raster_id = r.id "
            f"WHERE r.id = :r AND {RASTER.version_or_current()}"
        ),
        {"r": found.id, "version": version},
    ).one_or_none()
    if row is None:
        raise no_version(RASTER, name, region, version)
    return row


def record_from_row(row: Any, store: Path) -> RasterRecord:
    """Return the RasterRecord of a catalog row (`_COLS`), its path made absolute in `store`."""
    m = row._mapping
    return RasterRecord(
        id=m["raster_id"],
        version_id=m["version_id"],
        name=m["name"],
        region_code=m["region_code"],
        title=m["title"],
        version=m["version"],
        kind=m["kind"],
        path=store / m["path"],
        crs=m["crs"],
        width=m["width"],
        height=m["height"],
        res=(m["res_x"], m["res_y"]),
        bands=m["bands"],
        dtype=m["dtype"],
        nodata=m["nodata"],
        bounds_wgs84=(m["west"], m["south"], m["east"], m["north"]),
        stats=dict(m["stats"] or {}),
        checksum=m["checksum"],
        unit=m["unit"],
        colormap=m["colormap"],
        classes=classes_from_json(m["classes"]),
        source=m["source"],
        licence=m["licence"],
        title_en=m["title_en"],
    )


def get_raster(
    conn: Connection,
    name: str,
    *,
    region: str | None = None,
    version: int | None = None,
    store: Path | None = None,
) -> RasterRecord:
    """Return the current (or the asked-for) version of a raster as a RasterRecord.

    RasterNotFound for an unknown name or version; InvalidParameter (422) when several
    regions have the name and no `region` is given. `store` defaults to RTRW_RASTERS_DIR.
    """
    row = _version(conn, name, region, version)
    return record_from_row(row, store or raster_settings().dir)


def records_by_version(
    conn: Connection, version_ids: list[int], store: Path | None = None
) -> dict[int, RasterRecord]:
    """Return the records of raster versions by id, in one query (the zoning check's lookup:
    a version never changes, so its record may be kept)."""
    rows = conn.execute(
        text(
            f"""
            SELECT {_COLS} FROM raster r JOIN raster_version v ON v.raster_id = r.id
            WHERE v.id = ANY(CAST(:ids AS integer[]))
            """
        ),
        {"ids": version_ids},
    ).all()
    folder = store or raster_settings().dir
    return {r.version_id: record_from_row(r, folder) for r in rows}


def list_rasters(conn: Connection, region: str | None = None) -> list[RasterRow]:
    """Return every raster (of `region`, if given) with its current version, ordered by name."""
    rows = conn.execute(
        text(
            f"""
            SELECT {_COLS} FROM {RASTER.current()} WHERE {region_or_all("r.region_code")}
            ORDER BY r.name, r.region_code
            """
        ),
        {"region": region},
    ).all()
    return [RasterRow(**_row_fields(r)) for r in rows]


def raster_detail(
    conn: Connection, name: str, region: str | None = None, version: int | None = None
) -> RasterDetailRow:
    """Return one raster's catalog entry (current or asked-for version) with its load report."""
    row = _version(
        conn,
        name,
        region,
        version,
        ", v.report, (SELECT count(*) FROM raster_version x WHERE x.raster_id = r.id) AS versions",
    )
    return RasterDetailRow(**_row_fields(row), report=row.report, versions=row.versions)
