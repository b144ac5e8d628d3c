"""APBD projects with their places and integrity flags, village PPID, staff keys and the audit.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

FLAGS = (
    "outside_region",
    "outside_desa",
    "forbidden_zone",
    "protected_zone",
    "duplicate",
    "over_budget",
    "done_unpaid",
    "paid_not_started",
    "unplaced",
)
PLACED_BY = ("coordinates", "wkt", "desa_code", "text")


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE api_key (
            id serial PRIMARY KEY,
            name text NOT NULL,
            role text NOT NULL CONSTRAINT api_key_role_known CHECK (role IN ('staff', 'admin')),
            key_hash text NOT NULL CONSTRAINT api_key_hash_unique UNIQUE,
            prefix text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            revoked_at timestamptz,
            last_used_at timestamptz
        )
        """
    )
    op.execute(
        """
        CREATE TABLE audit_event (
            id bigserial PRIMARY KEY,
            happened_at timestamptz NOT NULL DEFAULT now(),
            actor text,
            role text,
            via text NOT NULL CONSTRAINT audit_event_via_known CHECK (via IN ('api', 'cli')),
            action text NOT NULL,
            target text,
            counts jsonb NOT NULL DEFAULT '{}'::jsonb,
            detail jsonb NOT NULL DEFAULT '{}'::jsonb
        )
        """
    )
    op.execute("CREATE INDEX audit_event_time_idx ON audit_event (happened_at DESC, id DESC)")
    op.execute(
        """
        CREATE TABLE project_import (
            id serial PRIMARY KEY,
            year integer NOT NULL,
            source_file text NOT NULL,
            checksum text NOT NULL,
            sheet text,
            field_map jsonb NOT NULL DEFAULT '{}'::jsonb,
            actor text,
            imported_at timestamptz NOT NULL DEFAULT now(),
            counts jsonb NOT NULL DEFAULT '{}'::jsonb,
            report jsonb NOT NULL DEFAULT '{}'::jsonb
        )
        """
    )
    op.execute(
        f"""
        CREATE TABLE project (
            id bigserial PRIMARY KEY,
            year integer NOT NULL,
            key text NOT NULL,
            ref text,
            row_hash text NOT NULL,
            opd_code text,
            opd_name text,
            program text,
            activity text,
            sub_activity_code text,
            sub_activity text,
            name text NOT NULL,
            source text,
            pagu bigint,
            realisation bigint,
            progress numeric(6, 2)
                CONSTRAINT project_progress_range CHECK (progress BETWEEN 0 AND 100),
            contract_no text,
            contract_value bigint,
            contractor text,
            start_date date,
            end_date date,
            kbli text,
            location_text text,
            given_desa_code text,
            given_kecamatan text,
            placed_by text
                CONSTRAINT project_placed_by_known CHECK (placed_by IN ({_in(PLACED_BY)})),
            match_confidence real,
            geom geometry(Geometry, 4326),
            region_code text,
            desa_code text,
            kecamatan_code text,
            zones text[] NOT NULL DEFAULT '{{}}',
            import_id integer REFERENCES project_import(id) ON DELETE SET NULL,
            line integer,
            raw jsonb NOT NULL DEFAULT '{{}}'::jsonb,
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT project_year_key UNIQUE (year, key)
        )
        """
    )
    op.execute("CREATE INDEX project_geom_idx ON project USING gist (geom)")
    op.execute("CREATE INDEX project_desa_idx ON project (year, desa_code)")
    op.execute("CREATE INDEX project_kecamatan_idx ON project (year, kecamatan_code)")
    op.execute("CREATE INDEX project_opd_idx ON project (year, opd_code)")
    op.execute(
        f"""
        CREATE TABLE project_flag (
            id bigserial PRIMARY KEY,
            project_id bigint NOT NULL REFERENCES project(id) ON DELETE CASCADE,
            flag text NOT NULL CONSTRAINT project_flag_known CHECK (flag IN ({_in(FLAGS)})),
            other_id bigint REFERENCES project(id) ON DELETE CASCADE,
            reason_id text NOT NULL,
            reason_en text NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX project_flag_project_idx ON project_flag (project_id)")
    op.execute("CREATE INDEX project_flag_flag_idx ON project_flag (flag)")
    op.execute(
        """
        CREATE TABLE ppid (
            desa_code text PRIMARY KEY,
            formed boolean NOT NULL,
            decree_no text,
            decree_date date,
            website text,
            info_count integer CONSTRAINT ppid_info_count_positive CHECK (info_count >= 0),
            last_update date,
            source_file text,
            line integer,
            updated_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )


    op.execute(
        """
        CREATE TABLE project_type (
            rule_set_id integer NOT NULL REFERENCES rule_set(id) ON DELETE CASCADE,
            sub_activity_code text,
            sub_activity text,
            activity_id text NOT NULL,
            CONSTRAINT project_type_names_something
                CHECK (sub_activity_code IS NOT NULL OR sub_activity IS NOT NULL)
        )
        """
    )
    op.execute("CREATE INDEX project_type_lookup ON project_type (rule_set_id)")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS project_type")
    for table in ("ppid", "project_flag", "project", "project_import", "audit_event", "api_key"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
