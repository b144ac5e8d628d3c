"""Read APBD projects: a filtered page, one project, the flags, the budget summary; and render.

Every statement is parameterised; filters are fixed SQL fragments chosen by name, their
values bound. Desa and kecamatan names come from the current admin layers.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import shapely.geometry
from sqlalchemy import Connection, text

from app.errors import InvalidParameter, NotFound
from app.services.catalog.current import CURRENT_ADMIN_SQL
from app.services.catalog.named import region_or_all
from app.services.geo.crs import STORAGE_SRID
from app.services.projects.fields import ROW_FIELDS

SUMMARY_BY = ("desa", "kecamatan", "opd", "source")


@dataclass
class ProjectFilter:
    """The filters of GET /projects; None means no filter."""

    year: int | None = None
    opd: str | None = None  # an OPD code, or its name (case ignored)
    source: str | None = None  # funding source, e.g. DAU, DAK (case ignored)
    desa: str | None = None  # Kemendagri code, with or without dots
    kecamatan: str | None = None
    flag: str | None = None
    bbox: tuple[float, float, float, float] | None = None


@dataclass
class Page:
    """One page of rows and whether another follows."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    has_next: bool = False


# The name of the current admin feature of `level` whose code is `code` (the project's region,
# or any region when it names none).
_ADMIN_NAME = f"""(SELECT f.name FROM cur c
    JOIN feature f ON f.version_id = c.version_id AND f.level = c.level AND f.code = {{code}}
    WHERE c.level = {{level}} AND {region_or_all("c.region_code", "p.region_code")}
    ORDER BY f.fid LIMIT 1)"""

_PROJECT_SQL = f"""
    WITH cur AS MATERIALIZED ({CURRENT_ADMIN_SQL})
    SELECT p.id, p.year, p.ref, p.name, p.opd_code, p.opd_name, p.program, p.activity,
           p.sub_activity_code, p.sub_activity, p.source, p.pagu, p.realisation, p.progress,
           p.contract_no, p.contract_value, p.contractor, p.start_date, p.end_date, p.kbli,
           p.location_text, p.given_desa_code, p.given_kecamatan, p.region_code,
           p.desa_code, {_ADMIN_NAME.format(code="p.desa_code", level=4)} AS desa_name,
           p.kecamatan_code,
           {_ADMIN_NAME.format(code="p.kecamatan_code", level=3)} AS kecamatan_name,
           p.placed_by, p.match_confidence, p.zones,
           ST_AsGeoJSON(p.geom, 7) AS geometry,
           (SELECT coalesce(json_agg(json_build_object(
                       'flag', g.flag, 'other_id', g.other_id, 'other_ref', o.ref,
                       'reason', json_build_object('id', g.reason_id, 'en', g.reason_en))
                   ORDER BY g.flag, g.id), '[]')
            FROM project_flag g LEFT JOIN project o ON o.id = g.other_id
            WHERE g.project_id = p.id) AS flags
    FROM project p
    WHERE {{where}}
    ORDER BY p.id
    {{page}}
"""

# The filter fragments of the project list, by filter name; values are bound.
_FILTERS = {
    "year": "p.year = :year",
    "opd": "(p.opd_code = :opd OR lower(p.opd_name) = lower(:opd))",
    "source": "lower(p.source) = lower(:source)",
    "desa": "replace(p.desa_code, '.', '') = replace(:desa, '.', '')",
    "kecamatan": "replace(p.kecamatan_code, '.', '') = replace(:kecamatan, '.', '')",
    "flag": "EXISTS (SELECT 1 FROM project_flag g WHERE g.project_id = p.id AND g.flag = :flag)",
    "bbox": f"p.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, {STORAGE_SRID}) "
    f"AND ST_Intersects(p.geom, ST_MakeEnvelope(:x0, :y0, :x1, :y1, {STORAGE_SRID}))",
}

