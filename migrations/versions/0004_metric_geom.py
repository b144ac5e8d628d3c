"""feature.geom_m: each polygon also kept in its version's metric CRS, cut on by the check.

The zoning check cuts parcels in the region's metric CRS. Re-projecting every intersecting
zoning, overlay and admin polygon once per parcel dominated large batches; the loader already
computes the metric geometry (for areas), so it is stored once at load time. NULL for
non-polygonal layers and for versions loaded before this revision (the check then transforms
`geom` as before). No SRID constraint: a version keeps the metric CRS it was loaded with.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE feature ADD COLUMN geom_m geometry")


def downgrade() -> None:
    op.execute("ALTER TABLE feature DROP COLUMN geom_m")
