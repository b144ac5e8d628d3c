"""The layers of the catalog: LAYER (the kind, for catalog/named.py and history.py), listings,
one layer, features of a version as GeoJSON, drop."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from app.errors import LayerNotFound
from app.l10n import Text
from app.services.catalog.named import (
    NamedTable,
    VersionEvent,
    find_named,
    no_version,
    not_found,
    region_or_all,
)
from app.services.geo.crs import STORAGE_SRID

# A layer and one of its versions, as the catalog lists it (`bounds` read from minx..maxy).
_COLS = """
    l.name, l.region_code AS region, v.id AS version_id, v.version, v.title, v.title_en, v.kind,
    v.source_file, v.source_layer, v.checksum, v.source_crs, v.metric_crs, v.geometry_type,
    v.feature_count, v.minx, v.miny, v.maxx, v.maxy, v.licence, v.loaded_at, v.plan,
    v.oss_integrated
"""


@dataclass(frozen=True, slots=True)
class LayerRow:
    """A layer and one of its versions (the current one, when listed)."""

    name: str
    region: str | None  # the Kemendagri code of the layer's region (None: loaded without)
    version_id: int
    version: int
    title: str
    title_en: str | None
    kind: str
    source_file: str
    source_layer: str | None
    checksum: str
    source_crs: str
    metric_crs: str
    geometry_type: str | None
    feature_count: int
    bounds: list[float] | None  # west, south, east, north (None: no features)
    licence: str | None
    loaded_at: datetime
    plan: str | None  # zoning: rtrw or rdtr
    oss_integrated: bool


@dataclass(frozen=True, slots=True)
class LayerDetailRow(LayerRow):
    """A layer's current version with its field map, load report and number of versions."""

    field_map: dict[str, str]
    report: dict[str, Any]
    versions: int


@dataclass(frozen=True, slots=True)
class LayerVersionRow(LayerRow):
    """One version of a layer, whether it is current and the events that made it current."""

    field_map: dict[str, str]
    current: bool
    events: list[VersionEvent]


_ROW_FIELDS = [f.name for f in fields(LayerRow) if f.name != "bounds"]


def _row_fields(row: Any) -> dict[str, Any]:
    m = row._mapping
    bounds = [m[k] for k in ("minx", "miny", "maxx", "maxy")]
    return {k: m[k] for k in _ROW_FIELDS} | {"bounds": bounds if None not in bounds else None}


def _version_row(row: Any, events: list[VersionEvent]) -> LayerVersionRow:
    return LayerVersionRow(
        **_row_fields(row), field_map=row.field_map, current=row.current, events=events
    )


LAYER: NamedTable[LayerVersionRow] = NamedTable(
    table="layer",
    alias="l",
    noun=Text("lapisan", "layer"),
    not_found_key="catalog.layer_not_found",
    error=LayerNotFound,
    on_rollback="title = v.title",
    columns=_COLS + ", v.field_map",
    row=_version_row,
)


def list_layers(
    conn: Connection, kind: str | None = None, region: str | None = None
) -> list[LayerRow]:
    """Return every layer (of `region`, if given) with its current version, ordered by name."""
    rows = conn.execute(
        text(
            f"""
            SELECT {_COLS} FROM {LAYER.current()}
            WHERE (CAST(:kind AS text) IS NULL OR l.kind = :kind) AND {region_or_all()}
            ORDER BY l.name, l.region_code
            """
        ),
        {"kind": kind, "region": region},
    ).all()
    return [LayerRow(**_row_fields(r)) for r in rows]


def get_layer(conn: Connection, name: str, region: str | None = None) -> LayerDetailRow:
    """Return one layer with its current version and load report; LayerNotFound if absent.

    A name that several regions use needs `region` (else InvalidParameter naming them).
    """
    found = find_named(conn, LAYER, name, region)
    row = conn.execute(
        text(
            f"""
            SELECT {_COLS}, v.field_map, v.report,
                   (SELECT count(*) FROM layer_version x WHERE x.layer_id = l.id) AS versions
            FROM {LAYER.current()} WHERE l.id = :id
            """
        ),
        {"id": found.id},
    ).one_or_none()
    if row is None:  # a layer without a current version is being dropped
        raise not_found(LAYER, name, region)
    return LayerDetailRow(
        **_row_fields(row), field_map=row.field_map, report=row.report, versions=row.versions
    )


