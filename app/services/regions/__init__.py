"""Region packs loaded whole: above the catalog, rules, rasters, projects and PPID they fill."""
