"""The one spreadsheet reader (app/services/sheets): files, header keys, blanks, dates, numbers.

Every expected value is written by hand here (dates counted on a calendar, Excel serials from
2025-01-01 = 45658, amounts spelled out), never computed by the code under test. Files are
written in tmp_path with openpyxl or as bytes in the encoding under test.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from app.errors import SourceFileError
from app.l10n import Text
from app.services import sheets
from app.services.ppid.read import HEADERS as PPID_HEADERS
from app.services.ppid.read import read_table
from app.services.projects.fields import HEADERS as BUDGET_HEADERS
from app.services.projects.read import read_sheet
from app.services.sheets import BadValue

JULY_1 = date(2025, 7, 1)  # Excel serial 45658 + 181 days (Jan..Jun) = 45839

# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "2025-07-01", "2025/07/01", "2025.7.1", "2025-07-01 00:00:00", "2025-07-01T10:30:00+07:00",
        "2025-07-01T10:30:00Z", "01/07/2025", "1/7/2025", "1-7-2025", "01-07-2025", "01.07.2025",
        "01/07/2025 08:00",
        "1 Juli 2025", "01 JULI 2025", "1 July 2025", "1-Jul-2025", "1 Jul. 2025",
        "Selasa, 1 Juli 2025", "Tuesday, 1 July 2025", "July 1, 2025", "Jul 1 2025",
        45839, 45839.0, 45839.75, "45839", "45839.0",
        datetime(2025, 7, 1), datetime(2025, 7, 1, 14, 30), date(2025, 7, 1),
    ],
)  # fmt: skip
def test_every_date_form(raw: object) -> None:
    assert sheets.parse_date(raw) == JULY_1


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12 Januari 2025", date(2025, 1, 12)), ("3 Pebruari 2025", date(2025, 2, 3)),
        ("17 Agustus 2025", date(2025, 8, 17)), ("17 Agt 2025", date(2025, 8, 17)),
        ("17 Ags 2025", date(2025, 8, 17)), ("10 Nopember 2025", date(2025, 11, 10)),
        ("25 Desember 2025", date(2025, 12, 25)), ("2 Mei 2025", date(2025, 5, 2)),
        ("May 2, 2025", date(2025, 5, 2)), ("31 Okt 2025", date(2025, 10, 31)),
        ("12/03/2025", date(2025, 3, 12)),  # day first, as Indonesia writes it
        (45658, date(2025, 1, 1)), (61, date(1900, 3, 1)),  # after Excel's false 29 Feb 1900
        (45716, date(2025, 2, 28)), (45717, date(2025, 3, 1)),
    ],
)  # fmt: skip
def test_month_names_and_serials(raw: object, expected: date) -> None:
    assert sheets.parse_date(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "-", "N/A", float("nan")])
def test_blank_date_is_none(raw: object) -> None:
    assert sheets.parse_date(raw) is None


def test_a_date_that_does_not_exist_in_both_languages() -> None:
    with pytest.raises(BadValue) as caught:
        sheets.parse_date("31/02/2025")
    assert caught.value.en == "date '31/02/2025' is not a date"
    assert caught.value.id == "tanggal '31/02/2025' bukan tanggal yang ada"
    start = Text("tanggal mulai", "start date")
    with pytest.raises(BadValue) as caught:
        sheets.parse_date("29 Februari 2025", start)  # 2025 is no leap year
    assert caught.value.en == "start date '29 Februari 2025' is not a date"
    assert caught.value.id == "tanggal mulai '29 Februari 2025' bukan tanggal yang ada"
    assert sheets.parse_date("29 Februari 2024", start) == date(2024, 2, 29)


@pytest.mark.parametrize(
    "raw", ["kemarin", "juli", "2025/13/01", "32 Juli 2025", "1 Juluu 2025", "1/7/25", "2025", True]
)
def test_not_a_date_in_both_languages(raw: object) -> None:
    with pytest.raises(BadValue) as caught:
        sheets.parse_date(raw, Text("tanggal SK", "decree date"))
    shown = repr(str(raw))
    if raw in ("2025/13/01", "32 Juli 2025"):  # the form is right, the day does not exist
        assert caught.value.en == f"decree date {shown} is not a date"
        assert caught.value.id == f"tanggal SK {shown} bukan tanggal yang ada"
    else:
        assert caught.value.en == f"decree date {shown} is not a date (dd/mm/yyyy or yyyy-mm-dd)"
        assert caught.value.id == f"tanggal SK {shown} bukan tanggal (hh/bb/tttt atau tttt-bb-hh)"


def test_month_table_has_both_languages() -> None:
    months = sheets.MONTHS
    indonesian = ["januari", "februari", "maret", "april", "mei", "juni", "juli", "agustus",
                  "september", "oktober", "november", "desember"]  # fmt: skip
    english = ["january", "february", "march", "april", "may", "june", "july", "august",
               "september", "october", "november", "december"]  # fmt: skip
    for m, (i, e) in enumerate(zip(indonesian, english, strict=True), start=1):
        assert months[i] == m and months[e] == m and months[e[:3]] == m


# --- header keys -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("Tgl. Mulai", "tglmulai"), ("tgl mulai", "tglmulai"), ("TglMulai", "tglmulai"),
        ("TGL_MULAI", "tglmulai"), (" tgl\nmulai ", "tglmulai"),
        ("Progres Fisik (%)", "progresfisik"), ("Kode Désa", "kodedesa"), ("No. SK", "nosk"),
        (2025.0, "2025"), (None, ""), ("-", ""),
    ],
)  # fmt: skip
def test_header_key(raw: object, key: str) -> None:
    assert sheets.header_key(raw) == key


@pytest.mark.parametrize("table", [BUDGET_HEADERS, PPID_HEADERS], ids=["budget", "ppid"])
def test_every_alias_keeps_its_one_target(table: dict[str, tuple[str, ...]]) -> None:
    owner: dict[str, str] = {}
    for target, names in table.items():
        for name in names:
            key = sheets.header_key(name)
            assert owner.setdefault(key, target) == target, (name, target, owner[key])
            # spelled without spaces, with extra spaces or another case: the same column
            for variant in (name.replace(" ", ""), name.replace(" ", "  "), name.upper()):
                assert sheets.header_key(variant) == key


def test_both_importers_read_tgl_with_and_without_space(tmp_path: Path) -> None:
    budget = tmp_path / "a.csv"
    budget.write_text("Nama Paket,tglmulai,TGL SELESAI\nJalan,01/07/2025,2025-12-31\n", "utf-8")
    table = read_sheet(budget)
    assert table.header == ["Nama Paket", "tglmulai", "TGL SELESAI"]
    ppid = read_table(b"kode desa;ppidterbentuk;tglsk\n3325082001;ya;45839\n", "p.csv")
    assert ppid.columns == {"desa_code": 0, "formed": 1, "decree_date": 2}
    assert sheets.parse_date(ppid.rows[0].cell(2)) == JULY_1  # an Excel serial, as text


# --- blanks and text -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", [None, "", "   ", "-", " – ", "—", "N/A", "na", "NULL", "None", "#N/A", math.nan]
)
def test_blanks(raw: object) -> None:
    assert sheets.is_blank(raw) and sheets.text(raw) is None


@pytest.mark.parametrize("raw", [0, 0.0, "0", "x", "--", False, "nan"])
def test_not_blank(raw: object) -> None:
    assert not sheets.is_blank(raw)


def test_text() -> None:
    assert sheets.text(12.0) == "12" and sheets.text(12.5) == "12.5" and sheets.text(7) == "7"
    assert sheets.text("  Jalan \n  Desa\tSodong ") == "Jalan Desa Sodong"
    assert sheets.text(datetime(2025, 7, 1)) == "2025-07-01"
    assert sheets.text(datetime(2025, 7, 1, 8, 30)) == "2025-07-01 08:30:00"


# --- numbers and money -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.250.000,50", "1250000.50"), ("1,250,000.50", "1250000.50"), ("1.250", "1250"),
        ("1,250", "1250"), ("1,5", "1.5"), ("1.5", "1.5"), ("0,75", "0.75"), ("12", "12"),
        ("1 250 000", "1250000"), ("1\u00a0250", "1250"), ("12.345.678", "12345678"),
    ],
)  # fmt: skip
def test_numbers_in_both_locales(raw: str, expected: str) -> None:
    assert sheets.parse_number(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["1.2.3", "12,34,567", "abc", "", "-5", "1,250,00.5.5"])
def test_not_numbers(raw: str) -> None:
    with pytest.raises(ValueError):
        sheets.parse_number(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Rp 1.250.000.000", 1_250_000_000),
        ("1.250.000.000,00", 1_250_000_000),
        ("Rp1.250.000.000,-", 1_250_000_000),
        ("1,250,000,000", 1_250_000_000),
        ("1,250,000,000.00", 1_250_000_000),
        ("1250000000", 1_250_000_000),
        (1_250_000_000.0, 1_250_000_000),
        (1_250_000_000, 1_250_000_000),
        ("1.000,50", 1001),  # sen rounded half up
        ("1.000,49", 1000),
        ("1,000.50", 1001),
        ("Rp. 12.500,-", 12_500),
        ("IDR 5.000", 5_000),
        ("1,5 M", 1_500_000_000),
        ("1.5 miliar", 1_500_000_000),
        ("250 jt", 250_000_000),
        ("Rp 2,5 juta", 2_500_000),
        ("10 rb", 10_000),
        ("", None),
        ("-", None),
        (None, None),
    ],
)
def test_money(raw: object, expected: int | None) -> None:
    assert sheets.money(raw) == expected


@pytest.mark.parametrize(
    ("raw", "en", "id_"),
    [
        ("abc", "money 'abc' is not a number", "nilai uang 'abc' bukan angka"),
        ("1.2.3", "money '1.2.3' is not a number", "nilai uang '1.2.3' bukan angka"),
        ("Rp satu juta", "money 'Rp satu juta' is not a number",
         "nilai uang 'Rp satu juta' bukan angka"),
        ("-5000", "money '-5000' is negative", "nilai uang '-5000' negatif (tidak boleh < 0)"),
        ("(1.000)", "money '(1.000)' is negative",
         "nilai uang '(1.000)' negatif (tidak boleh < 0)"),
        (True, "money True is not a number", "nilai uang True bukan angka"),
    ],
)  # fmt: skip
def test_money_refused_in_both_languages(raw: object, en: str, id_: str) -> None:
    with pytest.raises(BadValue) as caught:
        sheets.money(raw)
    assert (caught.value.en, caught.value.id) == (en, id_)


def test_whole_numbers() -> None:
    count = Text("jumlah informasi", "information count")
    assert [sheets.whole_number(v, count) for v in ("1.250", "1,250", 12.0, "3", 0, "")] == [
        1250, 1250, 12, 3, 0, None,
    ]  # fmt: skip
    for raw, en, id_ in (
        ("-3", "information count -3 is negative", "jumlah informasi -3 bernilai negatif"),
        ("2,5", "information count 2,5 is not a whole number",
         "jumlah informasi 2,5 bukan bilangan bulat"),
        ("lima", "information count 'lima' is not a number", "jumlah informasi 'lima' bukan angka"),
    ):  # fmt: skip
        with pytest.raises(BadValue) as caught:
            sheets.whole_number(raw, count)
        assert (caught.value.en, caught.value.id) == (en, id_)


def test_plain_decimal_numbers() -> None:
    lon = Text("bujur", "longitude")
    assert sheets.number("-6,91", lon) == -6.91 and sheets.number("109.7615", lon) == 109.7615
    assert sheets.number(109.72, lon) == 109.72 and sheets.number("-", lon) is None
    with pytest.raises(BadValue) as caught:
        sheets.number("109,7x", lon)
    assert (caught.value.en, caught.value.id) == (
        "longitude '109,7x' is not a number",
        "bujur '109,7x' bukan angka",
    )


# --- CSV: delimiters and encodings -----------------------------------------------------------

ROWS = [["Kode", "Desa", "Pagu"], ["P1", "Sodong", "1.250.000"], ["P2", "Désa – Kauman", "750"]]


def _csv(rows: list[list[str]], delimiter: str) -> str:
    return "\r\n".join(delimiter.join(r) for r in rows) + "\r\n"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_delimiters(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text(_csv(ROWS, delimiter), encoding="utf-8")
    grid = sheets.read_grid(path)
    assert (grid.file, grid.sheet, grid.cells) == ("t.csv", None, ROWS)


def test_semicolon_csv_whose_cells_hold_commas(tmp_path: Path) -> None:
    """A `;` matrix whose cells list conditions with commas, under a title line."""
    body = (
        "LAMPIRAN MATRIKS ITBX\n"
        "KBLI;Judul;R-2;K-1;P-1\n"
        "01111;Jagung;T1,B1,B3;T1,B2;B1,B2\n"
        "47111;Minimarket;T1,T2;I;X,B1\n"
    )
    (tmp_path / "m.csv").write_text(body, encoding="utf-8")
    grid = sheets.read_grid(tmp_path / "m.csv")
    assert grid.cells[1] == ["KBLI", "Judul", "R-2", "K-1", "P-1"]
    assert grid.cells[2] == ["01111", "Jagung", "T1,B1,B3", "T1,B2", "B1,B2"]
    assert grid.cells[0] == ["LAMPIRAN MATRIKS ITBX", None, None, None, None]  # padded


def test_sniffed_delimiter() -> None:
    assert sheets.sniff_delimiter("a;b;c\n1;2,5;3\n4;5,5;6\n") == ";"
    assert sheets.sniff_delimiter('a,b\n"1;2",3\n') == ","
    assert sheets.sniff_delimiter("one column\nonly\n") == ","


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [
        ("utf-8", ","),
        ("utf-8-sig", ";"),  # Excel's "CSV UTF-8"
        ("utf-16", "\t"),  # Excel's "Unicode text": UTF-16 with its byte-order mark
        ("utf-16-be", ";"),  # with the mark written by hand below
        ("utf-32", ","),
        ("cp1252", ";"),  # an old Excel export in an Indonesian Windows
    ],
)
def test_csv_encodings(tmp_path: Path, encoding: str, delimiter: str) -> None:
    data = _csv(ROWS, delimiter).encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    assert sheets.read_grid(path).cells == ROWS
    assert sheets.read_grid(data, "upload.txt").cells == ROWS  # bytes of an upload


@pytest.fixture
def small_cells(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """csv's cell limit (one for the process) at 100 characters for one test."""
    from app.services.sheets import files

    monkeypatch.setattr(files, "MAX_CELL_CHARS", 100)
    before = csv.field_size_limit(100)
    yield
    csv.field_size_limit(before)


