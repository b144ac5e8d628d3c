"""Vector tiles: Web Mercator grid checks, the one tile SQL, the shared cache, TileJSON."""
