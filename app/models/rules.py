"""Zoning rules as versioned data (migration 0002): a rule set and the tables that hang off it.

Every rule row belongs to one `rule_set`; the newest rule set is the current one. The CHECK
constraints carry the names PostgreSQL gave the unnamed ones of 0002, so both sides agree.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import EMPTY_JSON, Base


def _rule_set_fk() -> Column[int]:
    return Column(
        "rule_set_id",
        Integer,
        ForeignKey("rule_set.id", ondelete="CASCADE"),
        nullable=False,
    )


def _rule_set_key() -> Mapped[int]:
    """Return the rule_set_id column that starts the primary key of an ORM rule table."""
    return mapped_column(ForeignKey("rule_set.id", ondelete="CASCADE"), primary_key=True)


def _validity() -> tuple[Column[Any], ...]:
    """Return the citation and validity columns every rule row has."""
    return (
        Column("source_id", Text),
        Column("article", Text),
        Column("valid_from", Date),
        Column("valid_to", Date),
    )


class RuleSet(Base):
    """One load of a pack's rule tables; the highest version is current."""

    __tablename__ = "rule_set"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    region_code: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(Text)
    counts: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=EMPTY_JSON)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class LegalSource(Base):
    """A regulation the rules cite (Perda, Permen), with its validity."""

    __tablename__ = "legal_source"

    rule_set_id: Mapped[int] = _rule_set_key()
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    citation: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    url: Mapped[str | None] = mapped_column(Text)


class ZoneClass(Base):
    """A zone or sub-zone code (e.g. R-2) with its names, class and map colour."""

    __tablename__ = "zone_class"
    __table_args__ = (
        CheckConstraint("class IN ('lindung', 'budidaya')", name="zone_class_class_check"),
    )

    rule_set_id: Mapped[int] = _rule_set_key()
    code: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str | None] = mapped_column(Text)
    class_: Mapped[str] = mapped_column("class", Text)
    zone_code: Mapped[str | None] = mapped_column(Text)
    zone_name: Mapped[str | None] = mapped_column(Text)
    colour: Mapped[str | None] = mapped_column(Text)


class ZoneAlias(Base):
    """A local zone code of a region's files mapped to a zone_class code."""

    __tablename__ = "zone_alias"

    rule_set_id: Mapped[int] = _rule_set_key()
    local_code: Mapped[str] = mapped_column(Text, primary_key=True)
    code: Mapped[str] = mapped_column(Text)


class Activity(Base):
    """An activity the ITBX matrix names (rumah tunggal, minimarket, ...)."""

    __tablename__ = "activity"

    rule_set_id: Mapped[int] = _rule_set_key()
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str | None] = mapped_column(Text)
    sector: Mapped[str | None] = mapped_column(Text)


class ActivityKbli(Base):
    """A five-digit KBLI 2020 code and the activity it maps to."""

    __tablename__ = "activity_kbli"
    __table_args__ = (CheckConstraint("kbli ~ '^[0-9]{5}$'", name="activity_kbli_kbli_check"),)

    rule_set_id: Mapped[int] = _rule_set_key()
    kbli: Mapped[str] = mapped_column(Text, primary_key=True)
    activity_id: Mapped[str] = mapped_column(Text)


# The three rule tables below have no primary key (several rows may share a key over
# time, told apart by their validity), so they are Core tables rather than ORM classes.
itbx_rule = Table(
    "itbx_rule",
    Base.metadata,
    _rule_set_fk(),
    Column("activity_id", Text, nullable=False),
    Column("zone_code", Text, nullable=False),
    Column("itbx", Text, nullable=False),
    Column("conditions", Text),
    Column("conditions_en", Text),
    *_validity(),
    # 0005: NULL applies to every zoning layer; a layer name only to that layer's zones.
    Column("layer", Text),
    CheckConstraint("itbx IN ('I', 'T', 'B', 'X', 'TB')", name="itbx_rule_itbx_check"),
    Index("itbx_rule_lookup", "rule_set_id", "activity_id", "zone_code"),
)

