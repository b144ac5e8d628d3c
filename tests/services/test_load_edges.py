"""The loader's guards at the region's edge: features outside the boundary, unknown zone codes,
--strict (all or nothing). Expected numbers are the hand arithmetic of tests/edges_fixture.py."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import mapping as shapely_mapping
from sqlalchemy import Engine, text

from app.errors import LoadError
from app.services.catalog.ingest import LoadReport
from app.services.regions.packs import check_pack, load_region
from app.settings import loader_settings
from tests.edges_fixture import REGION, REGION_NAME, write_pack, write_zoning

BOUNDARY = "kabupaten v1"  # the pack's only admin layer: its kabupaten draws the boundary


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return write_zoning(tmp_path / "zoning")


@pytest.fixture
def region(clean: Engine, tmp_path: Path) -> Engine:
    """The kabupaten square and the test rules, loaded as region 33.25."""
    with clean.begin() as conn:
        load_region(conn, write_pack(tmp_path))
    return clean


def warning(report: LoadReport, code: str) -> dict:
    [found] = [w for w in report.warnings if w["code"] == code]
    return found


def codes(report: LoadReport) -> list[str]:
    return [w["code"] for w in report.warnings]


def snapshot(engine: Engine) -> dict:
    """Return what a load could change: layers, versions, rule sets, regions, partitions."""
    with engine.connect() as conn:
        return {
            "layers": conn.execute(
                text("SELECT name, current_version_id FROM layer ORDER BY name")
            ).all(),
            "versions": conn.execute(text("SELECT id FROM layer_version ORDER BY id")).all(),
            "features": conn.execute(text("SELECT count(*) FROM feature")).scalar(),
            "rule_sets": conn.execute(text("SELECT id FROM rule_set ORDER BY id")).all(),
            "regions": conn.execute(text("SELECT code, name FROM region")).all(),
            "tables": conn.execute(
                text("SELECT relname FROM pg_class WHERE relname LIKE 'feature_v%' ORDER BY 1")
            ).all(),
        }


def test_a_layer_inside_its_region_loads_without_warnings(region, load, files) -> None:
    report = load(files["inside"], "zona", "zoning", region=REGION)
    assert report.warnings == []  # all inside, R-2 K-1 and the alias PTP are known
    edge = report.edge
    assert edge is not None and edge["measured"] is True
    assert (edge["features"], edge["outside"], edge["partly"]) == (3, 0, 0)
    assert edge["area_m2"] == pytest.approx(3_000_000, abs=0.01)
    assert edge["outside_m2"] == 0 and edge["outside_share"] == 0
    assert edge["boundary"] == BOUNDARY
    assert (
        edge["message"] == f"all 3 features lie inside the boundary of {REGION_NAME} ({BOUNDARY})"
    )


def test_a_layer_shifted_north_warns_with_count_and_share(region, load, files) -> None:
    report = load(files["shifted"], "zona", "zoning", region=REGION)
    assert report.written == 3 and report.rejected == []
    found = warning(report, "outside_region")
    assert found["count"] == 3 and found["share"] == 1.0
    assert found["message"].startswith(
        f"3 of 3 features (100 % of the area) lie outside the boundary of {REGION_NAME}"
    )
    assert found["message_id"].startswith(
        f"3 dari 3 fitur (100 % dari luasnya) berada di luar batas {REGION_NAME}"
    )
    assert report.edge is not None and report.edge["outside"] == 3
    assert codes(report) == ["outside_region"]  # the codes are known


def test_a_check_in_the_shifted_layer_answers_outside(region, load, files) -> None:
    """The issue's case: the layer loads (with its warning) and a check there is `outside`,
    never the letter of the shifted zone; the same zone inside the region answers as usual."""
    import geopandas as gpd

    from app.services import zoning

    load(files["shifted"], "zona", "zoning", region=REGION)
    shifted = gpd.read_file(files["shifted"]).to_crs(4326)
    centre = shifted.geometry.iloc[0].representative_point()  # R-2, moved into the sea
    with region.connect() as conn:
        a = zoning.check_point(conn, centre.x, centre.y, kbli="68111").to_json()
    assert a["verdict"] == "outside" and a["verdict_shares"] == {"outside": 1.0}
    assert a["zones"] == [] and a["admin"] == []
    notes = {w["code"]: w for w in a["warnings"]}
    assert set(notes) == {"zoning_outside", "outside"}
    assert "R-2" in notes["zoning_outside"]["en"] and "zona" in notes["zoning_outside"]["en"]
    assert REGION_NAME in notes["outside"]["en"] and REGION_NAME in notes["outside"]["id"]
    # a parcel over it: wholly outside too
    square = shifted.geometry.iloc[0]
    with region.connect() as conn:
        b = zoning.check(conn, shapely_mapping(square), "EPSG:4326", kbli="68111").to_json()
    assert b["verdict"] == "outside" and b["outside_share"] == 1.0 and b["zones"] == []


def test_half_outside_counts_whole_and_partial_features_and_unknown_codes(
    region, load, files
) -> None:
    report = load(files["half"], "zona", "zoning", region=REGION)
    edge = report.edge
    assert edge is not None
    # C shares the boundary's edge but none of its interior: wholly outside. B half.
    assert (edge["features"], edge["outside"], edge["partly"]) == (5, 1, 1)
    assert edge["area_m2"] == pytest.approx(5_000_000, abs=0.01)
    assert edge["outside_m2"] == pytest.approx(1_500_000, abs=0.01)
    assert edge["outside_share"] == 0.3
    found = warning(report, "outside_region")
    assert found["message"].startswith("1 of 5 features (30 % of the area) lie outside")
    assert "; 1 more lies partly outside" in found["message"]
    assert "(30 % dari luasnya)" in found["message_id"]
    unknown = warning(report, "unknown_zone_code")
    assert unknown["codes"] == [{"code": "ZZZ-9", "features": 2}]
    assert unknown["message"].startswith("zone code 'ZZZ-9' (2 features) is not in the rule tables")
    assert unknown["message_id"].startswith("Kode zona 'ZZZ-9' (2 fitur) tidak ada")


def test_a_small_share_outside_is_stated_not_warned_until_the_setting_says(
    region, load, files, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = load(files["sliver"], "zona", "zoning", region=REGION)
    edge = report.edge
    assert edge is not None and (edge["outside"], edge["partly"]) == (0, 1)
    assert edge["outside_m2"] == pytest.approx(5_000, abs=0.01)
    assert edge["outside_share"] == 0.0025
    assert "0.25 % of the area" in edge["message"] and "0,25 % dari luasnya" in edge["message_id"]
    assert report.warnings == []
    strict = load(files["sliver"], "zona", "zoning", region=REGION, strict=True)
    assert strict.version == 2  # within the 1 % allowed: strict loads it
    monkeypatch.setenv("RTRW_LOADER_MAX_OUTSIDE_SHARE", "0.001")
    loader_settings.cache_clear()
    try:
        tighter = load(files["sliver"], "zona", "zoning", region=REGION)
        assert warning(tighter, "outside_region")["share"] == 0.0025
    finally:
        monkeypatch.delenv("RTRW_LOADER_MAX_OUTSIDE_SHARE")
        loader_settings.cache_clear()


def test_strict_fails_and_writes_nothing(region: Engine, load, files) -> None:
    load(files["inside"], "zona", "zoning", region=REGION)
    before = snapshot(region)
    with pytest.raises(LoadError, match=r"--strict.*3 of 3 features \(100 % of the area\)"):
        load(files["shifted"], "zona", "zoning", region=REGION, strict=True)
    assert snapshot(region) == before
    # An unknown zone code alone fails a strict load too, and the message names it.
    with pytest.raises(LoadError, match="zone code 'ZZZ-9'") as caught:
        load(files["half"], "baru", "zoning", region=REGION, strict=True)
    assert "1 of 5 features" in caught.value.message and "--strict" in caught.value.message_id
    assert snapshot(region) == before


def test_overlays_are_measured_base_layers_are_not(region, load, files) -> None:
    overlay = load(files["shifted"], "lp2b", "overlay", region=REGION, field_map={"code": "KODSZN"})
    assert warning(overlay, "outside_region")["count"] == 3
    assert "unknown_zone_code" not in codes(overlay)  # overlay classes are not zone codes
    base = load(files["shifted"], "jalan", "base", region=REGION)
    assert base.edge is None and base.warnings == []


def test_a_layer_without_a_region_is_not_measured(clean, load, files) -> None:
    report = load(files["shifted"], "zona", "zoning")
    assert report.edge is None
    assert codes(report) == ["no_rule_set"]


def test_no_admin_areas_edge_unknown_no_error(clean: Engine, load, files, tmp_path: Path) -> None:
    with clean.begin() as conn:
        load_region(conn, write_pack(tmp_path, admin=False))
    report = load(files["shifted"], "zona", "zoning", region=REGION, strict=True)
    assert report.version == 1
    assert report.edge is not None and report.edge["measured"] is False
    assert "edge unknown" in report.edge["message"]
    assert "Batas wilayah tidak diketahui" in report.edge["message_id"]
    assert codes(report) == ["edge_unknown"]


def test_no_rule_set_is_said_once(clean: Engine, load, files, tmp_path: Path) -> None:
    with clean.begin() as conn:
        load_region(conn, write_pack(tmp_path, rules=False))
    report = load(files["half"], "zona", "zoning", region=REGION)
    assert codes(report) == ["outside_region", "no_rule_set"]
    assert "ZZZ-9" not in str(report.warnings)


def test_the_report_is_stored_and_served(region, load, files, client) -> None:
    report = load(files["half"], "zona", "zoning", region=REGION)
    body = client.get("/layers/zona").json()
    assert body["report"]["warnings"] == report.warnings
    assert body["report"]["edge"]["outside_share"] == 0.3


def zoning_first(root: Path, source: Path, **kw: bool) -> Path:
    """Return a pack whose first [[layers]] entry is `source` as zoning layer `zona`."""
    entry = f'\n[[layers]]\nname = "zona"\nkind = "zoning"\nfile = "data/zona{source.suffix}"\n'
    pack = write_pack(root, layers=entry, **kw)
    (pack / "data" / f"zona{source.suffix}").write_bytes(source.read_bytes())
    return pack


def test_a_pack_is_measured_against_its_own_boundary_and_rules(
    clean: Engine, tmp_path: Path, files
) -> None:
    # The zoning layer comes before the kabupaten in the manifest, and the rules after every
    # layer: the guards still see both, as the pack leaves them.
    pack = zoning_first(tmp_path, files["half"])
    with clean.begin() as conn:
        result = load_region(conn, pack)
    [zona] = [r for r in result.reports if r.name == "zona"]
    assert zona.edge is not None and zona.edge["boundary"] == "kabupaten v1"
    assert zona.edge["outside_share"] == 0.3
    assert warning(zona, "unknown_zone_code")["codes"] == [{"code": "ZZZ-9", "features": 2}]
    [kab] = [r for r in result.reports if r.name == "kabupaten"]
    assert kab.edge is None


def test_a_strict_pack_load_writes_nothing(clean: Engine, tmp_path: Path, files) -> None:
    pack = zoning_first(tmp_path, files["shifted"])
    before = snapshot(clean)
    # pytest.raises outside the transaction, so that the error reaches it and rolls it back
    with pytest.raises(LoadError, match="layer 'zona'.*3 of 3 features"), clean.begin() as conn:
        load_region(conn, pack, strict=True)
    assert snapshot(clean) == before
    assert before["layers"] == [] and before["regions"] == []


def test_check_pack_lists_unknown_codes_of_the_zoning_files(tmp_path: Path, files) -> None:
    pack = zoning_first(tmp_path, files["half"])
    manifest, warnings = check_pack(pack)
    assert manifest.region.code == REGION
    [found] = warnings
    assert found["layer"] == "zona" and found["codes"] == [{"code": "ZZZ-9", "features": 2}]
    assert found["message"].startswith("layer 'zona': zone code 'ZZZ-9' (2 features)")
    # Without [rules]: said once, no code listed.
    bare = zoning_first(tmp_path / "bare", files["half"], rules=False)
    _, warnings = check_pack(bare)
    assert [w["code"] for w in warnings] == ["no_rule_set"]


@pytest.mark.slow
def test_real_demo_pack_pola_ruang_lies_within_batang(clean: Engine, demo_pack: Path) -> None:
    """The demo's zoning against the real (simplified) Batang boundary, checked with shapely."""
    with clean.begin() as conn:
        result = load_region(conn, demo_pack, strict=True)
    reports = {r.name: r for r in result.reports}
    pola = reports["pola_ruang"]
    assert codes(pola) == []  # within the allowed share, and every code is in the rules
    zones = gpd.read_file(demo_pack / "data" / "pola_ruang.gpkg").to_crs(32749).geometry.values
    land = gpd.read_file(demo_pack / "data" / "kabupaten.geojson").to_crs(32749).union_all()
    covered = shapely.covers(land, zones)
    outside_m2 = shapely.area(shapely.difference(zones[~covered], land)).sum()
    edge = pola.edge
    assert edge is not None and edge["boundary"] == "kabupaten v1"
    assert edge["features"] == len(zones) and edge["outside"] == 0
    assert edge["partly"] == int((~covered).sum())
    assert edge["outside_m2"] == pytest.approx(outside_m2, rel=1e-3, abs=1.0)
    for name in ("lp2b", "rawan_bencana"):
        assert reports[name].edge is not None and reports[name].edge["outside"] == 0
