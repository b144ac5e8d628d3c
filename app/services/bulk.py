"""Bulk writes: rows into a table with one binary COPY (the loader's features, the budget
importer's staging tables)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection


def copy_rows(
    conn: Connection,
    table: str,
    columns: Sequence[tuple[str, str]],
    rows: Iterable[Sequence[Any]],
) -> None:
    """Write `rows` into `table` with one binary COPY, in `conn`'s transaction.

    `columns` are (name, PostgreSQL type) pairs in the rows' order; the names come from code,
    never from a request.
    """
    raw = conn.connection.driver_connection
    assert raw is not None
    names = ", ".join(name for name, _ in columns)
    with (
        raw.cursor() as cur,
        cur.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy,
    ):
        copy.set_types([kind for _, kind in columns])
        for row in rows:
            copy.write_row(row)
