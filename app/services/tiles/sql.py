"""The SQL of the tiles: which layer version a request names, its largest feature, one tile.

The statements are fully parameterised; the feature table is the partitioned `feature`,
pruned to one version by `version_id = :vid` (planned with the value, so one partition).
"""

from app.services.catalog.layers import LAYER
from app.services.catalog.named import region_or_all

# The version a tile request names: the layer by name (and region, when given) and its current
# version, or version :v. A LEFT JOIN so an unknown version still finds the layer (404 either
# way, with a different message). One row per region using the name.
SOURCE_SQL = f"""
    SELECT l.name, l.region_code, l.kind, v.id AS version_id, v.version, v.checksum,
           v.loaded_at, v.plan, v.title, v.licence, v.geometry_type, v.feature_count,
           v.minx, v.miny, v.maxx, v.maxy,
           (SELECT array_agg(x.version ORDER BY x.version) FROM layer_version x
            WHERE x.layer_id = l.id) AS versions
    FROM layer l
    LEFT JOIN layer_version v ON v.layer_id = l.id AND {LAYER.version_or_current(":v")}
    WHERE l.name = :n AND {region_or_all()}
    ORDER BY l.region_code
"""

# The largest feature of version :vid: the greater of its bbox width and height, in degrees
# (Box2D reads the box stored in each geometry's header). Below the zoom at which this is a
# pixel every tile of the version is empty, which spares scanning a low-zoom tile's many
# candidates only to drop them all (a 1M-polygon layer has ~500,000 in one z10 tile).
LARGEST_SQL = """
    SELECT max(greatest(ST_XMax(b) - ST_XMin(b), ST_YMax(b) - ST_YMin(b)))
    FROM (SELECT Box2D(geom) AS b FROM feature WHERE version_id = :vid) s
"""

# One Mapbox Vector Tile of version :vid at :z/:x/:y (Web Mercator, EPSG:3857).
# - `&&` against the tile (plus its buffer) in EPSG:4326 uses the partition's GiST index on
#   geom; the tile envelope is a lon/lat rectangle, so transforming its corners is exact.
# - Features whose bbox is under :px degrees both wide and high (less than a pixel anywhere
#   in the tile, from Python) are left out before anything else: they could not be seen.
#   An area of at least :px_area m2 (a generous bound on such a box's area) proves a
#   feature big enough without reading its box.
# - At most :cap features, largest first (then fid), so a capped tile is deterministic and
#   shows what matters at that zoom. `kept` sorts the bare rows; the geometry work below
#   runs on the rows kept only.
# - The geometry drawn is geom_web, the feature already in EPSG:3857 (migration 0011): no
#   tile re-projects anything.
# - Each geometry is cut to the buffered tile *before* it is simplified, so a large polygon
#   seen at z16 costs the few vertices inside the tile, not all of its own. A geometry of
#   at most 256 bytes (about a dozen vertices: ST_MemSize reads the header) has nothing to
#   gain from either and goes straight on, which saves a fifth of a tile of 10,000 small
#   polygons; ST_AsMVTGeom clips and snaps it all the same.
# - ST_Simplify with :tol (:simplify_px tile units, in metres of EPSG:3857, from Python)
#   drops vertices a screen cannot show; small polygons may collapse and are left out.
# - ST_AsMVTGeom clips to the buffered tile, snaps to the :extent grid and fixes validity.
#   A small polygon inside the buffered tile (its bbox within `inner`, the cut box shrunk by
#   more than the float error of PostGIS's bbox test; built once in `b`, as every constant
#   geometry here: per row it cost a third of the tile) whose clearance (migration 0011) is at
#   least :clear metres, over two snaps' worth at this zoom, needs no clipping and cannot turn
#   invalid when snapped: it takes the same affine map and snap as ST_AsMVTGeom, and the MVT
#   winding (counter-clockwise in y-down tile units, as ST_AsMVTGeom gives), without the
#   validation, which costs more than the rest of the tile per feature. :clear NULL turns this
#   off (RTRW_TILES_SNAP_PROVEN).
# Attributes are the ones styling and popups need; NULLs are left out of the tile by ST_AsMVT,
# which also skips rows whose geometry collapsed to NULL. (A `WHERE geom IS NOT NULL` here
# would be pushed into `rows` and run ST_AsMVTGeom twice a feature.)
TILE_SQL = """
    WITH b AS (
        SELECT ST_TileEnvelope(:z, :x, :y) AS tile,
               ST_TileEnvelope(:z, :x, :y, margin => :margin) AS cut,
               ST_MakeEnvelope(:ix0, :iy0, :ix1, :iy1, 3857) AS inner,
               ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS box
    ), kept AS (
        SELECT f.geom_web AS geom, f.clearance, f.code, f.name, f.level
        FROM feature f, b
        WHERE f.version_id = :vid AND f.geom && b.box
          AND (CAST(:px AS float8) = 0 OR f.area_m2 >= :px_area
               OR ST_XMax(Box2D(f.geom)) - ST_XMin(Box2D(f.geom)) >= :px
               OR ST_YMax(Box2D(f.geom)) - ST_YMin(Box2D(f.geom)) >= :px)
        ORDER BY f.area_m2 DESC NULLS LAST, f.fid
        LIMIT :cap
    ), rows AS (
        SELECT CASE
                 WHEN k.clearance >= CAST(:clear AS float8)
                  AND k.geom @ b.inner
                 THEN ST_ForcePolygonCCW(
                          ST_SnapToGrid(ST_Affine(k.geom, :fx, 0, 0, :fy, :xoff, :yoff), 1))
                 ELSE ST_AsMVTGeom(
                          CASE WHEN ST_MemSize(k.geom) <= 256 THEN k.geom
                               ELSE ST_Simplify(ST_ClipByBox2D(k.geom, b.cut), :tol, false) END,
                          b.tile, :extent, :buffer, true)
               END AS geom,
               CASE WHEN :with_code THEN k.code END AS code,
               CASE WHEN :with_name THEN k.name END AS name,
               CASE WHEN :with_level THEN k.level END AS level,
               CAST(:plan AS text) AS plan,
               CAST(:kind AS text) AS kind
        FROM kept k, b
    )
    SELECT ST_AsMVT(rows.*, :layer, :extent, 'geom') FROM rows
"""
