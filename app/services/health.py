"""Service health: database and PostGIS versions, layer count."""

from typing import Any

from sqlalchemy import Connection, text


def check(conn: Connection) -> dict[str, Any]:
    """Return database status, PostgreSQL and PostGIS versions and the number of layers."""
    row = conn.execute(
        text(
            "SELECT current_setting('server_version') AS pg, postgis_full_version() AS full, "
            "postgis_lib_version() AS postgis, (SELECT count(*) FROM layer) AS layers"
        )
    ).one()
    return {
        "status": "ok",
        "database": "reachable",
        "postgresql": row.pg,
        "postgis": row.postgis,
        "layers": row.layers,
    }
