"""`rtrw projects import`: the report, every bad row on refusal, --skip-bad's rejects file."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import text
from typer.testing import CliRunner

from app.cli import app
from tests.conftest import NO_PROJECTS, delete_projects

runner = CliRunner()

FILE = (
    "DAFTAR PAKET APBD 2025\n"
    "\n"
    "Kode RUP;Nama Pekerjaan;Nilai Pagu;Lokasi;Kecamatan;Titik Koordinat\n"
    "R1;Jalan Silurah;Rp 1.250.000.000;Ds. Silurah;Wonotunggal;\n"
    "R2;Talud;sepuluh;Silurah;;\n"
    "R3;Jembatan;Rp 10.000.000;;;109.7615, -7.0955\n"
    "R4;Gapura;Rp 5.000.000;Desa Antah;;\n"
)


def test_import_refuses_then_skips_bad(cli_env: str, demo_with, tmp_path: Path) -> None:
    demo = demo_with("no projects", delete_projects, NO_PROJECTS)
    with demo.begin() as conn:  # the audit event checked below is the only one
        conn.exec_driver_sql("DELETE FROM audit_event")
    path = tmp_path / "apbd.csv"
    path.write_text(FILE, encoding="utf-8")

    r = runner.invoke(app, ["projects", "import", str(path), "--year", "2025"])
    assert r.exit_code == 1
    assert "line 5: money 'sepuluh' is not a number" in r.output
    assert "nothing was imported" in r.output

    rejects = tmp_path / "rejects.csv"
    r = runner.invoke(
        app, ["projects", "import", str(path), "--year", "2025", "--skip-bad", str(rejects)]
    )
    assert r.exit_code == 0, r.output
    for expected in (
        "apbd.csv, year 2025: header row 3",
        "rows read 4: inserted 3, updated 0, unchanged 0, rejected 1",
        "placed 2 (coordinates 1, text 1), unplaced 1",
        "coordinates given lon first (swapped to lat/lon): 1",
        "unplaced line 7 (R4): weak match: best",
    ):
        assert expected in r.output, expected
    with rejects.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows == [
        {
            "line": "5",
            "reason": "money 'sepuluh' is not a number",
            "reason_id": "nilai uang 'sepuluh' bukan angka",
            "Kode RUP": "R2",
            "Nama Pekerjaan": "Talud",
            "Nilai Pagu": "sepuluh",
            "Lokasi": "Silurah",
        }
    ]
    with demo.connect() as conn:
        event = conn.execute(
            text(
                "SELECT via, target, counts ->> 'inserted' FROM audit_event "
                "WHERE action = 'projects.import'"
            )
        ).one()
    assert tuple(event) == ("cli", "apbd.csv", "3")

    r = runner.invoke(
        app, ["projects", "import", str(path), "--year", "2025", "--map", "pagu=Anggaran"]
    )
    assert r.exit_code == 1 and "no column 'Anggaran'" in r.output
