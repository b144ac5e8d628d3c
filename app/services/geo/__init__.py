"""Geography helpers: CRS, geometry, Kemendagri codes."""