intensity_rule = Table(
    "intensity_rule",
    Base.metadata,
    _rule_set_fk(),
    Column("zone_code", Text, nullable=False),
    Column("kdb_max", Double),
    Column("klb_max", Double),
    Column("klb_min", Double),
    Column("kdh_min", Double),
    Column("ktb_max", Double),
    Column("height_max_m", Double),
    Column("floors_max", Integer),
    Column("gsb_m", Double),
    *_validity(),
    # 0005: the parcel-area class the row applies to (m², inclusive); NULL: every parcel.
    Column("min_area_m2", Double),
    Column("max_area_m2", Double),
    Index("intensity_rule_lookup", "rule_set_id", "zone_code"),
)

overlay_rule = Table(
    "overlay_rule",
    Base.metadata,
    _rule_set_fk(),
    Column("layer", Text, nullable=False),
    Column("class", Text, nullable=False),
    Column("effect", Text, nullable=False),
    Column("itbx", Text),
    Column("activities", ARRAY(Text), nullable=False, server_default=text("'{}'::text[]")),
    Column("sectors", ARRAY(Text), nullable=False, server_default=text("'{}'::text[]")),
    Column("restriction", Text, nullable=False),
    Column("restriction_en", Text),
    *_validity(),
    CheckConstraint("effect IN ('prohibit', 'restrict', 'note')", name="overlay_rule_effect_check"),
    CheckConstraint("itbx IN ('I', 'T', 'B', 'X', 'TB')", name="overlay_rule_itbx_check"),
)

# The permit route (KKKPR / PKKPR) and why, by the condition under which it applies
# (migration 0005); the CSV's `when` column is `applies_when` here (WHEN is SQL).
route_rule = Table(
    "route_rule",
    Base.metadata,
    _rule_set_fk(),
    Column("route", Text, nullable=False),
    Column("applies_when", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("reason_en", Text),
    *_validity(),
    CheckConstraint("route IN ('KKKPR', 'PKKPR')", name="route_rule_route_check"),
    CheckConstraint("applies_when IN ('all_rdtr_oss', 'otherwise')", name="route_rule_when_check"),
    Index("route_rule_lookup", "rule_set_id"),
)

# Which rule activity a budget sub-activity is (the pack's optional project_types.csv,
# migration 0007): a project whose activity is X in its zone is flagged forbidden_zone.
project_type = Table(
    "project_type",
    Base.metadata,
    _rule_set_fk(),
    Column("sub_activity_code", Text),
    Column("sub_activity", Text),
    Column("activity_id", Text, nullable=False),
    CheckConstraint(
        "sub_activity_code IS NOT NULL OR sub_activity IS NOT NULL",
        name="project_type_names_something",
    ),
    Index("project_type_lookup", "rule_set_id"),
)


# Thresholds on the region's rasters (the pack's optional raster_rules.csv, migration 0009):
# where `raster op value` holds on more than `min_share` of the parcel (or at the point), the
# check reports the finding and, for the activities or sectors named, makes that part stricter.
raster_rule = Table(
    "raster_rule",
    Base.metadata,
    _rule_set_fk(),
    Column("raster", Text, nullable=False),
    Column("op", Text, nullable=False),
    Column("value", Double, nullable=False),
    Column("min_share", Double, nullable=False, server_default=text("0")),
    Column("effect", Text, nullable=False),
    Column("itbx", Text),
    Column("activities", ARRAY(Text), nullable=False, server_default=text("'{}'::text[]")),
    Column("sectors", ARRAY(Text), nullable=False, server_default=text("'{}'::text[]")),
    Column("finding", Text, nullable=False),
    Column("finding_en", Text),
    *_validity(),
    CheckConstraint("op IN ('>', '>=', '<', '<=', '=')", name="raster_rule_op_check"),
    CheckConstraint("effect IN ('prohibit', 'restrict', 'note')", name="raster_rule_effect_check"),
    CheckConstraint("itbx IN ('I', 'T', 'B', 'X', 'TB')", name="raster_rule_itbx_check"),
    CheckConstraint("min_share >= 0 AND min_share < 1", name="raster_rule_share_check"),
    Index("raster_rule_lookup", "rule_set_id"),
)
