"""The layer catalog: ingest files, region packs, layers and their versions, admin areas."""
