"""Import an ITBX matrix as regencies publish it (the RDTR Perda/Perkada appendix) into a pack.

The published sheet has one row per KBLI 2020 code and one column per sub-zone, under title
rows and merged multi-level headers (zone group / zone / sub-zone name / sub-zone code); cells
hold `I`, `X`, `T1`, `B1,B3`, `T1,T3,B1,B3`, ... and a legend defines each numbered condition.
The file (and the legend) is read by app/services/sheets, merged cells holding their text in
every cell they cover. The header row and the KBLI column are found by their content, never
by position, and the result is written as the pack's `activities.csv` and `itbx.csv`
(validated before anything is replaced), so `rtrw rules check`/`rules load` take it like any
hand-written table.
"""

from __future__ import annotations

import csv
import importlib
import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from app.errors import RulesError, SourceFileError
from app.services.catalog.manifest import read_manifest
from app.services.rules.tables import COLUMNS, FILES, read_rules, rules_folder
from app.services.sheets import Grid, header_key, is_numbering, read_grid, read_sheets
from app.services.sheets import text as cell_text

# One cell: I, X, or T/B tokens (optionally numbered) separated by , ; . / or spaces.
CELL_RE = re.compile(r"^(?:(?:I|X|[TB]\d*)[\s,;./]*)+$")
TOKEN_RE = re.compile(r"I|X|[TB]\d*")
MAX_LISTED = 25


def column_letter(index: int) -> str:
    """Return the spreadsheet letter of a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _text(value: Any) -> str:
    """Return a cell as text, "" when blank (sheets.text)."""
    return cell_text(value) or ""


def kbli_code(value: Any) -> str | None:
    """Return the five-digit KBLI 2020 code a cell holds (1111 or "1111" -> "01111"), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return f"{value:05d}" if 1000 <= value <= 99999 else None
    text = _text(value)
    if re.fullmatch(r"\d{5}", text):
        return text
    if re.fullmatch(r"[1-9]\d{3}", text):  # a code whose leading zero a number format dropped
        return "0" + text
    return None


def _zone_key(text: str) -> str:
    return re.sub(r"\s+", "", text).upper()


@dataclass
class Cell:
    """One parsed matrix cell: its letter and the condition codes it names, in order."""

    letter: str
    codes: list[str]


def parse_cell(raw: str) -> Cell | None:
    """Return the ITBX letter and condition codes of a cell (`T1,B1.B3` -> TB, T1 B1 B3)."""
    text = raw.strip().upper()
    if not CELL_RE.fullmatch(text):
        return None
    tokens = list(dict.fromkeys(TOKEN_RE.findall(text)))
    plain = {t for t in tokens if t in ("I", "X")}
    if plain and len(tokens) > 1:
        return None  # "I,X" or "X,T1": not one permission
    if plain:
        return Cell(tokens[0], [])
    has_t = any(t.startswith("T") for t in tokens)
    has_b = any(t.startswith("B") for t in tokens)
    letter = "TB" if has_t and has_b else ("T" if has_t else "B")
    ordered = sorted(tokens, key=lambda t: (t[0] != "T", int(t[1:] or 0)))
    return Cell(letter, ordered)


@dataclass
class Legend:
    """Condition code -> (text, English text or None), from `code,text[,text_en]`."""

    texts: dict[str, tuple[str, str | None]]

    def conditions(self, codes: list[str]) -> tuple[str | None, str | None]:
        """Return the joined Indonesian and English texts of the codes (English only if all)."""
        if not codes:
            return None, None
        ids = "; ".join(f"{c}: {self.texts[c][0]}" for c in codes)
        ens = [self.texts[c][1] for c in codes]
        en = "; ".join(f"{c}: {t}" for c, t in zip(codes, ens, strict=True)) if all(ens) else None
        return ids, en


