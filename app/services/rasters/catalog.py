"""Raster catalog queries: the record a query or tile reads, listings, versions and history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from app.errors import InvalidParameter, RasterNotFound
from app.services.rasters.classes import classes_from_json
from app.services.rasters.records import RasterRecord
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


def _not_found(name: str, region: str | None, version: int | None = None) -> RasterNotFound:
    where = f" in region {region}" if region else ""
    where_id = f" di wilayah {region}" if region else ""
    if version is not None:
        return RasterNotFound(
            f"raster {name!r}{where} has no version {version}",
            message_id=f"Raster {name!r}{where_id} tidak memiliki versi {version}",
        )
    return RasterNotFound(
        f"no raster named {name!r}{where}",
        message_id=f"Raster {name!r}{where_id} tidak ditemukan",
    )


def _ambiguous(name: str, codes: list[str]) -> InvalidParameter:
    return InvalidParameter(
        f"several regions have a raster named {name!r} ({', '.join(codes)}); "
        "name one with ?region=CODE (CLI: --region CODE)",
        message_id=f"Beberapa wilayah memiliki raster bernama {name!r} ({', '.join(codes)}); "
        "sebutkan salah satunya dengan ?region=KODE (CLI: --region KODE)",
        regions=codes,
    )


def find_raster(conn: Connection, name: str, region: str | None = None) -> Any:
    """Return the raster row (id, name, region_code, current_version_id) a name stands for.

    Names are unique within a region; a name several regions use needs `region`
    (InvalidParameter naming them), an unknown one is RasterNotFound.
    """
    rows = conn.execute(
        text(
            "SELECT id, name, region_code, current_version_id FROM raster "
            "WHERE name = :n AND (CAST(:region AS text) IS NULL OR region_code = :region) "
            "ORDER BY region_code"
        ),
        {"n": name, "region": region},
    ).all()
    if not rows:
        raise _not_found(name, region)
    if len(rows) > 1:
        raise _ambiguous(name, [str(r.region_code) for r in rows])
    return rows[0]


def _row(conn: Connection, raster_id: int, version: int | None) -> Any:
    where = "v.id = r.current_version_id" if version is None else "v.version = :v"
    return conn.execute(
        text(
            f"SELECT {_COLS} FROM raster r JOIN raster_version v ON v.raster_id = r.id "
            f"WHERE r.id = :r AND {where}"
        ),
        {"r": raster_id, "v": version},
    ).one_or_none()


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
    found = find_raster(conn, name, region)
    row = _row(conn, found.id, version)
    if row is None:
        raise _not_found(name, region, version)
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


def _summary(row: Any) -> dict[str, Any]:
    m = dict(row._mapping)
    bounds = [m.pop(k) for k in ("west", "south", "east", "north")]
    m["bounds"] = bounds
    m["region"] = m.pop("region_code")
    m["res"] = [m.pop("res_x"), m.pop("res_y")]
    m.pop("raster_id", None)
    m["classes"] = m["classes"] or []
    m["tilejson"] = f"/rasters/{m['name']}.json"
    return m


def list_rasters(conn: Connection, region: str | None = None) -> list[dict[str, Any]]:
    """Return every raster (of `region`, if given) with its current version, ordered by name."""
    rows = conn.execute(
        text(
            f"""
            SELECT {_COLS} FROM raster r JOIN raster_version v ON v.id = r.current_version_id
            WHERE CAST(:region AS text) IS NULL OR r.region_code = :region
            ORDER BY r.name, r.region_code
            """
        ),
        {"region": region},
    ).all()
    return [_summary(r) for r in rows]


def raster_detail(
    conn: Connection, name: str, region: str | None = None, version: int | None = None
) -> dict[str, Any]:
    """Return one raster's catalog entry (current or asked-for version) with its load report."""
    found = find_raster(conn, name, region)
    row = conn.execute(
        text(
            f"""
            SELECT {_COLS}, v.report,
                   (SELECT count(*) FROM raster_version x WHERE x.raster_id = r.id) AS versions
            FROM raster r JOIN raster_version v ON v.raster_id = r.id
            WHERE r.id = :r AND (CASE WHEN CAST(:v AS integer) IS NULL
                                      THEN v.id = r.current_version_id ELSE v.version = :v END)
            """
        ),
        {"r": found.id, "v": version},
    ).one_or_none()
    if row is None:
        raise _not_found(name, region, version)
    return _summary(row)


def raster_versions(conn: Connection, name: str, region: str | None = None) -> list[dict[str, Any]]:
    """Return every version of a raster, newest first, marking the current one."""
    found = find_raster(conn, name, region)
    rows = conn.execute(
        text(
            f"""
            SELECT {_COLS}, (v.id = r.current_version_id) AS current
            FROM raster r JOIN raster_version v ON v.raster_id = r.id
            WHERE r.id = :r ORDER BY v.version DESC
            """
        ),
        {"r": found.id},
    ).all()
    return [_summary(r) for r in rows]


def raster_events(conn: Connection, name: str, region: str | None = None) -> list[dict[str, Any]]:
    """Return the audit trail of a raster (loads and rollbacks), oldest first."""
    found = find_raster(conn, name, region)
    rows = conn.execute(
        text(
            "SELECT action, from_version, to_version, actor, note, happened_at "
            "FROM raster_event WHERE raster_id = :r ORDER BY id"
        ),
        {"r": found.id},
    ).all()
    return [dict(r._mapping) for r in rows]


def stored_paths(conn: Connection) -> list[str]:
    """Return the store-relative path of every raster version's file."""
    return list(conn.execute(text("SELECT path FROM raster_version ORDER BY id")).scalars())
