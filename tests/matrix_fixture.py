"""A published-style ITBX matrix for tests/zoning_fixture.py's pack, built with openpyxl.

Layout of sheet "Lampiran II" (a second sheet "Keterangan" holds only text):
    1-2  title rows (merged A:F)
    4    zone group   D:E "Kawasan Perkotaan" (merged), F "Kawasan Perdesaan"
    5    zone         Perumahan | Perdagangan dan Jasa | Pertanian
    6    sub-zone     names
    7    sub-zone     codes R-2 | K-1 | PTP (PTP is zone_aliases' local code of P-1)
         A4:A7 "No", B4:B7 "Kode KBLI", C4:C7 "Judul KBLI" are merged down
    8    numbering    1 .. 6
    9    heading      "01" PERTANIAN ...
    10-  KBLI rows, with a heading "47" between; KBLI as text with a leading zero and as numbers

The expected letters and texts (EXPECTED, LEGEND) are written here by hand, not computed.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

LEGEND = {
    "T1": (
        "Terbatas dengan pembatasan intensitas 20 % dari luas persil",
        "Limited to 20 % of the plot",
    ),
    "T2": ("Terbatas hanya pada jalan kolektor", "Only on collector roads"),
    "T3": ("Terbatas jam operasional 08.00-17.00", "Operating hours 08.00-17.00 only"),
    "B1": ("Bersyarat menyediakan lahan parkir", "Must provide parking"),
    "B2": ("Bersyarat memiliki persetujuan lingkungan", "Needs environmental approval"),
    "B3": ("Bersyarat persetujuan warga sekitar", ""),
}

# (KBLI as stored in the sheet, title, R-2 cell, K-1 cell, PTP cell)
ROWS = [
    ("01111", "Pertanian Jagung", "X", "T1,B1,B3", "I"),
    (1112, "Pertanian Gandum", "B1.B2", "", "I"),
    ("47", "PERDAGANGAN ECERAN, BUKAN MOBIL DAN SEPEDA MOTOR", None, None, None),
    ("47111", "Perdagangan Eceran di Minimarket", "T1", "I", "X"),
    (68111, "Real Estat yang Dimiliki Sendiri", "I", "T2", None),
    ("10631", "Industri Penggilingan Padi", "X", "T3;B2", "B1 B3"),
]


def t(*codes: str) -> str:
    """Return the conditions text the legend gives for these codes, in order."""
    return "; ".join(f"{c}: {LEGEND[c][0]}" for c in codes)


def t_en(*codes: str) -> str | None:
    """Return the English conditions text, None when one code has no English text."""
    if not all(LEGEND[c][1] for c in codes):
        return None
    return "; ".join(f"{c}: {LEGEND[c][1]}" for c in codes)


# KBLI -> national zone -> (letter, conditions, conditions_en); a missing zone is blank.
EXPECTED = {
    "01111": {
        "R-2": ("X", None, None),
        "K-1": ("TB", t("T1", "B1", "B3"), None),
        "P-1": ("I", None, None),
    },
    "01112": {"R-2": ("B", t("B1", "B2"), t_en("B1", "B2")), "P-1": ("I", None, None)},
    "47111": {
        "R-2": ("T", t("T1"), t_en("T1")),
        "K-1": ("I", None, None),
        "P-1": ("X", None, None),
    },
    "68111": {"R-2": ("I", None, None), "K-1": ("T", t("T2"), t_en("T2"))},
    "10631": {
        "R-2": ("X", None, None),
        "K-1": ("TB", t("T3", "B2"), t_en("T3", "B2")),
        "P-1": ("B", t("B1", "B3"), None),
    },
}


def write_legend(path: Path, drop: tuple[str, ...] = ()) -> Path:
    """Write the legend CSV code,text,text_en (without the codes in `drop`)."""
    lines = ["code,text,text_en"]
    for code, (text, en) in LEGEND.items():
        if code not in drop:
            lines.append(f'{code},"{text}","{en}"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_matrix(
    path: Path,
    codes: tuple[str, str, str] = ("R-2", "K-1", "PTP"),
    rows: list[tuple] | None = None,
    kbli_column: bool = True,
) -> Path:
    """Write the published-style matrix workbook; return its path."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Lampiran II"
    ws["A1"] = "LAMPIRAN II PERATURAN BUPATI UJI NOMOR 1 TAHUN 2025"
    ws.merge_cells("A1:F1")
    ws["A2"] = "KETENTUAN KEGIATAN DAN PENGGUNAAN LAHAN (MATRIKS ITBX)"
    ws.merge_cells("A2:F2")
    ws["A4"], ws["B4"], ws["C4"] = "No", "Kode KBLI", "Judul KBLI"
    for col in "ABC":
        ws.merge_cells(f"{col}4:{col}7")
    ws["D4"], ws["F4"] = "Kawasan Perkotaan", "Kawasan Perdesaan"
    ws.merge_cells("D4:E4")
    ws["D5"], ws["E5"], ws["F5"] = "Perumahan", "Perdagangan dan Jasa", "Pertanian"
    ws["D6"], ws["E6"], ws["F6"] = (
        "Perumahan Kepadatan Tinggi",
        "Perdagangan dan Jasa Skala Kota",
        "Tanaman Pangan",
    )
    ws["D7"], ws["E7"], ws["F7"] = codes
    ws.append([1, 2, 3, 4, 5, 6])  # row 8
    ws.append([None, "01", "PERTANIAN TANAMAN, PETERNAKAN, PERBURUAN DAN KEGIATAN YBDI"])
    number = 0
    for kbli, title, *cells in rows if rows is not None else ROWS:
        heading = all(c is None for c in cells) and len(str(kbli)) == 2
        if not heading:
            number += 1
        first = (None if heading else number, kbli if kbli_column else None, title)
        ws.append([*first, *cells])
    sheet = wb.create_sheet("Keterangan")
    sheet["A1"] = "T1 = Terbatas ..."
    wb.save(path)
    return path