def read_legend(path: Path) -> Legend:
    """Read a legend table `code,text[,text_en]` (.csv or .xlsx); RulesError on a missing
    column or an empty text."""
    if not path.is_file():
        raise RulesError(
            f"legend {path} not found", message_id=f"Legenda {path} tidak ditemukan"
        )
    try:
        grid = read_grid(path)
    except SourceFileError as exc:
        raise RulesError(f"legend {exc.message}", message_id=f"Legenda {exc.message_id}") from exc
    keys = [header_key(h) for h in grid.cells[0]] if grid.cells else []
    if "code" not in keys or "text" not in keys:
        raise RulesError(
            f"legend {path.name}: needs columns code,text[,text_en]",
            message_id=f"Legenda {path.name}: memerlukan kolom code,text[,text_en]",
        )
    columns = {k: keys.index(k) for k in ("code", "text", "texten") if k in keys}
    texts: dict[str, tuple[str, str | None]] = {}
    for line, cells in enumerate(grid.cells[1:], start=2):
        clean = {k: _text(cells[j]) for k, j in columns.items()}
        code = clean["code"].upper().replace(" ", "")
        if not code:
            continue
        if not clean["text"]:
            raise RulesError(
                f"legend {path.name}:{line}: {code} has no text",
                message_id=f"Legenda {path.name}:{line}: {code} tidak memiliki teks",
            )
        if code in texts:
            raise RulesError(
                f"legend {path.name}:{line}: {code} defined twice",
                message_id=f"Legenda {path.name}:{line}: {code} didefinisikan dua kali",
            )
        texts[code] = (clean["text"], clean.get("texten") or None)
    return Legend(texts)


@dataclass
class MatrixRow:
    """One KBLI row of the sheet: its row number, code, title and non-blank cells by zone."""

    row: int
    kbli: str
    title: str | None
    cells: dict[str, Cell]


@dataclass
class MatrixSheet:
    """A matrix read from its published layout, with what was found where."""

    file: str
    sheet: str | None
    header_row: int
    kbli_column: str
    title_column: str | None
    zones: list[tuple[str, str, str, str | None]]  # column, header code, national code, name
    rows: list[MatrixRow]
    skipped: list[tuple[int, str, str]] = field(default_factory=list)  # row, why, its text
    ignored_columns: list[tuple[str, str]] = field(default_factory=list)
    blank_cells: int = 0


def _grids(path: Path, sheet: str | None) -> list[Grid]:
    """Return the grid of a .csv, or of the named sheet or every sheet of an .xlsx; RulesError."""
    try:
        return read_sheets(path, sheet=sheet)
    except SourceFileError as exc:  # the matrix command's own error, naming the matrix
        raise RulesError(f"matrix {exc.message}", message_id=f"Matriks {exc.message_id}") from exc


def _kbli_column(grid: list[list[Any]]) -> int | None:
    counts: Counter[int] = Counter()
    textual: Counter[int] = Counter()
    for row in grid:
        for c, v in enumerate(row):
            if kbli_code(v):
                counts[c] += 1
                textual[c] += int(isinstance(v, str) and len(v.strip()) == 5)
    if not counts:
        return None
    return max(counts, key=lambda c: (counts[c], textual[c], -c))


