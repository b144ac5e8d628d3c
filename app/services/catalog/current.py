"""What is current: the SQL that names the current layer versions and the region's metric CRS.

Every place that needs "the current X" composes these fragments, so the definition lives once.
"""

# The region's metric CRS: the most recently loaded region pack's.
METRIC_CRS_SQL = "SELECT metric_crs FROM region ORDER BY loaded_at DESC LIMIT 1"

# The admin levels a pack's [admin] table may name a layer for (manifest key -> level).
ADMIN_LEVEL_KEYS = {"kabupaten": 2, "kecamatan": 3, "desa": 4}

# One admin version is current per level (2 kabupaten, 3 kecamatan, 4 desa): among the current
# versions of the admin layers that hold features of that level (layer_version.levels), the
# layer the most recently loaded region pack names in its [admin] table, else the newest
# version. Columns: level, version_id, layer (name).
CURRENT_ADMIN_SQL = """
    SELECT DISTINCT ON (lv.level) lv.level, v.id AS version_id, l.name AS layer
    FROM layer l
    JOIN layer_version v ON v.id = l.current_version_id
    CROSS JOIN LATERAL unnest(v.levels) AS lv(level)
    LEFT JOIN LATERAL (
        SELECT manifest -> 'admin' AS named FROM region ORDER BY loaded_at DESC LIMIT 1
    ) r ON true
    WHERE l.kind = 'admin'
    ORDER BY lv.level,
        (l.name = r.named ->> (CASE lv.level WHEN 2 THEN 'kabupaten' WHEN 3 THEN 'kecamatan'
                                             WHEN 4 THEN 'desa' END)) DESC NULLS LAST,
        v.id DESC
"""

# Current versions of the layers a zoning check reads (name, kind, title, version, version id,
# zoning plan, OSS-integrated, admin levels): every zoning and overlay layer, and for admin
# only the version current for each level (with the levels it is current for).
CHECKED_KINDS = ("zoning", "overlay", "admin")
CURRENT_CHECKED_LAYERS_SQL = f"""
    SELECT l.name, l.kind, v.title, v.version, v.id, v.plan, v.oss_integrated,
           NULL::smallint[] AS admin_levels
    FROM layer l JOIN layer_version v ON v.id = l.current_version_id
    WHERE l.kind IN ('zoning', 'overlay')
    UNION ALL
    SELECT l.name, l.kind, v.title, v.version, v.id, v.plan, v.oss_integrated, a.levels
    FROM (SELECT version_id, array_agg(level ORDER BY level) AS levels
          FROM ({CURRENT_ADMIN_SQL}) c GROUP BY version_id) a
    JOIN layer_version v ON v.id = a.version_id
    JOIN layer l ON l.id = v.layer_id
"""
