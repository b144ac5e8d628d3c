"""Database administration: create the database, run the Alembic migrations, drop it."""

from pathlib import Path

import psycopg
from alembic import command
from alembic.config import Config
from psycopg import sql
from sqlalchemy.engine import make_url

from app.db import libpq_url, sqlalchemy_url

ROOT = Path(__file__).resolve().parents[2]


def _maintenance_url(url: str) -> tuple[str, str]:
    u = make_url(url)
    name = u.database or "rtrw"
    return libpq_url(u.set(database="postgres").render_as_string(hide_password=False)), name


def create_database(url: str) -> bool:
    """Create the database named in `url` unless it exists; return True if created."""
    admin, name = _maintenance_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def drop_database(url: str) -> None:
    """Drop the database named in `url` (ending its connections first)."""
    admin, name = _maintenance_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def alembic_config(url: str) -> Config:
    """Return an Alembic config for the project's migrations on `url`."""
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["url"] = sqlalchemy_url(url)
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Run the migrations up to `revision`."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Run the migrations down to `revision`."""
    command.downgrade(alembic_config(url), revision)
