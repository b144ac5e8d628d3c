"""The `rtrw` CLI: exit codes, messages and reports, on the test database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import app
from tests.conftest import shared_file
from tests.fixtures import squares_utm, write

runner = CliRunner()


def rtrw(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def test_layers_load_prints_report_and_history(cli_env, clean, tmp_path: Path) -> None:
    path = write(squares_utm(3), tmp_path / "zona.zip")
    r = rtrw("layers", "load", path, "--name", "zona", "--kind", "zoning", "--title", "Zona")
    assert r.exit_code == 0, r.output
    assert "read 3, written 3, repaired 0, rejected 0" in r.output
    assert rtrw("layers", "load", path, "--name", "zona", "--kind", "zoning").exit_code == 0
    hist = rtrw("layers", "history", "zona", "--json")
    assert hist.exit_code == 0 and '"version": 2' in hist.output and '"version": 1' in hist.output


def test_bad_loads_exit_non_zero_with_message(cli_env, clean, tmp_path: Path) -> None:
    path = write(squares_utm(1), tmp_path / "zona.geojson")
    r = rtrw("layers", "load", path, "--name", "zona", "--kind", "nope")
    assert r.exit_code == 1 and "unknown kind" in r.output
    r = rtrw("layers", "load", path, "--name", "zona", "--kind", "admin")
    assert r.exit_code == 1 and "--map" in r.output
    r = rtrw("layers", "load", path, "--name", "zona", "--kind", "zoning", "--map", "code")
    assert r.exit_code == 2 and "TARGET=SOURCE" in r.output
    r = rtrw("layers", "load", tmp_path / "missing.gpkg", "--name", "zona", "--kind", "zoning")
    assert r.exit_code == 1 and "not found" in r.output
    r = rtrw("layers", "history", "zona")
    assert r.exit_code == 1 and "no layer named 'zona'" in r.output


@pytest.mark.real_data
def test_real_batang_desa_via_cli_with_map(cli_env, clean, tmp_path: Path) -> None:
    path = shared_file("batang", "batas_desa_batang.geojson")
    r = rtrw(
        "layers",
        "load",
        path,
        "--name",
        "desa",
        "--kind",
        "admin",
        "--map",
        "code=kode",
        "--map",
        "name=nama",
    )
    assert r.exit_code == 0, r.output
    assert "written 248" in r.output
    cut = tmp_path / "batas_desa_batang.geojson"
    cut.write_bytes(path.read_bytes()[:300_000])
    r = rtrw(
        "layers",
        "load",
        cut,
        "--name",
        "desa",
        "--kind",
        "admin",
        "--map",
        "code=kode",
        "--map",
        "name=nama",
    )
    assert r.exit_code == 1 and "cannot read batas_desa_batang.geojson" in r.output
    listing = rtrw("layers", "list", "--json")
    assert '"feature_count": 248' in listing.output and '"version": 1' in listing.output


def _pack(tmp_path: Path, broken: bool = False) -> Path:
    pack = tmp_path / "contoh"
    (pack / "data").mkdir(parents=True)
    write(squares_utm(3), pack / "data" / "zona.gpkg")
    good = write(squares_utm(2).to_crs(4326), pack / "data" / "lain.geojson")
    if broken:
        good.write_text('{"type": "FeatureCollection", "features": [')
    (pack / "region.toml").write_text(
        """
[region]
name = "Kabupaten Contoh"
code = "33.99"
metric_crs = "EPSG:32749"
licence = "uji"

[[layers]]
name = "zona"
title = "Pola ruang"
kind = "zoning"
file = "data/zona.gpkg"

