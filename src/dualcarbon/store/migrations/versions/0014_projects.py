"""Projects: monitoring periods claimed with their results, issuances, and the platform-wide
table of electricity claimed per plant and month (issue 15; decision 0019). Periods and
issuances are append-only; a claim of an issued period cannot be deleted.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LOCKED = "claims are locked"

_SQLITE_TRIGGERS = (
    f"""
CREATE TRIGGER project_periods_no_update BEFORE UPDATE ON project_periods
BEGIN SELECT RAISE(ABORT, '{_LOCKED}: a monitoring period is kept as claimed'); END
""",
    f"""
CREATE TRIGGER project_periods_no_delete BEFORE DELETE ON project_periods
BEGIN SELECT RAISE(ABORT, '{_LOCKED}: a monitoring period is kept as claimed'); END
""",
    f"""
CREATE TRIGGER project_issuances_no_update BEFORE UPDATE ON project_issuances
BEGIN SELECT RAISE(ABORT, '{_LOCKED}: an issuance is kept as made'); END
""",
    f"""
CREATE TRIGGER project_issuances_no_delete BEFORE DELETE ON project_issuances
BEGIN SELECT RAISE(ABORT, '{_LOCKED}: an issuance is kept as made'); END
""",
    f"""
CREATE TRIGGER electricity_claims_no_update BEFORE UPDATE ON electricity_claims
BEGIN SELECT RAISE(ABORT, '{_LOCKED}: a claim is kept as made'); END
""",
    f"""
CREATE TRIGGER electricity_claims_issued_kept BEFORE DELETE ON electricity_claims
WHEN EXISTS (SELECT 1 FROM project_issuances WHERE period_id = OLD.period_id)
BEGIN SELECT RAISE(ABORT, '{_LOCKED}: the period is issued'); END
""",
)

_POSTGRES = (
    f"""
CREATE FUNCTION dualcarbon_project_rows_kept() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{_LOCKED}: % rows are kept as made', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$
""",
    """
CREATE TRIGGER project_periods_kept BEFORE UPDATE OR DELETE ON project_periods
FOR EACH ROW EXECUTE FUNCTION dualcarbon_project_rows_kept()
""",
    """
CREATE TRIGGER project_issuances_kept BEFORE UPDATE OR DELETE ON project_issuances
FOR EACH ROW EXECUTE FUNCTION dualcarbon_project_rows_kept()
""",
    """
CREATE TRIGGER electricity_claims_no_update BEFORE UPDATE ON electricity_claims
FOR EACH ROW EXECUTE FUNCTION dualcarbon_project_rows_kept()
""",
    f"""
CREATE FUNCTION dualcarbon_issued_claims_kept() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM project_issuances WHERE period_id = OLD.period_id) THEN
        RAISE EXCEPTION '{_LOCKED}: the period is issued' USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN OLD;
END
$$
""",
    """
CREATE TRIGGER electricity_claims_issued_kept BEFORE DELETE ON electricity_claims
FOR EACH ROW EXECUTE FUNCTION dualcarbon_issued_claims_kept()
""",
)


def upgrade() -> None:
    with op.batch_alter_table("calibrations") as batch:
        batch.add_column(sa.Column("error_found", sa.Double(), nullable=True))
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("methodology", sa.String(100), nullable=False),
        sa.Column("plant", sa.String(100), nullable=False),
        sa.Column("crediting_start", sa.Date(), nullable=True),
        sa.Column("crediting_end", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_projects"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name="fk_projects_organisation_id_organisations",
        ),
        sa.UniqueConstraint("reference", name="uq_projects_reference"),
    )
    op.create_index("ix_projects_organisation_id", "projects", ["organisation_id"])
    op.create_table(
        "project_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("methodology", sa.String(100), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("project_json", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("result_json", sa.Text(), nullable=False),
        sa.Column("result_sha256", sa.String(64), nullable=False),
        sa.Column("register_json", sa.Text(), nullable=False),
        sa.Column("report_zh", sa.Text(), nullable=False),
        sa.Column("report_en", sa.Text(), nullable=False),
        sa.Column("total_tco2e", sa.Double(), nullable=False),
        sa.Column("expanded_u_tco2e", sa.Double(), nullable=False),
        sa.Column("claimed_by", sa.String(320), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_project_periods"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_project_periods_project_id_projects"
        ),
        sa.ForeignKeyConstraint(
            ["corrects_id"],
            ["project_periods.id"],
            name="fk_project_periods_corrects_id_project_periods",
        ),
        sa.UniqueConstraint("corrects_id", name="uq_project_periods_corrects_id"),
    )
    op.create_index("ix_project_periods_project_id", "project_periods", ["project_id"])
    op.create_table(
        "project_issuances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("issued_tco2e", sa.Double(), nullable=False),
        sa.Column("notice", sa.String(300), nullable=False),
        sa.Column("issued_by", sa.String(320), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_project_issuances"),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["project_periods.id"],
            name="fk_project_issuances_period_id_project_periods",
        ),
        sa.UniqueConstraint("period_id", name="uq_project_issuances_period_id"),
    )
    op.create_table(
        "electricity_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plant", sa.String(100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("mwh", sa.Double(), nullable=False),
        sa.Column("scheme", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_electricity_claims"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name="fk_electricity_claims_organisation_id_organisations",
        ),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["project_periods.id"],
            name="fk_electricity_claims_period_id_project_periods",
        ),
        sa.UniqueConstraint("plant", "year", "month", name="uq_electricity_claims_plant"),
    )
    op.create_index(
        "ix_electricity_claims_organisation_id", "electricity_claims", ["organisation_id"]
    )
    op.create_index("ix_electricity_claims_period_id", "electricity_claims", ["period_id"])
    statements = _POSTGRES if op.get_bind().dialect.name == "postgresql" else _SQLITE_TRIGGERS
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS electricity_claims_issued_kept ON electricity_claims")
        op.execute("DROP TRIGGER IF EXISTS electricity_claims_no_update ON electricity_claims")
        op.execute("DROP TRIGGER IF EXISTS project_issuances_kept ON project_issuances")
        op.execute("DROP TRIGGER IF EXISTS project_periods_kept ON project_periods")
        op.execute("DROP FUNCTION IF EXISTS dualcarbon_issued_claims_kept()")
        op.execute("DROP FUNCTION IF EXISTS dualcarbon_project_rows_kept()")
    with op.batch_alter_table("calibrations") as batch:
        batch.drop_column("error_found")
    op.drop_table("electricity_claims")
    op.drop_table("project_issuances")
    op.drop_table("project_periods")
    op.drop_table("projects")
