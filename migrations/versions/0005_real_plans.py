"""Real plans: zoning plans and their precedence, matrix rows per plan layer, intensity by
parcel area class, and regions kept apart.

Each concern is one function below (filled in by the change that needs it), run in order.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _plans() -> None:
    """layer_version.plan (rtrw/rdtr) and oss_integrated: which plan governs where."""


def _matrix_layers() -> None:
    """ITBX rows that apply only to the zones of one zoning layer (an RDTR's own matrix)."""


def _intensity_classes() -> None:
    """Intensity rows by the parcel's area class (min/max area)."""


def _regions() -> None:
    """Layers and rule sets belong to a region; names unique within a region."""


def upgrade() -> None:
    _plans()
    _matrix_layers()
    _intensity_classes()
    _regions()


def downgrade() -> None:
    # Each concern adds its reverse here, newest first.
    pass
