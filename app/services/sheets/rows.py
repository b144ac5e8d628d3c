"""The rows of a sheet under its header, each with the row number the spreadsheet shows.

The header is found by its content (the row that scores best, e.g. names the most known
columns), never by position; below it, blank rows are dropped and a row of column numbers
(1, 2, 3, ... or (1), (2), ...) before the first data row is skipped and reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.services.sheets.cells import is_blank, text
from app.services.sheets.files import Grid


@dataclass(frozen=True)
class Row:
    """One data row: its number as the spreadsheet shows it (the first row is 1), its cells."""

    number: int
    cells: list[Any]

    def cell(self, column: int | None) -> Any:
        """Return the cell in a column (strings stripped); None past the end or for None."""
        if column is None or not 0 <= column < len(self.cells):
            return None
        value = self.cells[column]
        return value.strip() if isinstance(value, str) else value


@dataclass
class Table:
    """The rows under the header row of one sheet."""

    file: str
    sheet: str | None  # None for a CSV
    header_row: int  # its number in the sheet
    header: list[str]  # the column names as written ("" for an empty header cell)
    rows: list[Row]
    skipped: list[tuple[int, str]] = field(default_factory=list)  # row number, why


def is_numbering(cells: Sequence[Any]) -> bool:
    """Return True for a row of column numbers (1, 2, 3, ... or (1), (2), ...; three or more)."""
    nums = []
    for v in cells:
        shown = text(v)
        if shown is None:
            continue
        m = re.fullmatch(r"\(?(\d{1,3})\)?", shown)
        if not m:
            return False
        nums.append(int(m.group(1)))
    return len(nums) >= 3 and all(b == a + 1 for a, b in zip(nums, nums[1:], strict=False))


def find_header(grid: Grid, score: Callable[[list[Any]], int], scan: int) -> tuple[int, int]:
    """Return (index, score) of the best-scoring of the first `scan` rows, the upper one on a
    tie; (-1, 0) when no row scores above 0."""
    best, best_score = -1, 0
    for i, row in enumerate(grid.cells[:scan]):
        s = score(row)
        if s > best_score:
            best, best_score = i, s
    return best, best_score


def header_names(cells: Sequence[Any]) -> list[str]:
    """Return a header row's names as written, single-spaced ("" for an empty cell)."""
    return [text(v) or "" for v in cells]


def table(
    grid: Grid, header_index: int, header: list[str] | None = None, start: int | None = None
) -> Table:
    """Return the table under row `header_index` of a grid (0-based).

    `header` overrides the names (a two-row header); data starts at index `start` (default:
    the row after the header).
    """
    names = header if header is not None else header_names(grid.cells[header_index])
    rows: list[Row] = []
    skipped: list[tuple[int, str]] = []
    for i in range(header_index + 1 if start is None else start, len(grid.cells)):
        cells = grid.cells[i]
        if all(is_blank(v) for v in cells):
            continue
        if not rows and is_numbering(cells):
            skipped.append((i + 1, "column numbers"))
            continue
        rows.append(Row(i + 1, cells))
    return Table(grid.file, grid.sheet, header_index + 1, names, rows, skipped)