def test_long_cells_are_read(tmp_path: Path) -> None:
    """A road's WKT in a budget CSV is longer than csv's 128 KB default."""
    wkt = "LINESTRING (" + ", ".join(f"109.{i:06d} -6.9" for i in range(20_000)) + ")"
    assert len(wkt) > 131_072
    grid = sheets.read_grid(f'Nama Paket,WKT\nJalan,"{wkt}"\n'.encode(), "r.csv")
    assert grid.cells[1] == ["Jalan", wkt]


def test_latin1_fallback_and_bad_files(small_cells: None) -> None:
    # 0x81 is not a cp1252 character: latin-1 reads every byte
    assert sheets.read_grid(b"a,b\n\x81,2\n", "x.csv").cells == [["a", "b"], ["\x81", "2"]]
    with pytest.raises(SourceFileError) as caught:  # a binary blob: a "field" over the limit
        sheets.read_grid(b"a,b\n" + b"x" * 1000 + b"\n", "blob.csv")
    assert caught.value.message.startswith("blob.csv: cannot read the CSV")
    assert caught.value.message_id.startswith("blob.csv: CSV tidak dapat dibaca")
    with pytest.raises(SourceFileError) as caught:
        sheets.read_grid(b"\xef\xbb\xbfa,\xff\n", "bom.csv")
    assert "UTF-8-SIG" in caught.value.message


