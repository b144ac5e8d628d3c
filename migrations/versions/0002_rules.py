"""Zoning rules as versioned data: zone classes, activities (KBLI), ITBX, intensity, overlays.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = """
CREATE TABLE rule_set (
    id serial PRIMARY KEY,
    version integer NOT NULL UNIQUE,
    region_code text,
    source text NOT NULL,
    checksum text NOT NULL,
    counts jsonb NOT NULL DEFAULT '{}'::jsonb,
    loaded_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE legal_source (
    rule_set_id integer NOT NULL REFERENCES rule_set(id) ON DELETE CASCADE,
    id text NOT NULL,
    citation text NOT NULL,
    title text,
    valid_from date,
    valid_to date,
    url text,
    PRIMARY KEY (rule_set_id, id)
);
CREATE TABLE zone_class (
    rule_set_id integer NOT NULL REFERENCES rule_set(id) ON DELETE CASCADE,
    code text NOT NULL,
    name text NOT NULL,
    name_en text,
    class text NOT NULL CHECK (class IN ('lindung', 'budidaya')),
    zone_code text,
    zone_name text,
    colour text,
    PRIMARY KEY (rule_set_id, code)
);
CREATE TABLE zone_alias (
    rule_set_id integer NOT NULL REFERENCES rule_set(id) ON DELETE CASCADE,
    local_code text NOT NULL,
    code text NOT NULL,
    PRIMARY KEY (rule_set_id, local_code)
);
CREATE TABLE activity (
    rule_set_id integer NOT NULL REFERENCES rule_set(id) ON DELETE CASCADE,
    id text NOT NULL,
    name text NOT NULL,
    name_en text,
    sector text,
    PRIMARY KEY (rule_set_id, id)
);
CREATE TABLE activity_kbli (
    rule_set_id integer NOT NULL REFERENCES rule_set(id) ON DELETE CASCADE,
    kbli text NOT NULL CHECK (kbli ~ '^[0-9]{5}$'),
    activity_id text NOT NULL,
    PRIMARY KEY (rule_set_id, kbli)
);
CREATE TABLE itbx_rule (
    rule_set_id integer NOT NULL REFERENCES rule_set(id) ON DELETE CASCADE,
    activity_id text NOT NULL,
    zone_code text NOT NULL,
    itbx text NOT NULL CHECK (itbx IN ('I', 'T', 'B', 'X', 'TB')),
    conditions text,
    conditions_en text,
    source_id text,
    article text,
    valid_from date,
    valid_to date
);
CREATE INDEX itbx_rule_lookup ON itbx_rule (rule_set_id, activity_id, zone_code);
CREATE TABLE intensity_rule (
    rule_set_id integer NOT NULL REFERENCES rule_set(id) ON DELETE CASCADE,
    zone_code text NOT NULL,
    kdb_max double precision,
    klb_max double precision,
    klb_min double precision,
    kdh_min double precision,
    ktb_max double precision,
    height_max_m double precision,
    floors_max integer,
    gsb_m double precision,
    source_id text,
    article text,
    valid_from date,
    valid_to date
);
CREATE INDEX intensity_rule_lookup ON intensity_rule (rule_set_id, zone_code);
CREATE TABLE overlay_rule (
    rule_set_id integer NOT NULL REFERENCES rule_set(id) ON DELETE CASCADE,
    layer text NOT NULL,
    class text NOT NULL,
    effect text NOT NULL CHECK (effect IN ('prohibit', 'restrict', 'note')),
    itbx text CHECK (itbx IN ('I', 'T', 'B', 'X', 'TB')),
    activities text[] NOT NULL DEFAULT '{}',
    sectors text[] NOT NULL DEFAULT '{}',
    restriction text NOT NULL,
    restriction_en text,
    source_id text,
    article text,
    valid_from date,
    valid_to date
);
"""


def upgrade() -> None:
    for statement in TABLES.split(";"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    for table in (
        "overlay_rule",
        "intensity_rule",
        "itbx_rule",
        "activity_kbli",
        "activity",
        "zone_alias",
        "zone_class",
        "legal_source",
        "rule_set",
    ):
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
