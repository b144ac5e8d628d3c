"""Catalog queries: layers, their versions and audit trail, features of a version as GeoJSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from app.errors import InvalidParameter, LayerNotFound
from app.services.geo.crs import STORAGE_SRID

_VERSION_COLS = """
    v.id AS version_id, v.version, v.title, v.title_en, v.kind, v.source_file, v.source_layer,
    v.checksum, v.source_crs, v.metric_crs, v.geometry_type, v.feature_count, v.minx, v.miny,
    v.maxx, v.maxy, v.licence, v.field_map, v.report, v.loaded_at, v.plan, v.oss_integrated
"""


def _version_dict(row: Any) -> dict[str, Any]:
    m = dict(row._mapping)
    bounds = [m.pop(k) for k in ("minx", "miny", "maxx", "maxy")]
    m["bounds"] = bounds if None not in bounds else None
    return m


def list_layers(
    conn: Connection, kind: str | None = None, region: str | None = None
) -> list[dict[str, Any]]:
    """Return every layer (of `region`, if given) with its current version, ordered by name."""
    rows = conn.execute(
        text(
            f"""
            SELECT l.name, l.region_code AS region, l.kind AS layer_kind, {_VERSION_COLS}
            FROM layer l JOIN layer_version v ON v.id = l.current_version_id
            WHERE (CAST(:kind AS text) IS NULL OR l.kind = :kind)
              AND (CAST(:region AS text) IS NULL OR l.region_code = :region)
            ORDER BY l.name, l.region_code
            """
        ),
        {"kind": kind, "region": region},
    ).all()
    return [_layer_dict(r) for r in rows]


def _layer_dict(row: Any) -> dict[str, Any]:
    d = _version_dict(row)
    d.pop("layer_kind", None)
    d.pop("report", None)
    d.pop("field_map", None)
    return d


def _ambiguous(name: str, codes: list[str]) -> InvalidParameter:
    return InvalidParameter(
        f"several regions have a layer named {name!r} ({', '.join(codes)}); "
        "name one with ?region=CODE (CLI: --region CODE)",
        message_id=f"Beberapa wilayah memiliki lapisan bernama {name!r} ({', '.join(codes)}); "
        "sebutkan salah satunya dengan ?region=KODE (CLI: --region KODE)",
        regions=codes,
    )


def _no_layer(name: str, region: str | None) -> LayerNotFound:
    """Return the error of a layer name the catalog (or the region) does not hold."""
    if region:
        return LayerNotFound(
            f"no layer named {name!r} in region {region}",
            message_id=f"Tidak ada lapisan bernama {name!r} di wilayah {region}",
        )
    return LayerNotFound(
        f"no layer named {name!r}", message_id=f"Tidak ada lapisan bernama {name!r}"
    )


def find_layer(
    conn: Connection, name: str, region: str | None = None, *, lock: bool = False
) -> Any:
    """Return the layer row (id, name, region_code, current_version_id) a name stands for.

    Names are unique within a region. Without `region`, a name only one region uses is that
    layer; a name several regions use is InvalidParameter naming them; none is LayerNotFound.
    `lock` takes the layer row FOR UPDATE (rollback, drop).
    """
    rows = conn.execute(
        text(
            "SELECT id, name, region_code, current_version_id FROM layer "
            "WHERE name = :n AND (CAST(:region AS text) IS NULL OR region_code = :region) "
            "ORDER BY region_code" + (" FOR UPDATE" if lock else "")
        ),
        {"n": name, "region": region},
    ).all()
    if not rows:
        raise _no_layer(name, region)
    if len(rows) > 1:
        raise _ambiguous(name, [str(r.region_code) for r in rows])
    return rows[0]


def get_layer(conn: Connection, name: str, region: str | None = None) -> dict[str, Any]:
    """Return one layer with its current version and load report; LayerNotFound if absent.

    A name that several regions use needs `region` (else InvalidParameter naming them).
    """
    rows = conn.execute(
        text(
            f"""
            SELECT l.name, l.region_code AS region, l.kind AS layer_kind, {_VERSION_COLS},
                   (SELECT count(*) FROM layer_version x WHERE x.layer_id = l.id) AS versions
            FROM layer l JOIN layer_version v ON v.id = l.current_version_id
            WHERE l.name = :n AND (CAST(:region AS text) IS NULL OR l.region_code = :region)
            ORDER BY l.region_code
            """
        ),
        {"n": name, "region": region},
    ).all()
    if not rows:
        raise _no_layer(name, region)
    if len(rows) > 1:
        raise _ambiguous(name, [str(r.region) for r in rows])
    row = rows[0]
    d = _version_dict(row)
    d.pop("layer_kind", None)
    return d


def list_versions(
    conn: Connection, name: str, region: str | None = None
) -> list[dict[str, Any]]:
    """Return every version of a layer, newest first, marking the current one.

    Each version lists its `events`: the loads and rollbacks that made it current.
    """
    layer = find_layer(conn, name, region)
    rows = conn.execute(
        text(
            f"""
            SELECT l.name, l.region_code AS region, {_VERSION_COLS},
                   (v.id = l.current_version_id) AS current
            FROM layer l JOIN layer_version v ON v.layer_id = l.id
            WHERE l.id = :l ORDER BY v.version DESC
            """
        ),
        {"l": layer.id},
    ).all()
    events: dict[int, list[dict[str, Any]]] = {}
    for event in layer_events(conn, name, region):
        events.setdefault(event["to_version"], []).append(event)
    out = []
    for r in rows:
        d = _version_dict(r)
        d.pop("report", None)
        d["events"] = events.get(d["version"], [])
        out.append(d)
    return out


def record_event(
    conn: Connection,
    layer_id: int,
    action: str,
    from_version: int | None,
    to_version: int,
    actor: str | None = None,
    note: str | None = None,
) -> None:
    """Add an audit entry: `to_version` of the layer became current by a load or a rollback."""
    conn.execute(
        text(
            "INSERT INTO layer_event (layer_id, action, from_version, to_version, actor, note) "
            "VALUES (:l, :a, :f, :t, :who, :why)"
        ),
        {"l": layer_id, "a": action, "f": from_version, "t": to_version, "who": actor, "why": note},
    )


def layer_events(
    conn: Connection, name: str, region: str | None = None
) -> list[dict[str, Any]]:
    """Return the audit trail of a layer, oldest first."""
    layer = find_layer(conn, name, region)
    rows = conn.execute(
        text(
            """
            SELECT e.action, e.from_version, e.to_version, e.actor, e.note, e.happened_at
            FROM layer_event e WHERE e.layer_id = :l ORDER BY e.id
            """
        ),
        {"l": layer.id},
    ).all()
    return [dict(r._mapping) for r in rows]


def rollback_layer(
    conn: Connection,
    name: str,
    version: int,
    actor: str | None = None,
    note: str | None = None,
    region: str | None = None,
) -> dict[str, Any]:
    """Make an earlier (or any other) version of a layer current and audit it.

    Returns the layer name, `from_version`, `to_version` and whether anything `changed`;
    LayerNotFound for an unknown layer or version. Runs in the caller's transaction.
    """
    found = find_layer(conn, name, region)
    conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtext('rtrw.layer.' || :r || '.' || :n))"),
        {"n": name, "r": found.region_code or ""},
    )
    layer = conn.execute(
        text(
            "SELECT l.id, v.version AS current FROM layer l "
            "LEFT JOIN layer_version v ON v.id = l.current_version_id "
            "WHERE l.id = :l FOR UPDATE OF l"
        ),
        {"l": found.id},
    ).one()
    versions: dict[int, int] = dict(
        conn.execute(
            text("SELECT version, id FROM layer_version WHERE layer_id = :l ORDER BY version"),
            {"l": layer.id},
        ).all()
    )
    if version not in versions:
        listed = ", ".join(str(v) for v in versions)
        raise LayerNotFound(
            f"layer {name!r} has no version {version}; its versions are: {listed}",
            message_id=f"Lapisan {name!r} tidak memiliki versi {version}; versinya: {listed}",
        )
    result = {
        "name": name,
        "region": found.region_code,
        "from_version": layer.current,
        "to_version": version,
    }
    if layer.current == version:
        return {**result, "changed": False}
    conn.execute(
        text(
            "UPDATE layer SET current_version_id = v.id, title = v.title "
            "FROM layer_version v WHERE layer.id = :l AND v.id = :v"
        ),
        {"l": layer.id, "v": versions[version]},
    )
    record_event(conn, layer.id, "rollback", layer.current, version, actor, note)
    return {**result, "changed": True}


def resolve_version(
    conn: Connection, name: str, version: int | None = None, region: str | None = None
) -> int:
    """Return the version id to serve: the current one, or `version` if given."""
    layer = find_layer(conn, name, region)
    if version is None:
        vid = layer.current_version_id
    else:
        vid = conn.execute(
            text("SELECT id FROM layer_version WHERE layer_id = :l AND version = :v"),
            {"l": layer.id, "v": version},
        ).scalar()
    if vid is None:
        raise LayerNotFound(
            f"layer {name!r} has no version {version}",
            message_id=f"Lapisan {name!r} tidak memiliki versi {version}",
        )
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
    layer = find_layer(conn, name, region, lock=True)
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
