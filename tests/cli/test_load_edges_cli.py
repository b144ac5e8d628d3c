"""`rtrw layers load` / `rtrw region load` / `rtrw region check`: the edge and zone-code
warnings, and --strict (non-zero exit, nothing written)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from app.cli import app
from tests.edges_fixture import REGION_NAME, write_pack, write_zoning

runner = CliRunner()


def rtrw(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def zoning_first(root: Path, source: Path, **kw: bool) -> Path:
    entry = f'\n[[layers]]\nname = "zona"\nkind = "zoning"\nfile = "data/zona{source.suffix}"\n'
    pack = write_pack(root, layers=entry, **kw)
    (pack / "data" / f"zona{source.suffix}").write_bytes(source.read_bytes())
    return pack


def test_layers_load_warns_and_strict_fails(cli_env, clean, tmp_path: Path) -> None:
    files = write_zoning(tmp_path / "zoning")
    r = rtrw("region", "load", write_pack(tmp_path))
    assert r.exit_code == 0, r.output
    r = rtrw("layers", "load", files["shifted"], "--name", "zona", "--kind", "zoning")
    assert r.exit_code == 0, r.output
    assert "written 3, repaired 0, rejected 0" in r.output
    assert (
        f"warning: 3 of 3 features (100 % of the area) lie outside the boundary of {REGION_NAME}"
        in r.output
    )
    r = rtrw("layers", "load", files["half"], "--name", "zona", "--kind", "zoning", "--strict")
    assert r.exit_code == 1
    assert "--strict" in r.output and "1 of 5 features (30 % of the area)" in r.output
    assert "zone code 'ZZZ-9' (2 features)" in r.output
    hist = rtrw("layers", "history", "zona", "--json")
    assert '"version": 1' in hist.output and '"version": 2' not in hist.output
    r = rtrw("layers", "load", files["sliver"], "--name", "zona", "--kind", "zoning", "--strict")
    assert r.exit_code == 0, r.output
    assert "edge: no feature lies wholly outside" in r.output and "(0.25 % of the area)" in r.output
    assert "warning" not in r.output


def test_region_load_strict_loads_nothing(cli_env, clean, tmp_path: Path) -> None:
    files = write_zoning(tmp_path / "zoning")
    pack = zoning_first(tmp_path, files["shifted"])
    r = rtrw("region", "load", pack, "--strict")
    assert r.exit_code == 1 and "layer 'zona'" in r.output and "3 of 3 features" in r.output
    assert rtrw("layers", "list", "--json").output.strip() == "[]"
    r = rtrw("region", "load", pack)
    assert r.exit_code == 0 and "warning: 3 of 3 features" in r.output, r.output


def test_region_check_lists_unknown_codes(tmp_path: Path) -> None:
    files = write_zoning(tmp_path / "zoning")
    pack = zoning_first(tmp_path, files["half"])
    r = rtrw("region", "check", pack)
    assert r.exit_code == 0, r.output
    assert "1 warning" in r.output
    assert "warning: layer 'zona': zone code 'ZZZ-9' (2 features) is not in the rule tables" in (
        r.output
    )
    bare = zoning_first(tmp_path / "bare", files["inside"], rules=False)
    r = rtrw("region", "check", bare)
    assert r.exit_code == 0 and "the pack has no [rules]" in r.output, r.output
    good = zoning_first(tmp_path / "good", files["inside"])
    r = rtrw("region", "check", good)
    assert r.exit_code == 0 and r.output.rstrip().endswith("OK"), r.output
    # Real errors still fail: rule tables that do not validate, a zoning file that is missing.
    broken = zoning_first(tmp_path / "broken", files["inside"], **{"itbx.csv": "activity\n"})
    r = rtrw("region", "check", broken)
    assert r.exit_code == 1, r.output
    (good / "data" / "zona.gpkg").unlink()
    r = rtrw("region", "check", good)
    assert r.exit_code == 1 and "zona.gpkg" in r.output, r.output
