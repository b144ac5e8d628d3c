"""What the benchmarks share: the database each one creates for itself."""

from __future__ import annotations

import os

from sqlalchemy.engine import make_url

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/"


def bench_url(db_name: str) -> str:
    """Return RTRW_DATABASE_URL (or the local default) with its database renamed to db_name."""
    env = os.environ.get("RTRW_DATABASE_URL") or DEFAULT_SERVER + db_name
    return make_url(env).set(database=db_name).render_as_string(hide_password=False)