[[layers]]
name = "lain"
kind = "overlay"
file = "data/lain.geojson"
fields = { code = "KODZON" }
""",
        encoding="utf-8",
    )
    return pack


def test_region_pack_loads_all_layers(cli_env, clean, tmp_path: Path) -> None:
    pack = _pack(tmp_path)
    r = rtrw("region", "load", pack)
    assert r.exit_code == 0, r.output
    assert "2 layers loaded" in r.output
    listing = rtrw("layers", "list", "--json").output
    assert '"name": "lain"' in listing and '"name": "zona"' in listing
    assert '"licence": "uji"' in listing


def test_region_pack_is_all_or_nothing(cli_env, clean, tmp_path: Path) -> None:
    pack = _pack(tmp_path, broken=True)
    r = rtrw("region", "load", pack)
    assert r.exit_code == 1 and "layer 'lain'" in r.output
    assert rtrw("layers", "list", "--json").output.strip() == "[]"


@pytest.mark.parametrize(
    "manifest, fragment",
    [
        ("[region]\nname='x'\ncode='33.25'\n", "metric_crs"),
        ("[region]\nname='x'\ncode='33.25'\nmetric_crs='EPSG:4326'\n", "geographic"),
        ("[region]\nname='x'\ncode='x'\nmetric_crs='EPSG:32749'\n", "code"),
        ("[region\n", "not valid TOML"),
        (
            "[region]\nname='x'\ncode='33.25'\nmetric_crs='EPSG:32749'\n[[layers]]\nname='a'\n"
            "kind='zonasi'\nfile='a.gpkg'\n",
            "unknown kind",
        ),
    ],
)
def test_region_check_rejects_bad_manifests(tmp_path: Path, manifest: str, fragment: str) -> None:
    (tmp_path / "region.toml").write_text(manifest)
    r = rtrw("region", "check", tmp_path)
    assert r.exit_code == 1 and fragment in r.output, r.output


def test_region_reload_skips_unchanged_layers(cli_env, clean, tmp_path: Path) -> None:
    pack = _pack(tmp_path)
    assert rtrw("region", "load", pack).exit_code == 0
    again = rtrw("region", "load", pack)
    assert again.exit_code == 0 and "0 layers loaded" in again.output
    write(squares_utm(4), pack / "data" / "zona.gpkg")
    changed = rtrw("region", "load", pack)
    assert "1 layers loaded" in changed.output and "zona v2" in changed.output
    forced = rtrw("region", "load", pack, "--force")
    assert "2 layers loaded" in forced.output


def test_rules_load_and_check_file(cli_env, clean, load, tmp_path: Path) -> None:
    from tests.zoning_fixture import RULES, utm_box, write_layers, write_rules

    files = write_layers(tmp_path / "data")
    load(files["zona"], "zona", "zoning")
    load(files["desa"], "desa", "admin")
    bad = write_rules(tmp_path / "bad", **{"itbx.csv": RULES["itbx.csv"] + "rumah,R-2,Q,,,,,,\n"})
    r = rtrw("rules", "load", bad)
    assert r.exit_code == 1 and "ITBX letter 'Q'" in r.output and "nothing was loaded" in r.output
    r = rtrw("rules", "load", write_rules(tmp_path / "rules"))
    assert r.exit_code == 0 and "rules v1" in r.output
    src = tmp_path / "parcels.csv"
    src.write_text(
        "id,wkt,kbli\n"
        f'a,"{utm_box(50, 150).wkt}",68111\n'
        f'b,"{utm_box(250, 350).wkt}",10631\n'
        f'c,"{utm_box(0, 10).wkt}",1\n'
    )
    dst = tmp_path / "hasil.csv"
    r = rtrw("zoning", "check-file", src, dst, "--crs", "EPSG:32749", "--as-of", "2026-01-01")
    assert r.exit_code == 0 and "3 parcels checked, 1 with errors" in r.output
    import csv

    rows = {row["id"]: row for row in csv.DictReader(dst.open())}
    assert rows["a"]["verdict"] == "mixed" and rows["a"]["desa_code"] == "33.25.11.2001"
    assert rows["b"]["verdict_shares"] == "B:0.5;no_plan:0.5"  # shares to 4 decimals
    assert rows["c"]["error"] == "unknown_activity"
    r = rtrw("zoning", "check-file", src, tmp_path / "hasil.xlsx")
    assert r.exit_code == 2 and ".csv, .geojson or .json" in r.output


@pytest.mark.slow
def test_demo_region_pack_with_rules(cli_env, clean, demo_pack: Path) -> None:
    r = rtrw("region", "load", demo_pack)
    assert r.exit_code == 0, r.output
    assert "8 layers loaded" in r.output and "rules v1" in r.output
    again = rtrw("region", "load", demo_pack)
    assert "0 layers loaded" in again.output and "rules v" not in again.output


def test_rollback_makes_an_earlier_version_current_and_is_audited(
    cli_env, clean, client, tmp_path: Path
) -> None:
    for n in (2, 3, 4):
        path = write(squares_utm(n), tmp_path / f"zona{n}.gpkg")
        assert rtrw("layers", "load", path, "--name", "zona", "--kind", "zoning").exit_code == 0
    r = rtrw("layers", "rollback", "zona", "--to", "1", "--note", "v3 salah kode", "--by", "budi")
    assert r.exit_code == 0, r.output
    assert "zona: v3 -> v1 is now current" in r.output
    layer = client.get("/layers/zona").json()
    assert (layer["version"], layer["feature_count"]) == (1, 2)
    assert client.get("/layers/zona/features").json()["numberReturned"] == 2

    versions = {v["version"]: v for v in client.get("/layers/zona/versions").json()}
    assert [v for v, body in versions.items() if body["current"]] == [1]
    rollback = versions[1]["events"][-1]
    assert {k: rollback[k] for k in ("action", "from_version", "to_version", "actor", "note")} == {
        "action": "rollback",
        "from_version": 3,
        "to_version": 1,
        "actor": "budi",
        "note": "v3 salah kode",
    }
    assert rollback["happened_at"]
    assert [(e["action"], e["from_version"]) for e in versions[3]["events"]] == [("load", 2)]

    history = rtrw("layers", "history", "zona")
    assert history.exit_code == 0
    assert "rollback" in history.output and "budi" in history.output
    assert (
        rtrw("layers", "rollback", "zona", "--to", "1").output.strip().endswith("nothing changed")
    )
    assert rtrw("layers", "rollback", "zona", "--to", "3").exit_code == 0  # and forward again
    assert client.get("/layers/zona").json()["version"] == 3


def test_rollback_of_unknown_layer_or_version_fails(cli_env, clean, tmp_path: Path) -> None:
    r = rtrw("layers", "rollback", "nope", "--to", "1")
    assert r.exit_code == 1 and "no layer named 'nope'" in r.output
    path = write(squares_utm(1), tmp_path / "zona.gpkg")
    assert rtrw("layers", "load", path, "--name", "zona", "--kind", "zoning").exit_code == 0
    r = rtrw("layers", "rollback", "zona", "--to", "7")
    assert r.exit_code == 1 and "has no version 7; its versions are: 1" in r.output
    assert rtrw("layers", "rollback", "zona").exit_code == 2  # --to is required


@pytest.mark.slow
def test_region_load_if_empty_and_demo_setup_keep_a_users_desa(
    cli_env, clean, demo_pack: Path, tmp_path: Path
) -> None:
    from tests.zoning_fixture import write_layers

    desa = write_layers(tmp_path / "mine")["desa"]
    assert rtrw("layers", "load", desa, "--name", "desa", "--kind", "admin").exit_code == 0
    r = rtrw("region", "load", demo_pack, "--if-empty")
    assert r.exit_code == 0 and "the catalog is not empty, nothing loaded" in r.output
    r = rtrw("demo", "setup", "--pack", demo_pack)
    assert r.exit_code == 0, r.output
    assert "the demo pack was not loaded" in r.output
    listing = json.loads(rtrw("layers", "list", "--json").output)
    assert [(x["name"], x["version"], x["source_file"]) for x in listing] == [
        ("desa", 1, desa.name)
    ]

    assert rtrw("layers", "drop", "desa", "--yes").exit_code == 0
    r = rtrw("demo", "setup", "--pack", demo_pack)
    assert r.exit_code == 0 and "demo pack loaded" in r.output and "rules v1" in r.output
    assert len(json.loads(rtrw("layers", "list", "--json").output)) == 8
    again = rtrw("demo", "setup", "--pack", demo_pack)
    assert "the demo pack was not loaded" in again.output


def test_demo_database_is_its_own_unless_configured(
    cli_env, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.settings import database_settings

    assert rtrw("demo", "url").output.strip() == cli_env
    monkeypatch.delenv("RTRW_DATABASE_URL")
    monkeypatch.chdir(Path(__file__).parent)  # no .env here
    database_settings.cache_clear()
    assert rtrw("demo", "url").output.strip().endswith("/rtrw_demo")


def test_db_check_compares_models_and_migrations(cli_env) -> None:
    r = rtrw("db", "check")
    assert r.exit_code == 0 and "models match the migrations" in r.output, r.output


def test_region_option_when_several_regions_are_loaded(cli_env, clean, tmp_path: Path) -> None:
    """With two regions loaded a layer or rule load must name its region with --region."""
    from sqlalchemy import text

    from tests.zoning_fixture import write_rules

    with clean.begin() as conn:
        for code, name in (("33.25", "Kabupaten Batang"), ("33.75", "Kota Pekalongan")):
            conn.execute(
                text("INSERT INTO region (code, name, metric_crs) VALUES (:c, :n, 'EPSG:32749')"),
                {"c": code, "n": name},
            )
    path = write(squares_utm(2), tmp_path / "zona.geojson")
    r = rtrw("layers", "load", path, "--name", "zona", "--kind", "zoning")
    assert r.exit_code == 1 and "several regions" in r.output and "--region" in r.output
    r = rtrw("layers", "load", path, "--name", "zona", "--kind", "zoning", "--region", "33.99")
    assert r.exit_code == 1 and "no region '33.99'" in r.output
    r = rtrw("layers", "load", path, "--name", "zona", "--kind", "zoning", "--region", "33.75")
    assert r.exit_code == 0, r.output
    rules = write_rules(tmp_path / "rules")
    assert rtrw("rules", "load", rules).exit_code == 1
    r = rtrw("rules", "load", rules, "--region", "33.25")
    assert r.exit_code == 0, r.output
    with clean.connect() as conn:
        assert conn.execute(
            text("SELECT region_code FROM layer WHERE name = 'zona'")
        ).scalar_one() == "33.75"
        assert conn.execute(text("SELECT region_code FROM rule_set")).scalar_one() == "33.25"
