"""Raster catalog notifications: NOTIFY rtrw_catalog when a raster or raster version changes.

The raster tile endpoint keeps the record a name resolves to in memory while no notification
has arrived since it was read, as the vector tiles do (0006), so a warm tile needs no query.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TABLES = ("raster", "raster_version")


def upgrade() -> None:
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_catalog_notify "
            f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION rtrw_catalog_notify()"
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_catalog_notify ON {table}")
