"""feature.geom_web and feature.clearance: what vector tiles need, computed once at load.

Every tile re-projected each of its features (up to the tile cap) from EPSG:4326; on a
1,000,000-polygon layer that was a fifth of a tile's cost. A stored generated column does it
once, when the row is written: the loader's COPY fills it, and this migration fills it for
the versions already loaded. Latitudes beyond Web Mercator's +-85.0511 deg are cut off first
(the projection has no value at the poles), which never touches a regency's features.

`clearance` is the minimum clearance (shapely/GEOS) of a small polygon, in metres of
EPSG:3857 as geom_web holds it: how far its vertices may move before it can turn invalid. A
tile snaps each vertex by at most half a unit each way (0.71 unit), so a polygon whose
clearance is over twice that at the tile's scale stays valid when snapped, and the tile query
passes it on without ST_AsMVTGeom's validation (over half of the cost of a tile of small
polygons). The loader fills it; versions loaded before stay NULL and take ST_AsMVTGeom.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# Kept in step with app.models.catalog.GEOM_WEB_SQL (the model's Computed expression).
GEOM_WEB_SQL = (
    "ST_Transform(CASE WHEN ST_YMax(geom) > 85.0511 OR ST_YMin(geom) < -85.0511 "
    "THEN ST_ClipByBox2D(geom, ST_MakeEnvelope(-180, -85.0511, 180, 85.0511, 4326)) "
    "ELSE geom END, 3857)"
)


def upgrade() -> None:
    op.execute(
        "ALTER TABLE feature ADD COLUMN geom_web geometry(Geometry, 3857) "
        f"GENERATED ALWAYS AS ({GEOM_WEB_SQL}) STORED"
    )
    op.execute("ALTER TABLE feature ADD COLUMN clearance double precision")


def downgrade() -> None:
    op.execute("ALTER TABLE feature DROP COLUMN clearance")
    op.execute("ALTER TABLE feature DROP COLUMN geom_web")
