"""Region packs: which layers a reload skips (fingerprints); loading only into an empty catalog."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from app.services.catalog import layers as catalog
from app.services.regions.packs import load_region, load_region_if_empty
from tests.fixtures import squares_utm, write

BASE = {
    "metric_crs": '"EPSG:32749"',
    "layer": '"satu"',
    "source_crs": '"EPSG:32749"',
    "fields": '{ code = "KODSZN" }',
    "licence": '"uji"',
    "title": '"Pola ruang"',
}


def _pack(root: Path, **changes: str) -> Path:
    """A pack with one zoning layer read from a two-layer GeoPackage; `changes` edit the options."""
    opts = {**BASE, **changes}
    gpkg = root / "data" / "zona.gpkg"
    if not gpkg.exists():
        write(squares_utm(2), gpkg, layer="satu")
        write(squares_utm(3), gpkg, layer="dua")
    (root / "region.toml").write_text(
        f"""
[region]
name = "Kabupaten Contoh"
code = "33.99"
metric_crs = {opts["metric_crs"]}

[[layers]]
name = "zona"
kind = "zoning"
file = "data/zona.gpkg"
layer = {opts["layer"]}
source_crs = {opts["source_crs"]}
fields = {opts["fields"]}
licence = {opts["licence"]}
title = {opts["title"]}
""",
        encoding="utf-8",
    )
    return root


def _load(engine: Engine, pack: Path) -> list[str]:
    """Load the pack; return the names of the layers written (not skipped)."""
    with engine.begin() as conn:
        return [r.name for r in load_region(conn, pack).reports]


def _current(engine: Engine) -> catalog.LayerDetailRow:
    with engine.connect() as conn:
        return catalog.get_layer(conn, "zona")


def test_nothing_changed_is_skipped(clean: Engine, tmp_path: Path) -> None:
    pack = _pack(tmp_path)
    assert _load(clean, pack) == ["zona"]
    assert _load(clean, pack) == []
    # The same options spelt differently are the same load.
    _pack(tmp_path, source_crs='"32749"', fields='{ code = "kodszn" }', metric_crs='"epsg:32749"')
    assert _load(clean, pack) == []
    assert _current(clean).version == 1


@pytest.mark.parametrize(
    "change, expect",
    [
        ({"source_crs": '"EPSG:32748"'}, {"source_crs": "EPSG:32748"}),
        ({"layer": '"dua"'}, {"source_layer": "dua", "feature_count": 3}),
        ({"metric_crs": '"EPSG:32649"'}, {"metric_crs": "EPSG:32649"}),
        ({"fields": '{ code = "KODZON" }'}, {}),
        ({"licence": '"CC0"'}, {"licence": "CC0"}),
        ({"title": '"Rencana pola ruang"'}, {"title": "Rencana pola ruang"}),
    ],
    ids=["source_crs", "layer", "metric_crs", "field_map", "licence", "title"],
)
def test_a_changed_option_reloads_the_layer(
    clean: Engine, tmp_path: Path, change: dict[str, str], expect: dict[str, object]
) -> None:
    pack = _pack(tmp_path)
    assert _load(clean, pack) == ["zona"]
    _pack(tmp_path, **change)  # the file itself stays byte for byte the same
    assert _load(clean, pack) == ["zona"]
    layer = _current(clean)
    assert layer.version == 2
    assert {k: getattr(layer, k) for k in expect} == expect
    assert _load(clean, pack) == []


def test_a_changed_file_reloads_and_old_versions_without_fingerprint_reload(
    clean: Engine, tmp_path: Path
) -> None:
    pack = _pack(tmp_path)
    _load(clean, pack)
    write(squares_utm(4), tmp_path / "data" / "zona.gpkg", layer="satu")
    assert _load(clean, pack) == ["zona"]
    with clean.begin() as conn:  # as if loaded before migration 0003
        conn.execute(text("UPDATE layer_version SET fingerprint = NULL"))
    assert _load(clean, pack) == ["zona"]
    assert _current(clean).version == 3


def test_if_empty_never_loads_over_a_users_layers(load, clean: Engine, tmp_path: Path) -> None:
    user = load(write(squares_utm(1), tmp_path / "mine.geojson"), "zona", "zoning")
    pack = _pack(tmp_path / "pack")
    with clean.begin() as conn:
        assert load_region_if_empty(conn, pack) is None
    layer = _current(clean)
    assert (layer.version, layer.source_file, layer.feature_count) == (
        user.version,
        "mine.geojson",
        1,
    )
    with clean.begin() as conn:
        catalog.drop_layer(conn, "zona")
        result = load_region_if_empty(conn, pack)
    assert result is not None and [r.name for r in result.reports] == ["zona"]