def resolve_version(
    conn: Connection, name: str, version: int | None = None, region: str | None = None
) -> int:
    """Return the version id to serve: the current one, or `version` if given."""
    layer = find_named(conn, LAYER, name, region)
    if version is None:
        vid = layer.current_version_id
    else:
        vid = conn.execute(
            text("SELECT id FROM layer_version WHERE layer_id = :l AND version = :v"),
            {"l": layer.id, "v": version},
        ).scalar()
    if vid is None:
        raise no_version(LAYER, name, region, version)
    return int(vid)


@dataclass
class FeaturePage:
    """A page of features and whether another page follows."""

    features: list[dict[str, Any]]
    has_next: bool
    version: int


def features_page(
    conn: Connection,
    name: str,
    bbox: tuple[float, float, float, float] | None,
    limit: int,
    offset: int,
    version: int | None = None,
    region: str | None = None,
) -> FeaturePage:
    """Return GeoJSON features (EPSG:4326) of a layer version in fid order, one page."""
    version_id = resolve_version(conn, name, version, region)
    number = conn.execute(
        text("SELECT version FROM layer_version WHERE id = :id"), {"id": version_id}
    ).scalar_one()
    params: dict[str, Any] = {"vid": version_id, "lim": limit + 1, "off": offset}
    where = "version_id = :vid"
    if bbox is not None:
        where += f" AND geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, {STORAGE_SRID})"
        where += (
            f" AND ST_Intersects(geom, ST_MakeEnvelope(:x0, :y0, :x1, :y1, {STORAGE_SRID}))"
        )
        params.update(x0=bbox[0], y0=bbox[1], x1=bbox[2], y1=bbox[3])
    rows = conn.execute(
        text(
            f"""
            SELECT fid, code, name, parent_code, level, area_m2, props,
                   ST_AsGeoJSON(geom, 7) AS geometry
            FROM feature WHERE {where}
            ORDER BY fid LIMIT :lim OFFSET :off
            """
        ),
        params,
    ).all()
    feats = []
    for r in rows[:limit]:
        props: dict[str, Any] = dict(r.props or {})
        props.update(
            {
                k: v
                for k, v in (
                    ("code", r.code),
                    ("name", r.name),
                    ("parent_code", r.parent_code),
                    ("level", r.level),
                    ("area_m2", r.area_m2),
                )
                if v is not None
            }
        )
        feats.append(
            {
                "type": "Feature",
                "id": r.fid,
                "properties": props,
                "geometry": json.loads(r.geometry),
            }
        )
    return FeaturePage(features=feats, has_next=len(rows) > limit, version=int(number))


def drop_layer(conn: Connection, name: str, region: str | None = None) -> int:
    """Drop a layer with every version and its feature partitions; return the versions dropped.

    Only the layer of `region` (or the only layer of that name) goes; other regions' layers
    of the same name stay.
    """
    layer = find_named(conn, LAYER, name, region, lock=True)
    ids = (
        conn.execute(text("SELECT id FROM layer_version WHERE layer_id = :l"), {"l": layer.id})
        .scalars()
        .all()
    )
    conn.execute(text("UPDATE layer SET current_version_id = NULL WHERE id = :l"), {"l": layer.id})
    for vid in ids:
        # Partition names come from integer ids, never from user text.
        conn.execute(text(f"DROP TABLE IF EXISTS feature_v{int(vid)}"))
    conn.execute(text("DELETE FROM layer WHERE id = :l"), {"l": layer.id})
    return len(ids)


def layer_names(conn: Connection) -> list[str]:
    """Return the names of all layers (a name several regions use once)."""
    return list(conn.execute(text("SELECT DISTINCT name FROM layer ORDER BY name")).scalars())


def layer_keys(conn: Connection) -> list[tuple[str, str | None]]:
    """Return (name, region code) of every layer, ordered."""
    rows = conn.execute(text("SELECT name, region_code FROM layer ORDER BY name, region_code"))
    return [(str(r.name), r.region_code) for r in rows]
