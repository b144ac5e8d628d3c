"""PostGIS and the layer catalog: region, layer, layer_version, feature (partitioned).

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.execute(
        """
        CREATE TABLE region (
            id serial PRIMARY KEY,
            code text NOT NULL UNIQUE,
            name text NOT NULL,
            metric_crs text NOT NULL,
            description text,
            licence text,
            pack_path text,
            manifest jsonb NOT NULL DEFAULT '{}'::jsonb,
            loaded_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute(
        """
        CREATE TABLE layer (
            id serial PRIMARY KEY,
            name text NOT NULL UNIQUE
                CONSTRAINT layer_name_format CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
            title text NOT NULL,
            kind text NOT NULL CONSTRAINT layer_kind_known
                CHECK (kind IN ('admin', 'zoning', 'overlay', 'base', 'thematic', 'parcel')),
            current_version_id integer,
            created_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute(
        """
        CREATE TABLE layer_version (
            id serial PRIMARY KEY,
            layer_id integer NOT NULL REFERENCES layer(id) ON DELETE CASCADE,
            version integer NOT NULL,
            title text NOT NULL,
            kind text NOT NULL,
            source_file text NOT NULL,
            source_layer text,
            checksum text NOT NULL,
            source_crs text NOT NULL,
            metric_crs text NOT NULL,
            geometry_type text,
            feature_count integer NOT NULL,
            minx double precision, miny double precision,
            maxx double precision, maxy double precision,
            licence text,
            field_map jsonb NOT NULL DEFAULT '{}'::jsonb,
            report jsonb NOT NULL DEFAULT '{}'::jsonb,
            loaded_at timestamptz NOT NULL DEFAULT now(),
            UNIQUE (layer_id, version)
        )
        """
    )
    op.execute(
        "ALTER TABLE layer ADD CONSTRAINT layer_current_version_fk "
        "FOREIGN KEY (current_version_id) REFERENCES layer_version(id)"
    )
    # One partition per layer version: a load COPYs into a fresh table, indexes it and
    # attaches it in the same transaction, so a failed load leaves nothing behind.
    op.execute(
        """
        CREATE TABLE feature (
            version_id integer NOT NULL,
            fid bigint NOT NULL,
            code text,
            name text,
            parent_code text,
            level smallint,
            props jsonb NOT NULL DEFAULT '{}'::jsonb,
            geom geometry(Geometry, 4326) NOT NULL,
            area_m2 double precision,
            PRIMARY KEY (version_id, fid)
        ) PARTITION BY LIST (version_id)
        """
    )
    op.execute("CREATE INDEX feature_geom_idx ON feature USING gist (geom)")
    op.execute("CREATE INDEX feature_code_idx ON feature (version_id, code)")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS feature CASCADE")
    op.execute("ALTER TABLE layer DROP CONSTRAINT IF EXISTS layer_current_version_fk")
    op.execute("DROP TABLE IF EXISTS layer_version CASCADE")
    op.execute("DROP TABLE IF EXISTS layer CASCADE")
    op.execute("DROP TABLE IF EXISTS region CASCADE")
