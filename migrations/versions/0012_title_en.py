"""layer_version.title_en and raster_version.title_en: a layer's or raster's English title.

A region pack's [[layers]]/[[rasters]] entry (or `--title-en`) may give one beside the
Indonesian `title`; versions loaded before, or without one, keep NULL (English pages then show
the Indonesian title).

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("layer_version", sa.Column("title_en", sa.Text()))
    op.add_column("raster_version", sa.Column("title_en", sa.Text()))


def downgrade() -> None:
    op.drop_column("raster_version", "title_en")
    op.drop_column("layer_version", "title_en")