# Long by design (C901): the sheet's layout checked step by step.
def read_matrix(  # noqa: C901
    path: Path, zone_codes: Mapping[str, str], sheet: str | None = None
) -> MatrixSheet:
    """Read a published matrix: header row of sub-zone codes, KBLI column, cells; RulesError."""
    grids = _grids(path, sheet)
    found = [(g.sheet, g.cells, _kbli_column(g.cells)) for g in grids]
    usable = [(name, g, col) for name, g, col in found if col is not None]
    if not usable:
        sheets = ", ".join(str(g.sheet) for g in grids) if grids[0].sheet else ""
        where, where_id = (f" in sheet(s) {sheets}", f" di lembar {sheets}") if sheets else ("", "")
        raise RulesError(
            f"matrix {path.name}: no KBLI column{where} (a column of five-digit KBLI 2020 "
            "codes, one row per code); the importer needs the KBLI code of every row",
            message_id=f"Matriks {path.name}: tidak ada kolom KBLI{where_id} (kolom kode KBLI "
            "2020 lima digit, satu baris per kode); pengimpor memerlukan kode KBLI setiap baris",
        )
    name, grid, kcol = usable[0]
    width = len(grid[0])  # the rows of a grid are padded to one width
    keys = {_zone_key(k): v for k, v in zone_codes.items()}
    data_rows = [i for i, r in enumerate(grid) if kbli_code(r[kcol])]
    first = data_rows[0]

    # The header row: the row above the data naming the most known sub-zone codes.
    def known(i: int) -> int:
        return sum(1 for c, v in enumerate(grid[i]) if c != kcol and _zone_key(_text(v)) in keys)

    scores = {i: known(i) for i in range(first)}
    best = max(scores.values(), default=0)
    if best > 0:
        header = max(i for i, s in scores.items() if s == best)
    else:  # nothing known: the nearest plausible row, so its codes are named as unknown
        plausible = [
            i
            for i in range(first)
            if not is_numbering(grid[i]) and any(_text(v) for v in grid[i][kcol + 1 :])
        ]
        if not plausible:
            raise RulesError(
                f"matrix {path.name}: no header row of sub-zone codes above row {first + 1}",
                message_id=f"Matriks {path.name}: tidak ada baris judul berisi kode subzona di "
                f"atas baris {first + 1}",
            )
        header = plausible[-1]
    head = grid[header]

    # The title column: the one (not KBLI, not a sub-zone) with the most text in data rows.
    def wordy(c: int) -> int:
        n = 0
        for i in data_rows:
            t = _text(grid[i][c])
            if len(t) > 3 and re.search(r"[A-Za-z]", t) and not CELL_RE.fullmatch(t.upper()):
                n += 1
        return n

    others = [c for c in range(width) if c != kcol and _zone_key(_text(head[c])) not in keys]
    wordiness = {c: wordy(c) for c in others}
    tcol = max(wordiness, key=lambda c: (wordiness[c], -c)) if wordiness else None
    if tcol is not None and wordiness[tcol] < max(1, len(data_rows) // 2):
        tcol = None

    zones: list[tuple[str, str, str, str | None]] = []
    zone_cols: list[tuple[int, str]] = []
    unknown: list[tuple[str, str]] = []
    ignored: list[tuple[str, str]] = []
    for c in range(kcol + 1, width):
        label = _text(head[c])
        if c == tcol or not label:
            continue
        if _zone_key(label) in keys:
            above = _text(grid[header - 1][c]) if header > 0 else ""
            zones.append((column_letter(c), label, keys[_zone_key(label)], above or None))
            zone_cols.append((c, keys[_zone_key(label)]))
            continue
        values = [_text(grid[i][c]) for i in data_rows]
        if any(v and CELL_RE.fullmatch(v.upper()) for v in values):
            unknown.append((label, column_letter(c)))
        else:  # a remarks column: no ITBX values under it
            ignored.append((column_letter(c), label))
    if unknown:
        raise RulesError(
            f"matrix {path.name}: unknown sub-zone column(s) in header row {header + 1}: "
            + ", ".join(f"{label!r} (column {col})" for label, col in unknown)
            + "; add them to zone_classes.csv or zone_aliases.csv",
            message_id=f"Matriks {path.name}: kolom subzona tidak dikenal di baris judul "
            f"{header + 1}: "
            + ", ".join(f"{label!r} (kolom {col})" for label, col in unknown)
            + "; tambahkan ke zone_classes.csv atau zone_aliases.csv",
        )
    if not zones:
        raise RulesError(
            f"matrix {path.name}: no sub-zone columns in header row {header + 1}",
            message_id=f"Matriks {path.name}: tidak ada kolom subzona di baris judul {header + 1}",
        )
    seen: dict[str, str] = {}
    for letter, _label, national, _ in zones:
        if national in seen:
            raise RulesError(
                f"matrix {path.name}: columns {seen[national]} and {letter} are both "
                f"sub-zone {national}",
                message_id=f"Matriks {path.name}: kolom {seen[national]} dan {letter} "
                f"sama-sama subzona {national}",
            )
        seen[national] = letter

    sheet_out = MatrixSheet(
        file=path.name,
        sheet=name,
        header_row=header + 1,
        kbli_column=column_letter(kcol),
        title_column=column_letter(tcol) if tcol is not None else None,
        zones=zones,
        rows=[],
        ignored_columns=ignored,
    )
    bad: list[str] = []
    first_row: dict[str, int] = {}
    for i, row in enumerate(grid):
        if i == header:
            continue
        code = kbli_code(row[kcol]) if i >= first else None
        if code is None:
            texts = [_text(v) for v in row if _text(v)]
            if not texts:
                continue
            if is_numbering(row):
                why = "numbering"
            elif i < header:
                why = "header" if len({_text(row[c]) for c, _ in zone_cols} - {""}) > 1 else "title"
            else:
                why = "heading"
            sheet_out.skipped.append((i + 1, why, " ".join(dict.fromkeys(texts))[:60]))
            continue
        if code in first_row:
            raise RulesError(
                f"matrix {path.name}: KBLI {code} is on rows {first_row[code]} and {i + 1}",
                message_id=f"Matriks {path.name}: KBLI {code} ada di baris {first_row[code]} "
                f"dan {i + 1}",
            )
        first_row[code] = i + 1
        cells: dict[str, Cell] = {}
        for c, national in zone_cols:
            raw = _text(row[c])
            if not raw:  # blank: sheets.BLANKS
                sheet_out.blank_cells += 1
                continue
            cell = parse_cell(raw)
            if cell is None:
                bad.append(f"{column_letter(c)}{i + 1} {raw!r}")
                continue
            cells[national] = cell
        title = _text(row[tcol]) if tcol is not None else ""
        sheet_out.rows.append(MatrixRow(i + 1, code, title or None, cells))
    if bad:
        shown = ", ".join(bad[:MAX_LISTED]) + (" ..." if len(bad) > MAX_LISTED else "")
        raise RulesError(
            f"matrix {path.name}: {len(bad)} cell(s) are not ITBX values "
            f"(I, X, T1, B2, T1,B1, ...): {shown}",
            message_id=f"Matriks {path.name}: {len(bad)} sel bukan nilai ITBX "
            f"(I, X, T1, B2, T1,B1, ...): {shown}",
        )
    return sheet_out


@dataclass
class ImportReport:
    """What an import found and wrote."""

    matrix: MatrixSheet
    folder: Path
    layer: str | None
    letters: Counter[str]
    itbx_rows: int
    replaced: int
    activities_added: int
    reused: dict[str, str]  # KBLI -> an activity of activities.csv it already belonged to
    closed: int = 0  # earlier rows of the layer kept as history, ending the day before

    def lines(self) -> list[str]:
        """Return the report as printable lines."""
        m = self.matrix
        where = f"sheet {m.sheet!r}, " if m.sheet else ""
        out = [
            f"matrix {m.file}: {where}header row {m.header_row}, KBLI column {m.kbli_column}"
            + (f", title column {m.title_column}" if m.title_column else ", no title column"),
            f"sub-zone columns ({len(m.zones)}): "
            + ", ".join(
                f"{col} {label}"
                + (f"={nat}" if nat != label else "")
                + (f" ({name})" if name else "")
                for col, label, nat, name in m.zones
            ),
        ]
        if m.ignored_columns:
            out.append(
                "ignored columns (no ITBX values): "
                + ", ".join(f"{c} {label!r}" for c, label in m.ignored_columns)
            )
        why = Counter(w for _, w, _ in m.skipped)
        out.append(
            f"rows imported: {len(m.rows)} KBLI codes; rows skipped: {len(m.skipped)}"
            + (f" ({', '.join(f'{k} {v}' for k, v in sorted(why.items()))})" if why else "")
        )
        for row, w, text in m.skipped[:MAX_LISTED]:
            out.append(f"  skipped row {row} ({w}): {text}")
        if len(m.skipped) > MAX_LISTED:
            out.append(f"  ... and {len(m.skipped) - MAX_LISTED} more")
        out.append(f"blank cells: {m.blank_cells} (stay not_listed)")
        out.append(
            "cells per letter: "
            + ", ".join(f"{k} {self.letters.get(k, 0)}" for k in ("I", "T", "B", "TB", "X"))
        )
        scope = f"layer {self.layer}" if self.layer else "every zoning layer"
        out.append(
            f"wrote {self.folder}: itbx.csv {self.itbx_rows} rows for {scope} "
            f"(replaced {self.replaced}"
            + (f"; {self.closed} earlier rows kept, closed" if self.closed else "")
            + f"), activities.csv +{self.activities_added}"
            + (
                f" ({len(self.reused)} KBLI codes kept on existing activities)"
                if self.reused
                else ""
            )
        )
        return out


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    if not path.exists():
        return [], []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = [(h or "").strip() for h in reader.fieldnames or []]
        rows = [
            {(k or "").strip(): (v or "").strip() for k, v in r.items() if k} for r in reader
        ]
    return header, [r for r in rows if any(r.values())]


def _write_csv(path: Path, header: list[str], rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in header})


