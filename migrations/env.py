"""Alembic environment: runs migrations on the URL from settings (or one passed in by code)."""

import re
from typing import Any

from alembic import context
from sqlalchemy import create_engine, pool

from app.db import sqlalchemy_url
from app.models import Base
from app.settings import database_settings

config = context.config
target_metadata = Base.metadata

# What autogenerate (and `alembic check`) must not compare, because app/models cannot model it:
# - feature_v<id>: the per-version partitions of `feature`, created by the loader at run time
#   (app/services/catalog/ingest.py), with their own primary keys and indexes;
# - spatial_ref_sys: PostGIS's table, owned by the extension that migration 0001 creates.
UNMODELLED_TABLES = re.compile(r"^(feature_v\d+|spatial_ref_sys)$")


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Return False for database objects that are not modelled (see UNMODELLED_TABLES)."""
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return not (reflected and compare_to is None and table and UNMODELLED_TABLES.match(table))


def _url() -> str:
    return sqlalchemy_url(config.attributes.get("url") or database_settings().url)


def _configure(**kw: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        include_object=include_object,
        compare_type=True,
        compare_server_default=True,
        **kw,
    )


def run_migrations_offline() -> None:
    """Emit SQL to stdout without a database."""
    _configure(url=_url(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations against the database in one transaction."""
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
