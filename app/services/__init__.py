"""Domain logic: loading, catalog queries, admin lookups. No FastAPI imports here."""