def zone_codes_of(folder: Path) -> dict[str, str]:
    """Return every sub-zone code and local alias of a rules folder -> its national code."""
    _, zones = _read_csv(folder / FILES["zone_classes"])
    if not zones:
        raise RulesError(
            f"no zone_classes.csv rows in {folder}: the matrix needs sub-zone codes",
            message_id=f"Tidak ada baris zone_classes.csv di {folder}: matriks memerlukan kode "
            "subzona",
        )
    codes = {z["code"]: z["code"] for z in zones if z.get("code")}
    _, aliases = _read_csv(folder / FILES["zone_aliases"])
    for a in aliases:
        if a.get("local_code") and a.get("code") in codes:
            codes.setdefault(a["local_code"], a["code"])
    return codes


def zoning_layers(pack: Path) -> list[str]:
    """Return the names of the zoning layers a pack's region.toml declares."""
    manifest = read_manifest(pack)
    return [layer.name for layer in manifest.layers if layer.kind == "zoning"]


def default_titles() -> Callable[[str], str | None] | None:
    """Return the shipped KBLI 2020 title lookup when the list is installed, else None."""
    try:  # the list ships with the package (app/data/kbli_2020.csv, rules/kbli.py)
        kbli = importlib.import_module("app.services.rules.kbli")
        return kbli.kbli_2020().title  # type: ignore[no-any-return]
    except (ImportError, AttributeError, OSError, ValueError):
        return None


