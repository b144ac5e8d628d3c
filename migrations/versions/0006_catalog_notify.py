"""Catalog change notifications: NOTIFY rtrw_catalog whenever a layer or layer version changes.

The tile endpoint keeps the layer version a name resolves to in memory and reuses it only
while no notification has arrived since it was read (app/services/tiles/catalog.py), so a
warm tile needs no query. Statement-level triggers on `layer` and `layer_version` (insert,
update, delete, truncate; cascaded deletes included) call pg_notify with the table name as
payload. PostgreSQL delivers a notification when the transaction commits and folds
duplicates within it, so a load, rollback or drop costs one or two messages.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

CHANNEL = "rtrw_catalog"
TABLES = ("layer", "layer_version")


def upgrade() -> None:
    op.execute(
        f"""
        CREATE FUNCTION rtrw_catalog_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', TG_TABLE_NAME);
            RETURN NULL;
        END $$
        """
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_catalog_notify "
            f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION rtrw_catalog_notify()"
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_catalog_notify ON {table}")
    op.execute("DROP FUNCTION IF EXISTS rtrw_catalog_notify()")
