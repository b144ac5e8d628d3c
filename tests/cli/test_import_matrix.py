"""`rtrw rules import-matrix`: report, exit codes, then `rules check` and `rules load` take it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import app
from tests.matrix_fixture import write_legend, write_matrix
from tests.services.test_matrix import MANIFEST
from tests.zoning_fixture import write_rules

runner = CliRunner()


def rtrw(*args: object):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A pack (fixture rules + manifest), the matrix workbook and its legend."""
    pack = tmp_path / "pack"
    write_rules(pack / "rules")
    (pack / "region.toml").write_text(MANIFEST, encoding="utf-8")
    return pack, write_matrix(tmp_path / "lampiran.xlsx"), write_legend(tmp_path / "legenda.csv")


def test_import_matrix_reports_and_loads(cli_env, clean, files) -> None:
    pack, matrix, legend = files
    r = rtrw(
        "rules", "import-matrix", pack, matrix, "--legend", legend,
        "--source", "perda-baru", "--valid-from", "2025-01-01",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    for expected in (
        "sheet 'Lampiran II', header row 7, KBLI column B, title column C",
        "sub-zone columns (3): D R-2 (Perumahan Kepadatan Tinggi), E K-1",
        "F PTP=P-1 (Tanaman Pangan)",
        "rows imported: 5 KBLI codes; rows skipped: 8 (header 3, heading 2, numbering 1, title 2)",
        "skipped row 8 (numbering): 1 2 3 4 5 6",
        "skipped row 12 (heading): 47 PERDAGANGAN ECERAN",
        "blank cells: 2",
        "cells per letter: I 4, T 2, B 2, TB 2, X 3",
        "itbx.csv 13 rows for every zoning layer (replaced 0; 8 earlier rows kept, closed), "
        "activities.csv +2",
    ):
        assert expected in r.output, expected
    assert rtrw("rules", "check", pack).exit_code == 0
    loaded = rtrw("rules", "load", pack)
    assert loaded.exit_code == 0, loaded.output

    r = rtrw("rules", "import-matrix", pack, matrix, "--legend", legend, "--plan-layer", "zona")
    assert r.exit_code == 0 and "13 rows for layer zona (replaced 0)" in r.output, r.output
    assert rtrw("rules", "load", pack).exit_code == 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--sheet", "Matriks"], "its sheets: Lampiran II, Keterangan"),
        (["--plan-layer", "nope"], "its zoning layers: zona, rdtr"),
        (["--valid-from", "2025-13-01"], "is not a date"),
        (["--source", "perda-x"], "nothing was written"),
    ],
)
def test_import_matrix_errors_exit_non_zero(files, extra: list[str], message: str) -> None:
    pack, matrix, legend = files
    before = (pack / "rules" / "itbx.csv").read_bytes()
    r = rtrw("rules", "import-matrix", pack, matrix, "--legend", legend, *extra)
    assert r.exit_code == 1 and message in r.output, r.output
    assert (pack / "rules" / "itbx.csv").read_bytes() == before


def test_import_matrix_needs_a_legend(files) -> None:
    pack, matrix, _ = files
    r = rtrw("rules", "import-matrix", pack, matrix)
    assert r.exit_code == 2 and "--legend" in r.output
