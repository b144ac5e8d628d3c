"""Thematic rasters: COG ingest (ingest, classes), the catalog, point/zonal queries, PNG tiles."""
