"""Alembic owns the schema: upgrade to head, down to base and up again on a fresh database."""

from __future__ import annotations

import uuid

import psycopg
from sqlalchemy.engine import make_url

from app.db import libpq_url
from app.services import database


def tables(url: str) -> set[str]:
    with psycopg.connect(libpq_url(url)) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    return {r[0] for r in rows}


def test_upgrade_downgrade_upgrade(database_url: str) -> None:
    url = make_url(database_url).set(database=f"rtrw_mig_{uuid.uuid4().hex[:8]}")
    url_s = url.render_as_string(hide_password=False)
    database.create_database(url_s)
    try:
        database.upgrade(url_s)
        expected = {
            "region",
            "layer",
            "layer_version",
            "feature",
            "rule_set",
            "itbx_rule",
            "zone_class",
            "activity",
            "activity_kbli",
            "intensity_rule",
            "overlay_rule",
        }
        assert expected <= tables(url_s)
        database.downgrade(url_s, "base")
        assert tables(url_s) <= {"alembic_version", "spatial_ref_sys"}
        database.upgrade(url_s)
        assert expected <= tables(url_s)
    finally:
        database.drop_database(url_s)
