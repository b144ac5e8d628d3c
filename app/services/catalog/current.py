"""What is current: the SQL that names the current layer versions and the region's metric CRS.

Every place that needs "the current X" composes these fragments, so the definition lives once.
"""

# The region's metric CRS: the most recently loaded region pack's.
METRIC_CRS_SQL = "SELECT metric_crs FROM region ORDER BY loaded_at DESC LIMIT 1"

# Current versions of the layers a zoning check reads (name, kind, title, version, version id,
# zoning plan, OSS-integrated).
CHECKED_KINDS = ("zoning", "overlay", "admin")
CURRENT_CHECKED_LAYERS_SQL = """
    SELECT l.name, l.kind, v.title, v.version, v.id, v.plan, v.oss_integrated
    FROM layer l JOIN layer_version v ON v.id = l.current_version_id
    WHERE l.kind IN ('zoning', 'overlay', 'admin')
"""
