"""One spreadsheet reader for every import (APBD budgets, PPID tables, ITBX matrices).

files.py reads a CSV or an xlsx into grids of cells (encoding, delimiter, merged cells);
rows.py finds the header and gives typed rows with the row numbers a spreadsheet shows;
cells.py reads one cell: blank, text, header key, date, number, money. What a column means
and what a value must be stay with each importer.
"""

from app.services.sheets.cells import (
    BLANKS,
    DATE,
    MONEY,
    MONTHS,
    BadValue,
    header_key,
    is_blank,
    money,
    number,
    parse_date,
    parse_number,
    text,
    whole_number,
)
from app.services.sheets.files import SUFFIXES, Grid, read_grid, read_sheets, sniff_delimiter
from app.services.sheets.rows import (
    Row,
    Table,
    find_header,
    header_names,
    is_numbering,
    table,
)

__all__ = [
    "BLANKS",
    "DATE",
    "MONEY",
    "MONTHS",
    "SUFFIXES",
    "BadValue",
    "Grid",
    "Row",
    "Table",
    "find_header",
    "header_key",
    "header_names",
    "is_blank",
    "is_numbering",
    "money",
    "number",
    "parse_date",
    "parse_number",
    "read_grid",
    "read_sheets",
    "sniff_delimiter",
    "table",
    "text",
    "whole_number",
]