def test_csv_row_numbers_are_the_spreadsheets(tmp_path: Path) -> None:
    """A quoted cell over two lines is one row; a blank line is a row; the header is row 2."""
    body = 'Rekap\nKode,Nama\n"P1","Jalan\nDesa"\n\nP2,Irigasi\n'
    table = sheets.table(sheets.read_grid(body.encode(), "r.csv"), 1)
    assert table.header_row == 2 and table.header == ["Kode", "Nama"]
    assert [(r.number, r.cells) for r in table.rows] == [
        (3, ["P1", "Jalan\nDesa"]),
        (5, ["P2", "Irigasi"]),
    ]


# --- xlsx ------------------------------------------------------------------------------------


def _workbook(path: Path) -> Path:
    """A budget-like sheet: merged titles, a two-row merged header, a gap, typed cells."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "TW III"
    ws["A1"] = "LAPORAN REALISASI 2025"
    ws.merge_cells("A1:E1")
    ws["A3"], ws["B3"], ws["C3"], ws["E3"] = "No", "Nama Paket", "Lokasi", "Progres"
    ws.merge_cells("A3:A4")  # "No" over two header rows
    ws.merge_cells("B3:B4")
    ws.merge_cells("C3:D3")  # "Lokasi" over Desa and Koordinat
    ws.merge_cells("E3:E4")
    ws["C4"], ws["D4"] = "Desa", "Koordinat"
    ws.append([1, 2, 3, 4, 5])  # row 5: column numbers
    ws.append([])  # row 6 stays empty
    ws["A7"], ws["B7"], ws["C7"], ws["D7"], ws["E7"] = 1, "Jalan", "Sodong", "-7.06, 109.77", 0.75
    ws["E7"].number_format = "0%"
    ws["A8"], ws["B8"], ws["C8"] = 2, datetime(2025, 7, 1), 45839
    ws["B8"].number_format = "dd/mm/yyyy"
    other = wb.create_sheet("Catatan")
    other["A1"] = "catatan saja"
    wb.save(path)
    return path


def test_xlsx_merged_header_cells_fill_every_cell(tmp_path: Path) -> None:
    grid = sheets.read_grid(_workbook(tmp_path / "r.xlsx"))
    assert (grid.file, grid.sheet, grid.width) == ("r.xlsx", "TW III", 5)
    assert grid.cells[0] == ["LAPORAN REALISASI 2025"] * 5
    assert grid.cells[2] == ["No", "Nama Paket", "Lokasi", "Lokasi", "Progres"]
    assert grid.cells[3] == ["No", "Nama Paket", "Desa", "Koordinat", "Progres"]
    assert grid.cells[5] == [None] * 5  # the empty row 6 is kept: row numbers stay right
    assert grid.cells[6] == [1, "Jalan", "Sodong", "-7.06, 109.77", "75.0%"]  # as it is shown
    assert grid.cells[7][:3] == [2, datetime(2025, 7, 1), 45839]
    assert sheets.parse_date(grid.cells[7][1]) == sheets.parse_date(grid.cells[7][2]) == JULY_1


@pytest.mark.parametrize("chunk", [7, 64, 1 << 20])
def test_xlsx_merges_found_across_read_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """The sheet's XML is scanned in chunks; a merge tag cut by one is found whole."""
    from app.services.sheets import files

    monkeypatch.setattr(files, "_CHUNK", chunk)
    grid = sheets.read_grid(_workbook(tmp_path / "r.xlsx"))
    assert grid.cells[0] == ["LAPORAN REALISASI 2025"] * 5
    assert grid.cells[2][2:4] == ["Lokasi", "Lokasi"] and grid.cells[3][0] == "No"


