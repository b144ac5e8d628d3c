"""Synthetic demo region packs (Kabupaten Batang demo data generator)."""