_FLAGS_SQL = """
    SELECT g.id, g.project_id, p.ref, p.year, p.name, p.opd_name, p.desa_code, g.flag,
           g.reason_id, g.reason_en, g.other_id, o.ref AS other_ref,
           ST_X(ST_PointOnSurface(p.geom)) AS lon, ST_Y(ST_PointOnSurface(p.geom)) AS lat
    FROM project_flag g
    JOIN project p ON p.id = g.project_id
    LEFT JOIN project o ON o.id = g.other_id
    WHERE (CAST(:flag AS text) IS NULL OR g.flag = CAST(:flag AS text))
      AND (CAST(:year AS integer) IS NULL OR p.year = CAST(:year AS integer))
    ORDER BY g.project_id, g.flag, g.id
    LIMIT :lim OFFSET :off
"""

# The group key and name of each summary; the name of a desa or kecamatan is its current
# admin feature's (any region's: Kemendagri codes are national).
_SUMMARY_KEYS = {
    "desa": ("p.desa_code", _ADMIN_NAME.format(code="p.desa_code", level=4)),
    "kecamatan": ("p.kecamatan_code", _ADMIN_NAME.format(code="p.kecamatan_code", level=3)),
    "opd": ("coalesce(p.opd_code, p.opd_name)", "p.opd_name"),
    "source": ("p.source", "p.source"),
}
_SUMMARY_SQL = """
    WITH cur AS MATERIALIZED ({admin}),
    picked AS (
        SELECT {key} AS key, {name} AS name, p.pagu, p.realisation,
               EXISTS (SELECT 1 FROM project_flag g WHERE g.project_id = p.id) AS flagged
        FROM project p
        WHERE CAST(:year AS integer) IS NULL OR p.year = CAST(:year AS integer)
    )
    SELECT key, min(name) AS name, count(*) AS count, count(*) FILTER (WHERE flagged) AS flagged,
           coalesce(sum(pagu), 0) AS pagu, coalesce(sum(realisation), 0) AS realisation
    FROM picked GROUP BY key ORDER BY key NULLS LAST
"""


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _project(row: Any) -> dict[str, Any]:
    out = {k: _json_value(v) for k, v in row._mapping.items() if k != "geometry"}
    out["zones"] = list(row.zones or [])
    out["geometry"] = json.loads(row.geometry) if row.geometry else None
    return out


def list_projects(conn: Connection, filters: ProjectFilter, limit: int, offset: int) -> Page:
    """Return one page of projects (by id) matching every filter given, with their flags."""
    where = ["true"]
    params: dict[str, Any] = {"lim": limit + 1, "off": offset}
    values: dict[str, Any] = {
        "year": filters.year,
        "opd": filters.opd,
        "source": filters.source,
        "desa": filters.desa,
        "kecamatan": filters.kecamatan,
        "flag": filters.flag,
    }
    for name, value in values.items():
        if value is not None:
            where.append(_FILTERS[name])
            params[name] = value
    if filters.bbox is not None:
        where.append(_FILTERS["bbox"])
        params.update(zip(("x0", "y0", "x1", "y1"), filters.bbox, strict=True))
    sql = _PROJECT_SQL.format(where=" AND ".join(where), page="LIMIT :lim OFFSET :off")
    rows = conn.execute(text(sql), params).all()
    return Page([_project(r) for r in rows[:limit]], has_next=len(rows) > limit)


def get_project(conn: Connection, project_id: int) -> dict[str, Any]:
    """Return one project with its flags; NotFound (404) for an unknown id."""
    sql = _PROJECT_SQL.format(where="p.id = :id", page="")
    row = conn.execute(text(sql), {"id": project_id}).first()
    if row is None:
        raise NotFound(
            f"no project with id {project_id}",
            message_id=f"Kegiatan dengan id {project_id} tidak ditemukan",
        )
    return _project(row)


def list_flags(
    conn: Connection, flag: str | None, year: int | None, limit: int, offset: int
) -> Page:
    """Return one page of flags (by project), each with its project's ref and the reason."""
    rows = conn.execute(
        text(_FLAGS_SQL), {"flag": flag, "year": year, "lim": limit + 1, "off": offset}
    ).all()
    out = [
        {
            "id": r.id,
            "project_id": r.project_id,
            "ref": r.ref,
            "year": r.year,
            "name": r.name,
            "opd_name": r.opd_name,
            "desa_code": r.desa_code,
            "flag": r.flag,
            "reason": {"id": r.reason_id, "en": r.reason_en},
            "other_id": r.other_id,
            "other_ref": r.other_ref,
            "lon": r.lon,
            "lat": r.lat,
        }
        for r in rows[:limit]
    ]
    return Page(out, has_next=len(rows) > limit)


