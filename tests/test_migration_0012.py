"""Migration 0012: layer_version.title_en and raster_version.title_en, up, down and up again."""

from __future__ import annotations

import uuid

import psycopg
from sqlalchemy.engine import make_url

from app.db import libpq_url
from app.services import database


def title_en_tables(url: str) -> set[str]:
    """Return the tables that have a `title_en` column."""
    with psycopg.connect(libpq_url(url)) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND column_name = 'title_en' "
            "AND data_type = 'text' AND is_nullable = 'YES'"
        ).fetchall()
    return {r[0] for r in rows}


def test_0012_adds_and_drops_title_en(database_url: str) -> None:
    url = make_url(database_url).set(database=f"rtrw_mig_{uuid.uuid4().hex[:8]}")
    url_s = url.render_as_string(hide_password=False)
    database.create_database(url_s)
    try:
        database.upgrade(url_s, "0011")
        assert title_en_tables(url_s) == set()
        database.upgrade(url_s, "0012")
        assert title_en_tables(url_s) == {"layer_version", "raster_version"}
        database.downgrade(url_s, "0011")
        assert title_en_tables(url_s) == set()
        database.upgrade(url_s)
        assert title_en_tables(url_s) == {"layer_version", "raster_version"}
    finally:
        database.drop_database(url_s)
