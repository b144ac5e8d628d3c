"""The catalog of named things: layers and rasters, each a name per region with versions.

A `NamedTable` says which tables hold one kind (the named row, its versions, its audit trail),
how its version rows read and what it is called; `LAYER` (catalog/layers.py) and `RASTER`
(rasters/catalog.py) are the two kinds. `find_named` says what a name (and region) stands for,
with the same errors for both. The SQL every query about them shares is written here once:

- `region_is(column)`: `column` is region :region, where NULL means the things loaded without
  a region (a load, a check, a map of that one namespace);
- `region_or_all(column)`: `column` is region :region, where NULL means every region (a
  listing, a name looked up in the whole catalog);
- `NamedTable.current()`: the named row joined to the version it serves, and
  `NamedTable.version_or_current()`: a version asked for by number, else the current one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, text

from app.errors import InvalidParameter, NotFound
from app.l10n import Text, both

# The region a query is about, bound as :region (always cast, so a statement may swap it for a
# subquery by text: zoning/context.py does).
REGION = "CAST(:region AS text)"

V = TypeVar("V")


def region_is(column: str = "l.region_code", region: str = REGION) -> str:
    """Return SQL true where `column` is `region`; NULL: the things loaded without a region."""
    return f"{column} IS NOT DISTINCT FROM {region}"


def region_or_all(column: str = "l.region_code", region: str = REGION) -> str:
    """Return SQL true where `column` is `region`; NULL: every region."""
    return f"({region} IS NULL OR {column} = {region})"


@dataclass(frozen=True, slots=True)
class VersionEvent:
    """An audit entry: a load or a rollback made `to_version` current (from `from_version`)."""

    action: str
    from_version: int | None
    to_version: int
    actor: str | None
    note: str | None
    happened_at: datetime


@dataclass(frozen=True)
class NamedTable(Generic[V]):
    """One kind of named, versioned thing: its tables, its words, how a version row reads.

    The named rows live in `table` (name, region_code, current_version_id), their versions in
    `<table>_version` and the loads and rollbacks in `<table>_event`, both keyed `<table>_id`.
    """

    table: str  # layer, raster
    alias: str  # the named row's alias in `columns` and in the SQL built here: l, r
    noun: Text  # what one is called: lapisan / layer
    not_found_key: str  # the l10n key of "no such name" (its kind's own sentence)
    error: type[NotFound]  # LayerNotFound, RasterNotFound: the code the API answers
    on_rollback: str  # what a rollback copies from the version besides current_version_id
    columns: str  # a version row's columns (the named row as `alias`, the version as v)
    row: Callable[[Any, list[VersionEvent]], V]  # a version row from `columns` + `current`

    @property
    def versions(self) -> str:
        """Return the table of the versions (layer_version, raster_version)."""
        return f"{self.table}_version"

    @property
    def events(self) -> str:
        """Return the table of the audit trail (layer_event, raster_event)."""
        return f"{self.table}_event"

    @property
    def key(self) -> str:
        """Return the column naming the named row in the versions and events tables."""
        return f"{self.table}_id"

    def current(self, alias: str | None = None, version: str = "v", *, left: bool = False) -> str:
        """Return SQL for a FROM clause: the named rows joined to the version each serves.

        `layer l JOIN layer_version v ON v.id = l.current_version_id`; `left` keeps a named
        row without a current version (its version columns NULL).
        """
        a = alias or self.alias
        join = "LEFT JOIN" if left else "JOIN"
        return (
            f"{self.table} {a} {join} {self.versions} {version} "
            f"ON {version}.id = {a}.current_version_id"
        )

    def version_or_current(
        self, number: str = ":version", alias: str | None = None, version: str = "v"
    ) -> str:
        """Return SQL true for the version numbered `number` (a bound parameter), or for the
        current one when it is NULL (join the versions on `<key> = <alias>.id` first)."""
        a = alias or self.alias
        n = f"CAST({number} AS integer)"
        return (
            f"(CASE WHEN {n} IS NULL THEN {version}.id = {a}.current_version_id "
            f"ELSE {version}.version = {n} END)"
        )


@dataclass(frozen=True, slots=True)
class Named:
    """The named row a name stands for: its id, name, region and current version id."""

    id: int
    name: str
    region_code: str | None
    current_version_id: int | None


def find_named(
    conn: Connection,
    table: NamedTable[Any],
    name: str,
    region: str | None = None,
    *,
    lock: bool = False,
) -> Named:
    """Return the layer or raster a name stands for (in `region`, when given).

    Names are unique within a region. Without `region`, a name only one region uses is that
    one; a name several regions use is InvalidParameter naming them (`regions`); none is the
    kind's NotFound (LayerNotFound, RasterNotFound). `lock` takes the row FOR UPDATE.
    """
    rows = conn.execute(
        text(
            f"SELECT id, name, region_code, current_version_id FROM {table.table} "
            f"WHERE name = :n AND {region_or_all('region_code')} ORDER BY region_code"
            + (" FOR UPDATE" if lock else "")
        ),
        {"n": name, "region": region},
    ).all()
    if not rows:
        raise not_found(table, name, region)
    if len(rows) > 1:
        raise ambiguous(table, name, [str(r.region_code) for r in rows])
    r = rows[0]
    return Named(int(r.id), str(r.name), r.region_code, r.current_version_id)


def ambiguous(table: NamedTable[Any], name: str, codes: list[str]) -> InvalidParameter:
    """Return the error of a name several regions use (422, `regions` in the body)."""
    says = both("catalog.ambiguous", noun=table.noun, name=repr(name), codes=", ".join(codes))
    return InvalidParameter(says.en, message_id=says.id, regions=codes)


def not_found(table: NamedTable[Any], name: str, region: str | None = None) -> NotFound:
    """Return the error of a name the catalog (or the region) does not hold."""
    says = both(table.not_found_key, name=repr(name), where=_where(region))
    return table.error(says.en, message_id=says.id)


def no_version(
    table: NamedTable[Any],
    name: str,
    region: str | None,
    version: int | None,
    versions: Iterable[int] | None = None,
) -> NotFound:
    """Return the error of a version a layer or raster does not have (`version` None: no
    current one), listing the versions it has when `versions` is given."""
    noun = Text(table.noun.id.capitalize(), table.noun.en)
    fields: dict[str, object] = {"noun": noun, "name": repr(name), "where": _where(region)}
    if version is None:
        says = both("catalog.no_current_version", **fields)
    else:
        says = both("catalog.no_version", version=version, **fields)
    if versions is not None:
        listed = ", ".join(str(v) for v in versions)
        says += both("catalog.versions_are", versions=listed or both("catalog.no_versions"))
    return table.error(says.en, message_id=says.id)


def _where(region: str | None) -> Text:
    return both("catalog.in_region", region=region) if region else Text("", "")
