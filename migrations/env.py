"""Alembic environment: runs migrations on the URL from settings (or one passed in by code)."""

from alembic import context
from sqlalchemy import create_engine, pool

from app.db import sqlalchemy_url
from app.models import Base
from app.settings import database_settings

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return sqlalchemy_url(config.attributes.get("url") or database_settings().url)


def run_migrations_offline() -> None:
    """Emit SQL to stdout without a database."""
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations against the database in one transaction."""
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
