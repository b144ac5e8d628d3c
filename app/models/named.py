"""What the layer and raster catalogs share: a named thing, its versions and its audit trail.

A layer and a raster are both "a named thing of a region whose versions are kept, one of them
current": these mixins hold the columns and constraints the two have in common; each model
adds its own (a layer version's bounds and field map, a raster version's grid and COG).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from app.models.base import EMPTY_JSON

EVENTS = ("load", "rollback")


def named_args(table: str, kinds: tuple[str, ...]) -> tuple[Any, ...]:
    """Return the constraints of a named table: name format, known kind, unique per region."""
    return (
        CheckConstraint("name ~ '^[a-z][a-z0-9_]{0,62}$'", name=f"{table}_name_format"),
        CheckConstraint(f"kind IN {kinds!r}", name=f"{table}_kind_known"),
        # Names are unique within a region; NULL (loaded without a region) is one namespace.
        UniqueConstraint(
            "region_code",
            "name",
            name=f"{table}_region_name_key",
            postgresql_nulls_not_distinct=True,
        ),
    )


def event_args(table: str, owner: str) -> tuple[Any, ...]:
    """Return the constraints of an audit table: a known action, indexed by owner and id."""
    return (
        CheckConstraint(f"action IN {EVENTS!r}", name=f"{table}_action_known"),
        Index(f"{table}_{owner}_idx", f"{owner}_id", "id"),
    )


class Named:
    """A named thing; `current_version_id` points at the `<table>_version` row that is served."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    # The Kemendagri code of the region it belongs to (migration 0005); NULL: none.
    region_code: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    @declared_attr
    def current_version_id(cls) -> Mapped[int | None]:
        """Return the column pointing at the current version (a foreign key added after both)."""
        table = cls.__tablename__  # type: ignore[attr-defined]
        return mapped_column(
            ForeignKey(f"{table}_version.id", use_alter=True, name=f"{table}_current_version_fk")
        )


class Version:
    """One load of a named thing: its title, kind, source, checksum and report. Earlier stay."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    # The English title (migration 0012); NULL: none given, English pages show `title`.
    title_en: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    source_file: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(Text)
    licence: Mapped[str | None] = mapped_column(Text)
    report: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=EMPTY_JSON)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Event:
    """An audit entry: a version made current by a load or a rollback, by whom and when."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(Text)
    from_version: Mapped[int | None] = mapped_column(Integer)
    to_version: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    happened_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
