"""`rtrw rasters` and the [[rasters]] of a region pack: load, list, history, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from app.cli import app
from app.settings import raster_settings
from tests.raster_fixture import tiny_classes, write_geotiff

runner = CliRunner()


def rtrw(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def test_load_list_history(cli_env, clean, tmp_path: Path) -> None:
    tif, csv = tiny_classes(tmp_path)
    r = rtrw("rasters", "load", tif, "--name", "lahan", "--classes", csv, "--title", "Lahan")
    assert r.exit_code == 0, r.output
    assert "lahan v1 (categorical)" in r.output and "4 x 4 px" in r.output
    r = rtrw("rasters", "load", tif, "--name", "lahan", "--classes", csv, "--title", "Lahan")
    assert r.exit_code == 0 and "unchanged" in r.output
    r = rtrw("rasters", "load", tif, "--name", "lahan", "--classes", csv, "--force")
    assert r.exit_code == 0 and "lahan v2" in r.output
    assert rtrw("rasters", "list").exit_code == 0
    r = rtrw("rasters", "list", "--json")
    assert r.exit_code == 0 and '"name": "lahan"' in r.output and '"categorical"' in r.output
    r = rtrw("rasters", "history", "lahan", "--json")
    assert r.exit_code == 0 and '"version": 2' in r.output and '"version": 1' in r.output
    r = rtrw("rasters", "history", "lahan")
    assert r.exit_code == 0 and "v1" in r.output


def test_bad_input_exits_1_without_traceback(cli_env, clean, tmp_path: Path) -> None:
    junk = tmp_path / "junk.tif"
    junk.write_bytes(b"\x00\x01 not a tiff")
    no_crs = write_geotiff(tmp_path / "nocrs.tif", np.ones((2, 2), "uint8"), (0, 20), 10, 0, None)
    tif, _ = tiny_classes(tmp_path)
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("value,name_id,name_en\n1,Hutan,Forest\n", encoding="utf-8")
    cases = [
        (("rasters", "load", junk, "--name", "x"), "not a raster GDAL can read"),
        (("rasters", "load", no_crs, "--name", "x"), "no CRS"),
        (("rasters", "load", tif, "--name", "x", "--classes", bad_csv), "color"),
        (("rasters", "load", tif, "--name", "x", "--kind", "wavy"), "unknown raster kind"),
        (("rasters", "history", "nope"), "no raster named 'nope'"),
    ]
    for args, message in cases:
        r = rtrw(*args)
        assert r.exit_code == 1, (args, r.output)
        assert message in r.output and "Traceback" not in r.output, r.output
    assert not any(p.is_file() for p in raster_settings().dir.rglob("*"))
    r = rtrw("rasters", "load", no_crs, "--name", "x", "--source-crs", "EPSG:32749")
    assert r.exit_code == 0, r.output


def test_region_pack_rasters(cli_env, clean, tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    tiny_classes(pack / "data")
    (pack / "region.toml").write_text(
        """
[region]
name = "Kabupaten Uji"
code = "99.01"
metric_crs = "EPSG:32749"

[[rasters]]
name = "lahan"
file = "data/tiny.tif"
classes = "data/classes.csv"
title = "Tutupan lahan"
source = "uji"
""",
        encoding="utf-8",
    )
    r = rtrw("region", "check", pack)
    assert r.exit_code == 0 and "1 rasters OK" in r.output, r.output
    r = rtrw("region", "load", pack)
    assert r.exit_code == 0 and "lahan v1 (categorical)" in r.output, r.output
    r = rtrw("region", "load", pack)
    assert r.exit_code == 0 and "lahan v1 unchanged" in r.output, r.output
    r = rtrw("rasters", "list", "--json")
    assert '"region": "99.01"' in r.output and '"source": "uji"' in r.output
    (pack / "region.toml").write_text(
        (pack / "region.toml").read_text() + 'kind = "continuous"\n', encoding="utf-8"
    )
    r = rtrw("region", "check", pack)
    assert r.exit_code == 1 and "classes are for categorical rasters" in r.output