def budget_summary(conn: Connection, by: str, year: int | None) -> dict[str, Any]:
    """Return pagu and realisation totals, counts and flagged counts per desa/kecamatan/opd/source.

    A group without its key (no desa, no OPD, ...) comes last with key None.
    """
    if by not in _SUMMARY_KEYS:
        raise InvalidParameter(
            f"by must be one of {', '.join(SUMMARY_BY)}; got {by!r}",
            message_id=f"by harus salah satu dari {', '.join(SUMMARY_BY)}; diterima {by!r}",
        )
    key, name = _SUMMARY_KEYS[by]
    sql = _SUMMARY_SQL.format(admin=CURRENT_ADMIN_SQL, key=key, name=name)
    groups = [_group(r._mapping) for r in conn.execute(text(sql), {"year": year})]
    total = _group(
        {
            "key": None,
            "name": None,
            "count": sum(g["count"] for g in groups),
            "flagged": sum(g["flagged"] for g in groups),
            "pagu": sum(g["pagu"] for g in groups),
            "realisation": sum(g["realisation"] for g in groups),
        }
    )
    return {"by": by, "year": year, "groups": groups, "total": total}


def _group(r: Mapping[Any, Any]) -> dict[str, Any]:
    pagu, realisation = int(r["pagu"]), int(r["realisation"])
    return {
        "key": r["key"],
        "name": r["name"],
        "count": int(r["count"]),
        "flagged": int(r["flagged"]),
        "pagu": pagu,
        "realisation": realisation,
        "realisation_share": round(realisation / pagu, 4) if pagu else None,
    }


# Output formats of the project list: JSON rows, CSV (one line per project) or GeoJSON.
CSV_COLUMNS = (
    "id",
    "year",
    "ref",
    "name",
    *(f for f in ROW_FIELDS if f != "name"),
    "location_text",
    "given_desa_code",
    "given_kecamatan",
    "region_code",
    "desa_code",
    "desa_name",
    "kecamatan_code",
    "kecamatan_name",
    "placed_by",
    "match_confidence",
    "zones",
    "flags",
    "lon",
    "lat",
    "wkt",
)
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "@", "\t", "\r")


def _csv_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv_row(project: Mapping[str, Any]) -> dict[str, Any]:
    row = {k: project.get(k) for k in CSV_COLUMNS}
    row["zones"] = ";".join(project.get("zones") or [])
    row["flags"] = ";".join(dict.fromkeys(f["flag"] for f in project.get("flags") or []))
    geometry = project.get("geometry")
    if geometry:
        shape = shapely.geometry.shape(geometry)
        at = shape.representative_point()
        row["lon"], row["lat"], row["wkt"] = round(at.x, 7), round(at.y, 7), shape.wkt
    return {k: _csv_cell(v) for k, v in row.items()}


def render_projects(page: Page, fmt: str, links: list[dict[str, str]]) -> tuple[str, str]:
    """Return (body, media type) of a page of projects as JSON, CSV or a GeoJSON collection."""
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(_csv_row(p) for p in page.rows)
        return buf.getvalue(), "text/csv"
    if fmt == "geojson":
        features = [
            {
                "type": "Feature",
                "id": p["id"],
                "properties": {k: v for k, v in p.items() if k != "geometry"},
                "geometry": p["geometry"],
            }
            for p in page.rows
        ]
        body = {
            "type": "FeatureCollection",
            "numberReturned": len(features),
            "features": features,
            "links": links,
        }
        return json.dumps(body, ensure_ascii=False), "application/geo+json"
    body = {"numberReturned": len(page.rows), "projects": page.rows, "links": links}
    return json.dumps(body, ensure_ascii=False), "application/json"