def _keep_history(
    itbx: list[dict[str, Any]], plan_layer: str | None, valid_from: date | None
) -> tuple[list[dict[str, Any]], int]:
    """Return the itbx rows that stay beside an import, and how many of them were closed.

    Rows of other layers stay as they are. Rows of the imported layer are replaced, except
    with `valid_from`: then rows in force before that date stay as history, closed the day
    before (`valid_to`), and only rows starting on or after it are replaced.
    """
    kept: list[dict[str, Any]] = []
    closed = 0
    for r in itbx:
        if (r.get("layer") or None) != plan_layer:
            kept.append(r)
            continue
        if valid_from is None:
            continue
        start = date.fromisoformat(r["valid_from"]) if r.get("valid_from") else None
        if start is not None and start >= valid_from:
            continue
        end = date.fromisoformat(r["valid_to"]) if r.get("valid_to") else None
        if end is None or end >= valid_from:
            r = {**r, "valid_to": (valid_from - timedelta(days=1)).isoformat()}
            closed += 1
        kept.append(r)
    return kept, closed


# Long by design (C901): the import's steps in order, all or nothing.
def import_matrix(  # noqa: C901
    pack: Path,
    matrix: Path,
    legend: Path,
    sheet: str | None = None,
    source: str | None = None,
    valid_from: date | None = None,
    plan_layer: str | None = None,
    titles: Callable[[str], str | None] | None = None,
) -> ImportReport:
    """Import a published matrix into the pack's activities.csv and itbx.csv; return a report.

    With `plan_layer` the rows apply only to that zoning layer's zones and replace the rows
    of that layer; without, they replace the layer-less rows. Nothing is written on any error.
    """
    folder = rules_folder(pack)
    if not folder.is_dir():
        raise RulesError(
            f"no rules folder at {folder}", message_id=f"Tidak ada folder aturan di {folder}"
        )
    if plan_layer is not None:
        manifest = pack if pack.name == "region.toml" else pack / "region.toml"
        if not manifest.exists():
            raise RulesError(
                f"--plan-layer needs the pack's region.toml; none at {manifest}",
                message_id=f"--plan-layer memerlukan region.toml paket; tidak ada di {manifest}",
            )
        layers = zoning_layers(manifest.parent)
        if plan_layer not in layers:
            raise RulesError(
                f"--plan-layer {plan_layer!r} is not a zoning layer of {manifest}; "
                f"its zoning layers: {', '.join(layers) or 'none'}",
                message_id=f"--plan-layer {plan_layer!r} bukan lapisan zonasi {manifest}; "
                f"lapisan zonasinya: {', '.join(layers) or 'tidak ada'}",
            )
    codes = zone_codes_of(folder)
    notes = read_legend(legend)
    sheet_data = read_matrix(matrix, codes, sheet)

    used: dict[str, str] = {}
    for r in sheet_data.rows:
        for national, cell in r.cells.items():
            col = next(z[0] for z in sheet_data.zones if z[2] == national)
            for code in cell.codes:
                used.setdefault(code, f"{col}{r.row}")
    missing = [(c, where) for c, where in used.items() if c not in notes.texts]
    if missing:
        raise RulesError(
            f"legend {legend.name} does not define {len(missing)} condition code(s) the matrix "
            f"uses: {', '.join(f'{c} (first in {where})' for c, where in missing)}",
            message_id=f"Legenda {legend.name} tidak mendefinisikan {len(missing)} kode syarat "
            "yang dipakai matriks: "
            + ", ".join(f"{c} (pertama di {where})" for c, where in missing),
        )

    act_header, activities = _read_csv(folder / FILES["activities"])
    act_header = act_header or list(COLUMNS["activities"])
    owner: dict[str, str] = {}
    for a in activities:
        for k in (a.get("kbli") or "").split(";"):
            if k.strip():
                owner[k.strip()] = a["id"]
    ids = {a["id"] for a in activities}
    lookup = titles if titles is not None else default_titles()
    added = 0
    reused: dict[str, str] = {}
    activity_of: dict[str, str] = {}
    for r in sheet_data.rows:
        if r.kbli in owner:
            activity_of[r.kbli] = owner[r.kbli]
            if owner[r.kbli] != f"kbli_{r.kbli}":
                reused[r.kbli] = owner[r.kbli]
            continue
        aid = f"kbli_{r.kbli}"
        if aid in ids:
            raise RulesError(
                f"activities.csv has an activity {aid!r} without KBLI {r.kbli}",
                message_id=f"activities.csv memiliki kegiatan {aid!r} tanpa KBLI {r.kbli}",
            )
        name = (lookup(r.kbli) if lookup else None) or r.title or r.kbli
        activities.append({"id": aid, "name": name, "kbli": r.kbli})
        ids.add(aid)
        owner[r.kbli] = activity_of[r.kbli] = aid
        added += 1

    new_rows: dict[tuple[str, str], dict[str, Any]] = {}
    letters: Counter[str] = Counter()
    for r in sheet_data.rows:
        aid = activity_of[r.kbli]
        for national, cell in r.cells.items():
            letters[cell.letter] += 1
            text_id, text_en = notes.conditions(cell.codes)
            row = {
                "activity": aid,
                "zone": national,
                "itbx": cell.letter,
                "conditions": text_id,
                "conditions_en": text_en,
                "source": source,
                "article": None,
                "valid_from": valid_from.isoformat() if valid_from else None,
                "valid_to": None,
                "layer": plan_layer,
            }
            prev = new_rows.get((aid, national))
            if prev is not None and (prev["itbx"], prev["conditions"]) != (
                row["itbx"],
                row["conditions"],
            ):
                raise RulesError(
                    f"KBLI {r.kbli} (row {r.row}) belongs to activity {aid!r} of activities.csv "
                    f"with other KBLI codes, but the matrix gives it another value in {national}; "
                    "give each of these KBLI codes its own activity",
                    message_id=f"KBLI {r.kbli} (baris {r.row}) termasuk kegiatan {aid!r} di "
                    "activities.csv bersama kode KBLI lain, tetapi matriks memberinya nilai lain "
                    f"di {national}; beri setiap kode KBLI ini kegiatannya sendiri",
                )
            new_rows[(aid, national)] = row

    itbx_header, itbx = _read_csv(folder / FILES["itbx"])
    kept, closed = _keep_history(itbx, plan_layer, valid_from)
    header = list(COLUMNS["itbx"]) + [c for c in itbx_header if c not in COLUMNS["itbx"]]

    # Validate the result as `rules check` would, on a copy, before touching the pack.
    with tempfile.TemporaryDirectory(prefix="rtrw-matrix-") as tmp:
        trial = Path(tmp) / "rules"
        shutil.copytree(folder, trial)
        _write_csv(trial / FILES["activities"], act_header, activities)
        _write_csv(trial / FILES["itbx"], header, kept + list(new_rows.values()))
        try:
            read_rules(trial)
        except RulesError as exc:
            raise RulesError(
                f"the imported tables would not pass `rtrw rules check`; nothing was written:\n"
                f"{exc.message}",
                message_id="Tabel hasil impor tidak akan lolos `rtrw rules check`; tidak ada "
                f"yang ditulis:\n{exc.message_id}",
            ) from exc
        for table in ("activities", "itbx"):
            staged = folder / f".{FILES[table]}.import"
            shutil.copyfile(trial / FILES[table], staged)
        for table in ("activities", "itbx"):
            os.replace(folder / f".{FILES[table]}.import", folder / FILES[table])

    return ImportReport(
        matrix=sheet_data,
        folder=folder,
        layer=plan_layer,
        letters=letters,
        itbx_rows=len(new_rows),
        replaced=len(itbx) - len(kept),
        closed=closed,
        activities_added=added,
        reused=reused,
    )
