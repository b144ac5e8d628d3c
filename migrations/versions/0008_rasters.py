"""Thematic rasters: raster, raster_version (one stored Cloud-Optimized GeoTIFF each), raster_event.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE raster (
            id serial PRIMARY KEY,
            name text NOT NULL
                CONSTRAINT raster_name_format CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
            region_code text,
            title text NOT NULL,
            kind text NOT NULL
                CONSTRAINT raster_kind_known CHECK (kind IN ('continuous', 'categorical')),
            current_version_id integer,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT raster_region_name_key UNIQUE NULLS NOT DISTINCT (region_code, name)
        )
        """
    )
    # The file of a version is `path` under RTRW_RASTERS_DIR; rows and files are written by
    # app/services/rasters/ingest.py so that a failed load leaves neither behind.
    op.execute(
        """
        CREATE TABLE raster_version (
            id serial PRIMARY KEY,
            raster_id integer NOT NULL REFERENCES raster(id) ON DELETE CASCADE,
            version integer NOT NULL,
            title text NOT NULL,
            kind text NOT NULL
                CONSTRAINT raster_version_kind_known CHECK (kind IN ('continuous', 'categorical')),
            path text NOT NULL,
            checksum text NOT NULL,
            source_file text NOT NULL,
            source_checksum text NOT NULL,
            fingerprint text NOT NULL,
            crs text NOT NULL,
            width integer NOT NULL,
            height integer NOT NULL,
            res_x double precision NOT NULL,
            res_y double precision NOT NULL,
            bands smallint NOT NULL,
            dtype text NOT NULL,
            nodata double precision,
            footprint geometry(Polygon, 4326) NOT NULL,
            stats jsonb NOT NULL DEFAULT '{}'::jsonb,
            classes jsonb NOT NULL DEFAULT '[]'::jsonb,
            unit text,
            colormap text,
            source text,
            licence text,
            report jsonb NOT NULL DEFAULT '{}'::jsonb,
            loaded_at timestamptz NOT NULL DEFAULT now(),
            UNIQUE (raster_id, version)
        )
        """
    )
    op.execute("CREATE INDEX raster_version_footprint_idx ON raster_version USING gist (footprint)")
    op.execute(
        "ALTER TABLE raster ADD CONSTRAINT raster_current_version_fk "
        "FOREIGN KEY (current_version_id) REFERENCES raster_version(id)"
    )
    op.execute(
        """
        CREATE TABLE raster_event (
            id serial PRIMARY KEY,
            raster_id integer NOT NULL REFERENCES raster(id) ON DELETE CASCADE,
            action text NOT NULL
                CONSTRAINT raster_event_action_known CHECK (action IN ('load', 'rollback')),
            from_version integer,
            to_version integer NOT NULL,
            actor text,
            note text,
            happened_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute("CREATE INDEX raster_event_raster_idx ON raster_event (raster_id, id)")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS raster_event")
    op.execute("ALTER TABLE IF EXISTS raster DROP CONSTRAINT IF EXISTS raster_current_version_fk")
    op.execute("DROP TABLE IF EXISTS raster_version")
    op.execute("DROP TABLE IF EXISTS raster")
