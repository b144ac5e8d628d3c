"""Importing a published ITBX matrix (xlsx, merged headers, KBLI rows) into a pack's tables.

Expected letters and texts come from tests/matrix_fixture.py (written by hand), never from the
importer.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from shapely.geometry import Point, mapping
from sqlalchemy import Engine

from app.errors import RulesError
from app.services import rules, zoning
from app.services.rules.book import RuleBook
from app.services.rules.matrix import import_matrix, kbli_code, parse_cell
from tests.conftest import shared_file
from tests.fixtures import X0, Y0
from tests.matrix_fixture import EXPECTED, t, write_legend, write_matrix
from tests.zoning_fixture import write_rules

NOW = date(2026, 1, 1)
MANIFEST = """[region]
name = "Kabupaten Uji"
code = "33.25"
metric_crs = "EPSG:32749"

[[layers]]
name = "zona"
kind = "zoning"
file = "data/zona.gpkg"

[[layers]]
name = "rdtr"
kind = "zoning"
file = "data/rdtr.gpkg"

[[layers]]
name = "desa"
kind = "admin"
file = "data/desa.gpkg"
"""
# A point inside each fixture zone (x in metres from X0; P-1's east half is outside LP2B).
POINTS = {"R-2": 50, "K-1": 150, "P-1": 275}


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    """A pack folder: the fixture rule tables and a manifest with zoning layers zona, rdtr."""
    folder = tmp_path / "pack"
    write_rules(folder / "rules")
    (folder / "region.toml").write_text(MANIFEST, encoding="utf-8")
    return folder


@pytest.fixture
def legend(tmp_path: Path) -> Path:
    return write_legend(tmp_path / "legenda.csv")


@pytest.fixture
def matrix(tmp_path: Path) -> Path:
    return write_matrix(tmp_path / "lampiran.xlsx")


def itbx_csv(pack: Path) -> list[dict[str, str]]:
    with (pack / "rules" / "itbx.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def snapshot(pack: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((pack / "rules").iterdir())}


def matrix_rows(tables: rules.RuleTables, layer: str | None = None) -> dict:
    """Return {kbli: {zone: (letter, conditions, conditions_en)}} of the rows of one scope."""
    kbli_of = {r["activity_id"]: r["kbli"] for r in tables.rows["activity_kbli"]}
    out: dict[str, dict] = {}
    for r in tables.rows["itbx_rule"]:
        if r["layer"] == layer and r["valid_to"] is None:  # rows in force, not the history
            key = kbli_of[r["activity_id"]]
            out.setdefault(key, {})[r["zone_code"]] = (
                r["itbx"],
                r["conditions"],
                r["conditions_en"],
            )
    return out


@pytest.mark.parametrize(
    ("raw", "letter", "codes"),
    [
        ("I", "I", []),
        ("x", "X", []),
        ("T1", "T", ["T1"]),
        ("B1,B3", "B", ["B1", "B3"]),
        ("T1,T3,B1,B3", "TB", ["T1", "T3", "B1", "B3"]),
        ("B1.B2", "B", ["B1", "B2"]),
        ("b2; t1", "TB", ["T1", "B2"]),
        ("T1 B1", "TB", ["T1", "B1"]),
    ],
)
def test_parse_cell(raw: str, letter: str, codes: list[str]) -> None:
    cell = parse_cell(raw)
    assert cell is not None and (cell.letter, cell.codes) == (letter, codes)


@pytest.mark.parametrize("raw", ["Z", "I,X", "X,T1", "I1", "boleh"])
def test_parse_cell_refuses(raw: str) -> None:
    assert parse_cell(raw) is None


def test_kbli_code_by_content() -> None:
    assert kbli_code("01111") == "01111" and kbli_code(" 47111 ") == "47111"
    assert kbli_code(1111) == "01111" and kbli_code(1111.0) == "01111"
    assert kbli_code(68111) == "68111"
    assert kbli_code("1111") == "01111"
    for not_code in ("01", "0111", 12, 3, True, None, "A", "T1", 100000):
        assert kbli_code(not_code) is None


def test_import_finds_layout_and_writes_matrix(pack: Path, matrix: Path, legend: Path) -> None:
    report = import_matrix(pack, matrix, legend, source="perda-baru", valid_from=date(2025, 1, 1))
    m = report.matrix
    assert (m.sheet, m.header_row, m.kbli_column, m.title_column) == ("Lampiran II", 7, "B", "C")
    assert [(c, label, code) for c, label, code, _ in m.zones] == [
        ("D", "R-2", "R-2"),
        ("E", "K-1", "K-1"),
        ("F", "PTP", "P-1"),
    ]
    assert [(row, why) for row, why, _ in m.skipped] == [
        (1, "title"),
        (2, "title"),
        (4, "header"),
        (5, "header"),
        (6, "header"),
        (8, "numbering"),
        (9, "heading"),
        (12, "heading"),
    ]
    assert [r.kbli for r in m.rows] == ["01111", "01112", "47111", "68111", "10631"]
    assert m.blank_cells == 2
    assert dict(report.letters) == {"I": 4, "X": 3, "T": 2, "B": 2, "TB": 2}
    # the 8 open fixture rows are kept as history, closed; the one ended in 2023 stays as is
    assert (report.itbx_rows, report.replaced, report.closed) == (13, 0, 8)
    assert report.activities_added == 2

    tables = rules.read_rules(pack)  # what `rtrw rules check` reads
    assert matrix_rows(tables) == EXPECTED
    acts = {r["id"]: r for r in tables.rows["activity"]}
    assert acts["kbli_01111"]["name"].lower() == "pertanian jagung"
    assert acts["kbli_01112"]["name"].lower() == "pertanian gandum"
    kbli = {r["kbli"]: r["activity_id"] for r in tables.rows["activity_kbli"]}
    assert kbli["68111"] == "rumah" and kbli["47111"] == "minimarket"  # kept on its activity
    rows = [r for r in itbx_csv(pack) if not r["valid_to"]]
    assert {(r["source"], r["valid_from"], r["layer"]) for r in rows} == {
        ("perda-baru", "2025-01-01", "")
    }
    assert len(rows) == 13


def test_import_a_csv_in_the_published_layout(pack: Path, legend: Path, tmp_path: Path) -> None:
    path = tmp_path / "lampiran.csv"
    path.write_text(
        "LAMPIRAN MATRIKS ITBX,,,\n"
        ",,,\n"
        "No,KBLI,Judul,R-2,K-1,PTP\n"
        "1,2,3,4,5,6\n"
        '1,1111,Pertanian Jagung,X,"T1,B1,B3",I\n'
        "2,01112,Pertanian Gandum,B1.B2,,I\n",
        encoding="utf-8",
    )
    report = import_matrix(pack, path, legend)
    assert (report.matrix.header_row, report.matrix.kbli_column) == (3, "B")
    got = matrix_rows(rules.read_rules(pack))
    assert got == {k: EXPECTED[k] for k in ("01111", "01112")}


def test_rule_book_prefers_the_zone_layers_row() -> None:
    book = RuleBook(id=1, version=1, zones={}, aliases={}, activities={}, kbli={}, sources={})
    common = {"valid_from": None, "valid_to": None}
    book.itbx[("a", "R-2")] = [
        {"itbx": "X", "layer": "rdtr", **common},
        {"itbx": "I", "layer": None, **common},
        {"itbx": "T", "layer": "zona", **common},
    ]
    assert book.itbx_for("a", "R-2", NOW, "zona")["itbx"] == "T"  # type: ignore[index]
    assert book.itbx_for("a", "R-2", NOW, "rdtr")["itbx"] == "X"  # type: ignore[index]
    assert book.itbx_for("a", "R-2", NOW, "other")["itbx"] == "I"  # type: ignore[index]
    assert book.itbx_for("a", "R-2", NOW)["itbx"] == "I"  # type: ignore[index]


def test_plan_layer_scopes_and_replaces_only_its_rows(
    pack: Path, matrix: Path, legend: Path, tmp_path: Path
) -> None:
    import_matrix(pack, matrix, legend)
    rdtr = write_matrix(tmp_path / "rdtr.xlsx", rows=[("47111", "Minimarket", "X", "", "")])
    import_matrix(pack, rdtr, legend, plan_layer="zona")
    tables = rules.read_rules(pack)
    assert matrix_rows(tables, "zona") == {"47111": {"R-2": ("X", None, None)}}
    assert matrix_rows(tables) == EXPECTED  # the layer-less matrix is untouched

    again = write_matrix(tmp_path / "rdtr2.xlsx", rows=[("47111", "Minimarket", "I", "X", "")])
    report = import_matrix(pack, again, legend, plan_layer="zona")
    assert report.replaced == 1
    import_matrix(pack, rdtr, legend, plan_layer="rdtr")
    tables = rules.read_rules(pack)
    assert matrix_rows(tables, "zona") == {
        "47111": {"R-2": ("I", None, None), "K-1": ("X", None, None)}
    }
    assert matrix_rows(tables, "rdtr") == {"47111": {"R-2": ("X", None, None)}}
    assert matrix_rows(tables) == EXPECTED

    # Importing the region-wide matrix again replaces only the layer-less rows.
    report = import_matrix(pack, matrix, legend)
    assert report.replaced == 13
    assert len(rules.read_rules(pack).rows["itbx_rule"]) == 13 + 2 + 1


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("unknown_zone", "unknown sub-zone column(s) in header row 7: 'R-9' (column E)"),
        ("no_kbli", "no KBLI column"),
        ("legend", "does not define 1 condition code(s) the matrix uses: B3 (first in E10)"),
        ("plan_layer", "--plan-layer 'desa' is not a zoning layer"),
        ("sheet", "has no sheet 'Matriks'; its sheets: Lampiran II, Keterangan"),
        ("only_text_sheet", "no KBLI column in sheet(s) Keterangan"),
        ("bad_cell", "1 cell(s) are not ITBX values (I, X, T1, B2, T1,B1, ...): D10 'Z1'"),
        ("source", "unknown source 'perda-x'"),
    ],
)
def test_errors_write_nothing(
    pack: Path, matrix: Path, legend: Path, tmp_path: Path, case: str, message: str
) -> None:
    before = snapshot(pack)
    kw: dict = {}
    if case == "unknown_zone":
        matrix = write_matrix(tmp_path / "m.xlsx", codes=("R-2", "R-9", "PTP"))
    elif case == "no_kbli":
        matrix = write_matrix(tmp_path / "m.xlsx", kbli_column=False)
    elif case == "legend":
        legend = write_legend(tmp_path / "l.csv", drop=("B3",))
    elif case == "plan_layer":
        kw["plan_layer"] = "desa"
    elif case == "sheet":
        kw["sheet"] = "Matriks"
    elif case == "only_text_sheet":
        kw["sheet"] = "Keterangan"
    elif case == "bad_cell":
        matrix = write_matrix(tmp_path / "m.xlsx", rows=[("01111", "Jagung", "Z1", "I", "I")])
    elif case == "source":
        kw["source"] = "perda-x"
    with pytest.raises(RulesError) as err:
        import_matrix(pack, matrix, legend, **kw)
    assert message in err.value.message
    assert snapshot(pack) == before
    if case == "plan_layer":
        assert "zona, rdtr" in err.value.message


@pytest.mark.real_data
def test_real_wide_matrix_without_kbli_is_refused(pack: Path, legend: Path) -> None:
    path = shared_file("samples", "itbx_kota_yogyakarta.csv")
    before = snapshot(pack)
    with pytest.raises(RulesError, match="no KBLI column"):
        import_matrix(pack, path, legend)
    assert snapshot(pack) == before


def check_point(engine: Engine, x: float, kbli: str) -> dict:
    with engine.connect() as conn:
        answer = zoning.check(
            conn, mapping(Point(X0 + x, Y0 + 50)), "EPSG:32749", as_of=NOW, kbli=kbli
        ).to_json()
    [zone] = answer["zones"]
    return zone


def test_loaded_matrix_answers_point_checks(
    planning_area: Engine, pack: Path, matrix: Path, legend: Path
) -> None:
    import_matrix(pack, matrix, legend)
    with planning_area.begin() as conn:
        rules.load_rules(conn, pack)
    for kbli, zones in EXPECTED.items():
        for zone, x in POINTS.items():
            got = check_point(planning_area, x, kbli)
            assert got["zone_code"] == zone
            letter, text, text_en = zones.get(zone, ("not_listed", None, None))
            assert (got["itbx"], got["conditions"], got["conditions_en"]) == (
                letter,
                text,
                text_en,
            ), (kbli, zone)


def test_plan_layer_rows_win_in_their_layer_only(
    planning_area: Engine, pack: Path, matrix: Path, legend: Path, tmp_path: Path
) -> None:
    import_matrix(pack, matrix, legend)
    own = write_matrix(tmp_path / "rdtr.xlsx", rows=[("47111", "Minimarket", "B2", "", "")])
    import_matrix(pack, own, legend, plan_layer="rdtr")  # another layer: no effect on zona
    with planning_area.begin() as conn:
        rules.load_rules(conn, pack)
    assert check_point(planning_area, 50, "47111")["itbx"] == "T"
    import_matrix(pack, own, legend, plan_layer="zona")
    with planning_area.begin() as conn:
        rules.load_rules(conn, pack)
    r2 = check_point(planning_area, 50, "47111")
    assert (r2["itbx"], r2["conditions"]) == ("B", "B2: Bersyarat memiliki persetujuan lingkungan")
    assert check_point(planning_area, 150, "47111")["itbx"] == "I"  # layer-less row still used


def test_valid_from_keeps_the_earlier_matrix_as_history(
    planning_area: Engine, pack: Path, matrix: Path, legend: Path
) -> None:
    # The fixture's rumah (68111) rows start 2024-01-01 and are open; the matrix starts 2025.
    report = import_matrix(pack, matrix, legend, source="perda-baru", valid_from=date(2025, 1, 1))
    assert report.replaced == 0 and report.closed > 0
    rows = [r for r in itbx_csv(pack) if r["activity"] == "rumah" and r["valid_from"] < "2025"]
    assert {(r["zone"], r["valid_to"]) for r in rows} == {
        ("R-2", "2024-12-31"),
        ("K-1", "2024-12-31"),
        ("P-1", "2024-12-31"),
    }
    with planning_area.begin() as conn:
        rules.load_rules(conn, pack)

    def k1(as_of: date) -> dict:
        with planning_area.connect() as conn:
            answer = zoning.check(
                conn, mapping(Point(X0 + 150, Y0 + 50)), "EPSG:32749", as_of=as_of, kbli="68111"
            ).to_json()
        [zone] = answer["zones"]
        return zone

    before, after = k1(date(2024, 6, 1)), k1(date(2025, 6, 1))
    assert (before["itbx"], before["conditions"]) == ("T", "maksimum 50% luas persil")
    assert (after["itbx"], after["conditions"]) == ("T", t("T2"))

    # importing again from the same date replaces the matrix rows, keeps the history
    again = import_matrix(pack, matrix, legend, source="perda-baru", valid_from=date(2025, 1, 1))
    assert again.closed == 0 and again.replaced == report.itbx_rows
