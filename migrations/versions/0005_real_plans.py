"""Real plans: zoning plans and their precedence, matrix rows per plan layer, intensity by
parcel area class, and regions kept apart.

Each concern is one function below (filled in by the change that needs it), run in order.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _plans() -> None:
    """layer_version.plan (rtrw/rdtr) and oss_integrated: which plan governs where."""
    op.add_column("layer_version", sa.Column("plan", sa.Text(), nullable=True))
    op.add_column(
        "layer_version",
        sa.Column("oss_integrated", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_check_constraint(
        "layer_version_plan_known", "layer_version", "plan IN ('rtrw', 'rdtr')"
    )
    # Zoning loaded before plans were declared was the regency plan.
    op.execute("UPDATE layer_version SET plan = 'rtrw' WHERE kind = 'zoning'")
    op.create_table(
        "route_rule",
        sa.Column(
            "rule_set_id",
            sa.Integer(),
            sa.ForeignKey("rule_set.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("route", sa.Text(), nullable=False),
        sa.Column("applies_when", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reason_en", sa.Text()),
        sa.Column("source_id", sa.Text()),
        sa.Column("article", sa.Text()),
        sa.Column("valid_from", sa.Date()),
        sa.Column("valid_to", sa.Date()),
        sa.CheckConstraint("route IN ('KKKPR', 'PKKPR')", name="route_rule_route_check"),
        sa.CheckConstraint(
            "applies_when IN ('all_rdtr_oss', 'otherwise')", name="route_rule_when_check"
        ),
    )
    op.create_index("route_rule_lookup", "route_rule", ["rule_set_id"])


def _drop_plans() -> None:
    op.drop_index("route_rule_lookup", table_name="route_rule")
    op.drop_table("route_rule")
    op.drop_constraint("layer_version_plan_known", "layer_version", type_="check")
    op.drop_column("layer_version", "oss_integrated")
    op.drop_column("layer_version", "plan")


def _matrix_layers() -> None:
    """ITBX rows that apply only to the zones of one zoning layer (an RDTR's own matrix)."""
    # NULL: the row applies to every zoning layer; a name: only to that layer's zones.
    op.execute("ALTER TABLE itbx_rule ADD COLUMN layer text")


def _intensity_classes() -> None:
    """Intensity rows by the parcel's area class (min/max area)."""
    op.execute(
        "ALTER TABLE intensity_rule ADD COLUMN min_area_m2 double precision, "
        "ADD COLUMN max_area_m2 double precision"
    )


def _admin_levels() -> None:
    """layer_version.levels: the admin levels a version holds (one current version per level)."""
    op.execute("ALTER TABLE layer_version ADD COLUMN levels smallint[]")
    op.execute(
        """
        UPDATE layer_version v SET levels = (
            SELECT array_agg(DISTINCT f.level ORDER BY f.level) FROM feature f
            WHERE f.version_id = v.id AND f.level IS NOT NULL)
        WHERE v.kind = 'admin'
        """
    )


def _regions() -> None:
    """Layers and rule sets belong to a region; names unique within a region."""
    op.add_column("layer", sa.Column("region_code", sa.Text(), nullable=True))
    op.execute("ALTER TABLE layer DROP CONSTRAINT IF EXISTS layer_name_key")
    # NULL (a layer loaded without any region) is its own namespace: NULLS NOT DISTINCT.
    op.execute(
        "ALTER TABLE layer ADD CONSTRAINT layer_region_name_key "
        "UNIQUE NULLS NOT DISTINCT (region_code, name)"
    )
    # A catalog of exactly one region: everything in it belonged to that region.
    for table in ("layer", "rule_set"):
        op.execute(
            f"UPDATE {table} SET region_code = (SELECT code FROM region) "
            "WHERE region_code IS NULL AND (SELECT count(*) FROM region) = 1"
        )


def _drop_regions() -> None:
    op.execute("ALTER TABLE layer DROP CONSTRAINT IF EXISTS layer_region_name_key")
    op.execute("ALTER TABLE layer DROP COLUMN IF EXISTS region_code")
    op.execute("ALTER TABLE layer ADD CONSTRAINT layer_name_key UNIQUE (name)")


def upgrade() -> None:
    _plans()
    _matrix_layers()
    _intensity_classes()
    _admin_levels()
    _regions()


def downgrade() -> None:
    # Each concern adds its reverse here, newest first.
    _drop_regions()
    op.execute("ALTER TABLE layer_version DROP COLUMN IF EXISTS levels")  # _admin_levels
    op.execute(  # _intensity_classes
        "ALTER TABLE intensity_rule DROP COLUMN IF EXISTS min_area_m2, "
        "DROP COLUMN IF EXISTS max_area_m2"
    )
    op.execute("ALTER TABLE itbx_rule DROP COLUMN IF EXISTS layer")  # _matrix_layers
    _drop_plans()
