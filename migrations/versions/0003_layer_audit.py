"""Load fingerprints and the layer audit trail: layer_version.fingerprint, layer_event.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL for versions loaded before this revision: their next region load reloads them once.
    op.execute("ALTER TABLE layer_version ADD COLUMN fingerprint text")
    op.execute(
        """
        CREATE TABLE layer_event (
            id serial PRIMARY KEY,
            layer_id integer NOT NULL REFERENCES layer(id) ON DELETE CASCADE,
            action text NOT NULL
                CONSTRAINT layer_event_action_known CHECK (action IN ('load', 'rollback')),
            from_version integer,
            to_version integer NOT NULL,
            actor text,
            note text,
            happened_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute("CREATE INDEX layer_event_layer_idx ON layer_event (layer_id, id)")
    # The versions loaded so far, as load events in version order (who is not known).
    op.execute(
        """
        INSERT INTO layer_event (layer_id, action, from_version, to_version, happened_at)
        SELECT layer_id, 'load', lag(version) OVER (PARTITION BY layer_id ORDER BY version),
               version, loaded_at
        FROM layer_version ORDER BY loaded_at, id
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS layer_event")
    op.execute("ALTER TABLE layer_version DROP COLUMN IF EXISTS fingerprint")