def test_xlsx_two_row_header_and_typed_rows(tmp_path: Path) -> None:
    table = read_sheet(_workbook(tmp_path / "r.xlsx"))
    # row 4 names the most columns: the merged No, Nama Paket and Progres hold their text there
    assert (table.sheet, table.header_row) == ("TW III", 4)
    assert table.header == ["No", "Nama Paket", "Desa", "Koordinat", "Progres"]
    assert table.skipped == [(5, "column numbers")]
    assert [r.number for r in table.rows] == [7, 8]
    assert table.rows[0].cell(2) == "Sodong" and table.rows[0].cell(9) is None


def test_xlsx_sheets_by_name_first_or_all(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "r.xlsx")
    assert [g.sheet for g in sheets.read_sheets(path)] == ["TW III", "Catatan"]
    assert sheets.read_grid(path, sheet="Catatan").cells == [["catatan saja"]]
    assert sheets.read_grid(path.read_bytes(), "r.xlsx").sheet == "TW III"
    with pytest.raises(SourceFileError) as caught:
        sheets.read_grid(path, sheet="TW IV")
    assert caught.value.message == "r.xlsx has no sheet 'TW IV'; its sheets: TW III, Catatan"
    assert caught.value.message_id == (
        "r.xlsx tidak memiliki lembar 'TW IV'; lembarnya: TW III, Catatan"
    )


