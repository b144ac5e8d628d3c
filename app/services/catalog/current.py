"""What is current: the SQL that names the current layer versions, rule set and metric CRS.

Every place that needs "the current X" composes these fragments, so the definition lives once;
they are built from the shared pieces of catalog/named.py (`LAYER.current()`, `region_is`).
"""

from app.services.catalog.layers import LAYER
from app.services.catalog.named import region_is

# The metric CRS of the most recently loaded region pack (loads without a region use it).
METRIC_CRS_SQL = "SELECT metric_crs FROM region ORDER BY loaded_at DESC LIMIT 1"

# The admin levels a pack's [admin] table may name a layer for (manifest key -> level).
ADMIN_LEVEL_KEYS = {"kabupaten": 2, "kecamatan": 3, "desa": 4}

# One admin version is current per region and level (2 kabupaten, 3 kecamatan, 4 desa): among
# the current versions of the region's admin layers that hold features of that level
# (layer_version.levels), the layer the region's pack names in its [admin] table, else the
# newest version. Layers loaded without a region (NULL) form one more region, judged by the most
# recently loaded pack's [admin] table. Columns: level, version_id, layer (name), region_code.
CURRENT_ADMIN_SQL = f"""
    SELECT DISTINCT ON (l.region_code, lv.level) lv.level, v.id AS version_id, l.name AS layer,
           l.region_code
    FROM {LAYER.current()}
    CROSS JOIN LATERAL unnest(v.levels) AS lv(level)
    LEFT JOIN LATERAL (
        SELECT manifest -> 'admin' AS named FROM region
        WHERE code = l.region_code OR l.region_code IS NULL
        ORDER BY loaded_at DESC LIMIT 1
    ) r ON true
    WHERE l.kind = 'admin'
    ORDER BY l.region_code, lv.level,
        (l.name = r.named ->> (CASE lv.level WHEN 2 THEN 'kabupaten' WHEN 3 THEN 'kecamatan'
                                             WHEN 4 THEN 'desa' END)) DESC NULLS LAST,
        v.id DESC
"""

# The metric CRS of the region :region, else (no such region, or NULL) the most recently
# loaded region pack's.
REGION_METRIC_CRS_SQL = (
    "SELECT metric_crs FROM region "
    "ORDER BY (code = CAST(:region AS text)) DESC NULLS LAST, loaded_at DESC LIMIT 1"
)

# Current versions of the layers of region :region a zoning check reads (name, kind, title,
# version, version id, zoning plan, OSS-integrated, admin levels, English title): every zoning
# and overlay layer, and for admin only the version current for each level (with the levels it
# is current for).
CURRENT_CHECKED_LAYERS_SQL = f"""
    SELECT l.name, l.kind, v.title, v.version, v.id, v.plan, v.oss_integrated,
           NULL::smallint[] AS admin_levels, v.title_en
    FROM {LAYER.current()}
    WHERE l.kind IN ('zoning', 'overlay') AND {region_is()}
    UNION ALL
    SELECT l.name, l.kind, v.title, v.version, v.id, v.plan, v.oss_integrated, a.levels,
           v.title_en
    FROM (SELECT version_id, array_agg(level ORDER BY level) AS levels
          FROM ({CURRENT_ADMIN_SQL}) c
          WHERE {region_is("c.region_code")}
          GROUP BY version_id) a
    JOIN layer_version v ON v.id = a.version_id
    JOIN layer l ON l.id = v.layer_id
"""

# Which region holds each geometry (:wkbs, EPSG:4326 WKB, numbered from 1): per geometry, the
# current admin and zoning versions it meets, with their layer's region and the share of the
# geometry inside them (its area; 1 for a point). One GiST probe per geometry and version.
# How many regions are loaded, the only one's code, and whether any current admin or zoning
# layer has no region (then even a single region needs the geometric look-up).
SINGLE_REGION_SQL = """
    SELECT (SELECT count(*) FROM region) AS regions,
           (SELECT min(code) FROM region) AS code,
           EXISTS (SELECT 1 FROM layer WHERE region_code IS NULL AND kind IN ('admin', 'zoning')
                   AND current_version_id IS NOT NULL) AS unowned
"""

REGIONS_OF_SQL = """
    WITH g AS (
        SELECT t.i, ST_GeomFromWKB(t.w, 4326) AS g
        FROM unnest(CAST(:wkbs AS bytea[])) WITH ORDINALITY AS t(w, i)
    )
    SELECT g.i, l.region_code, l.kind, f.version_id,
           sum(CASE WHEN ST_Dimension(g.g) < 2 THEN 1
                    WHEN ST_Within(g.g, f.geom) THEN ST_Area(g.g)
                    ELSE ST_Area(ST_Intersection(f.geom, g.g)) END) AS share
    FROM g
    JOIN feature f ON ST_Intersects(f.geom, g.g)
     AND f.version_id = ANY(ARRAY(SELECT current_version_id FROM layer
                                  WHERE kind IN ('admin', 'zoning')
                                    AND current_version_id IS NOT NULL))
    JOIN layer l ON l.current_version_id = f.version_id
    GROUP BY g.i, l.region_code, l.kind, f.version_id
"""

# The top admin level loaded per region (the smallest level number: kabupaten 2, else
# kecamatan 3, else desa 4) and its current version: the region's boundary is the union of
# that version's features of that level. Columns: region_code, level, version_id.
TOP_ADMIN_SQL = f"""
    SELECT DISTINCT ON (region_code) region_code, level, version_id
    FROM ({CURRENT_ADMIN_SQL}) a ORDER BY region_code, level
"""

# The features that make up region :region's boundary (its top admin level's current areas):
# version_id, fid, geom (EPSG:4326), geom_m (metric, may be NULL). No rows: the region has no
# admin areas loaded, so its edge is unknown.
REGION_BOUNDARY_SQL = f"""
    SELECT f.version_id, f.fid, f.geom, f.geom_m
    FROM ({TOP_ADMIN_SQL}) top
    JOIN feature f ON f.version_id = top.version_id AND f.level = top.level
    WHERE {region_is("top.region_code")}
"""

# The newest rule set is the current one; the check, the rule book and the CLI all ask this.
CURRENT_RULE_SET_ID_SQL = "SELECT id FROM rule_set ORDER BY version DESC LIMIT 1"

# The current rule set of region :region: its newest, else the newest loaded without a region.
REGION_RULE_SET_ID_SQL = (
    f"SELECT id FROM rule_set WHERE {region_is('region_code')} "
    "OR region_code IS NULL ORDER BY (region_code IS NULL), version DESC LIMIT 1"
)
