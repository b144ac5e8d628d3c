"""The real Batang desa boundaries from ../shared/data (skipped when absent)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from app.errors import SourceFileError
from app.services.catalog import layers as catalog
from tests.conftest import shared_file


@pytest.mark.real_data
def test_real_batang_desa_codes_and_areas(load, clean) -> None:
    path = shared_file("batang", "batas_desa_batang.geojson")
    report = load(
        path, "desa", "admin", field_map={"code": "kode", "name": "nama"}, metric_crs="EPSG:32749"
    )
    assert report.written == 248 and not report.rejected
    source = json.loads(path.read_text())
    expected = {f["properties"]["kode"]: f["properties"]["luas_ha"] for f in source["features"]}
    with clean.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT code, area_m2, parent_code, level FROM feature f JOIN layer l "
                "ON l.current_version_id = f.version_id WHERE l.name = 'desa'"
            )
        ).all()
    assert {r.code for r in rows} == set(expected)
    for r in rows:
        assert r.area_m2 / 10_000 == pytest.approx(expected[r.code], rel=0.01), r.code
        assert r.parent_code == r.code.rsplit(".", 1)[0] and r.level == 4


@pytest.mark.real_data
def test_truncated_batang_file_fails_and_keeps_248(load, clean, tmp_path: Path) -> None:
    path = shared_file("batang", "batas_desa_batang.geojson")
    load(path, "desa", "admin", field_map={"code": "kode", "name": "nama"})
    data = path.read_bytes()
    cut = tmp_path / "batas_desa_batang.geojson"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    with pytest.raises(SourceFileError):
        load(cut, "desa", "admin", field_map={"code": "kode", "name": "nama"})
    with clean.connect() as conn:
        layer = catalog.get_layer(conn, "desa")
    assert (layer.version, layer.feature_count) == (1, 248)
