"""Engine factory and URL helpers; nothing else."""

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from app.settings import DatabaseSettings, database_settings


def sqlalchemy_url(url: str) -> str:
    """Return the URL with the psycopg 3 driver made explicit."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """Return the URL in the plain libpq form psycopg and psql take."""
    u = make_url(url).set(drivername="postgresql")
    return u.render_as_string(hide_password=False)


def make_engine(settings: DatabaseSettings | None = None, url: str | None = None) -> Engine:
    """Return a pooled engine for the configured database."""
    s = settings or database_settings()
    opts = [f"-c statement_timeout={s.statement_timeout_ms}"] if s.statement_timeout_ms else []
    if not s.jit:
        opts.append("-c jit=off")
    return create_engine(
        sqlalchemy_url(url or s.url),
        pool_size=s.pool_size,
        max_overflow=s.max_overflow,
        pool_pre_ping=s.pool_pre_ping,
        pool_recycle=3600,
        connect_args={"options": " ".join(opts)} if opts else {},
    )