def test_same_table_as_csv_and_xlsx_reads_the_same(tmp_path: Path) -> None:
    """Two paths, one answer: a CSV written as Indonesians type and an xlsx of typed cells."""
    (tmp_path / "a.csv").write_text(
        "Nama;Pagu;Mulai\nJalan;Rp 1.250.000,00;01/07/2025\nIrigasi;250 jt;1 Juli 2025\n",
        encoding="cp1252",
    )
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for row in (["Nama", "Pagu", "Mulai"], ["Jalan", 1250000, datetime(2025, 7, 1)],
                ["Irigasi", 250000000.0, 45839]):  # fmt: skip
        ws.append(row)
    wb.save(tmp_path / "a.xlsx")

    def values(path: Path) -> list[tuple[Any, ...]]:
        t = sheets.table(sheets.read_grid(path), 0)
        return [(r.cell(0), sheets.money(r.cell(1)), sheets.parse_date(r.cell(2))) for r in t.rows]

    expected = [("Jalan", 1_250_000, JULY_1), ("Irigasi", 250_000_000, JULY_1)]
    assert values(tmp_path / "a.csv") == values(tmp_path / "a.xlsx") == expected


def test_refused_files(tmp_path: Path) -> None:
    with pytest.raises(SourceFileError) as caught:
        sheets.read_grid(tmp_path / "absent.xlsx")
    assert (caught.value.message, caught.value.message_id) == (
        "absent.xlsx not found",
        "absent.xlsx tidak ditemukan",
    )
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    with pytest.raises(SourceFileError) as caught:
        sheets.read_grid(tmp_path / "a.pdf")
    assert caught.value.message == "a.pdf: read .csv or .xlsx files, not .pdf"
    assert caught.value.message_id == (
        "a.pdf: hanya berkas .csv atau .xlsx yang dapat dibaca, bukan .pdf"
    )
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(SourceFileError) as caught:
        sheets.read_grid(tmp_path / "broken.xlsx")
    assert caught.value.message.startswith("broken.xlsx: cannot read the workbook: ")
    assert caught.value.message_id.startswith("broken.xlsx: buku kerja tidak dapat dibaca: ")
    (tmp_path / "a.csv").write_text("a,b\n", encoding="utf-8")
    with pytest.raises(SourceFileError, match="--sheet applies to .xlsx files; a.csv is a CSV"):
        sheets.read_grid(tmp_path / "a.csv", sheet="x")


# --- rows under a header ---------------------------------------------------------------------


def test_find_header_takes_the_best_then_the_upper_row() -> None:
    grid = sheets.Grid("g.csv", None, [["judul"], ["a", "b"], ["a", "b"], ["x", "y"]])
    known = {"a", "b"}
    index, score = sheets.find_header(grid, lambda r: sum(c in known for c in r), 40)
    assert (index, score) == (1, 2)
    assert sheets.find_header(grid, lambda r: 0, 40) == (-1, 0)


@pytest.mark.parametrize(
    ("cells", "numbering"),
    [
        ([1, 2, 3], True), (["(1)", "(2)", "(3)", None], True), ([1.0, 2.0, 3.0], True),
        ([1, 2], False), ([1, 3, 4], False), (["1", "x", "3"], False),
    ],
)  # fmt: skip
def test_is_numbering(cells: list[object], numbering: bool) -> None:
    assert sheets.is_numbering(cells) is numbering
