"""The layer catalog: ingest, region.toml manifests, layers and their versions, admin areas."""
