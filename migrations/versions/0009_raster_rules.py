"""Raster rules: thresholds on a pack's rasters (slope, hazard classes) that the check reports.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None
EMPTY = sa.text("'{}'::text[]")


def upgrade() -> None:
    op.create_table(
        "raster_rule",
        sa.Column(
            "rule_set_id",
            sa.Integer(),
            sa.ForeignKey("rule_set.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("raster", sa.Text(), nullable=False),
        sa.Column("op", sa.Text(), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("min_share", sa.Double(), nullable=False, server_default=sa.text("0")),
        sa.Column("effect", sa.Text(), nullable=False),
        sa.Column("itbx", sa.Text()),
        sa.Column("activities", sa.ARRAY(sa.Text()), nullable=False, server_default=EMPTY),
        sa.Column("sectors", sa.ARRAY(sa.Text()), nullable=False, server_default=EMPTY),
        sa.Column("finding", sa.Text(), nullable=False),
        sa.Column("finding_en", sa.Text()),
        sa.Column("source_id", sa.Text()),
        sa.Column("article", sa.Text()),
        sa.Column("valid_from", sa.Date()),
        sa.Column("valid_to", sa.Date()),
        sa.CheckConstraint("op IN ('>', '>=', '<', '<=', '=')", name="raster_rule_op_check"),
        sa.CheckConstraint(
            "effect IN ('prohibit', 'restrict', 'note')", name="raster_rule_effect_check"
        ),
        sa.CheckConstraint("itbx IN ('I', 'T', 'B', 'X', 'TB')", name="raster_rule_itbx_check"),
        sa.CheckConstraint("min_share >= 0 AND min_share < 1", name="raster_rule_share_check"),
    )
    op.create_index("raster_rule_lookup", "raster_rule", ["rule_set_id"])


def downgrade() -> None:
    op.drop_index("raster_rule_lookup", table_name="raster_rule")
    op.drop_table("raster_rule")
