"""Initial store: organisations, facilities, inventories, results, factor versions.

Revision ID: 0001
Revises:
Create Date: 2026-01-01

The tables are written out here rather than created from the models, so this migration keeps
meaning the same schema whatever the models become later. Results are made immutable in the
database itself by a trigger refusing any UPDATE (docs/decisions/0002-store.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_TRIGGER = """
CREATE TRIGGER results_immutable BEFORE UPDATE ON results
BEGIN
    SELECT RAISE(ABORT, 'results are immutable');
END
"""

_POSTGRES_FUNCTION = """
CREATE FUNCTION dualcarbon_results_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'results are immutable' USING ERRCODE = 'restrict_violation';
END
$$
"""

_POSTGRES_TRIGGER = """
CREATE TRIGGER results_immutable BEFORE UPDATE ON results
FOR EACH ROW EXECUTE FUNCTION dualcarbon_results_immutable()
"""


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_organisations"),
        sa.UniqueConstraint("name", name="uq_organisations_name"),
    )
    op.create_table(
        "facilities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("region", sa.String(50), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_facilities"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name="fk_facilities_organisation_id_organisations",
        ),
        sa.UniqueConstraint("organisation_id", "name", name="uq_facilities_organisation_id"),
    )
    op.create_index("ix_facilities_organisation_id", "facilities", ["organisation_id"])
    op.create_table(
        "inventories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("methodology_id", sa.String(100), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("inventory_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_inventories"),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name="fk_inventories_facility_id_facilities"
        ),
        sa.UniqueConstraint("facility_id", "year", "digest", name="uq_inventories_facility_id"),
    )
    op.create_index("ix_inventories_facility_id", "inventories", ["facility_id"])
    op.create_table(
        "results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inventory_id", sa.Integer(), nullable=False),
        sa.Column("methodology", sa.String(100), nullable=False),
        sa.Column("factor_refs", sa.JSON(), nullable=False),
        sa.Column("total_tco2e", sa.Double(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("engine_version", sa.String(100), nullable=False),
        sa.Column("result_json", sa.Text(), nullable=False),
        sa.Column("result_sha256", sa.String(64), nullable=False),
        sa.Column("lines_parquet", sa.LargeBinary(), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_results"),
        sa.ForeignKeyConstraint(
            ["inventory_id"], ["inventories.id"], name="fk_results_inventory_id_inventories"
        ),
    )
    op.create_index("ix_results_inventory_id", "results", ["inventory_id"])
    op.create_table(
        "factor_versions",
        sa.Column("ref", sa.String(300), nullable=False),
        sa.Column("id", sa.String(300), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("gas", sa.String(20), nullable=True),
        sa.Column("name_zh", sa.String(300), nullable=False),
        sa.Column("name_en", sa.String(300), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("unit", sa.String(50), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("region", sa.String(50), nullable=False),
        sa.Column("source_id", sa.String(100), nullable=False),
        sa.Column("source_table", sa.String(200), nullable=False),
        sa.Column("supersedes", sa.String(300), nullable=True),
        sa.Column("superseded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("ref", name="pk_factor_versions"),
    )
    op.create_index("ix_factor_versions_id", "factor_versions", ["id"])

    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        op.execute(_SQLITE_TRIGGER)
    elif dialect == "postgresql":
        op.execute(_POSTGRES_FUNCTION)
        op.execute(_POSTGRES_TRIGGER)


def downgrade() -> None:
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS results_immutable")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS results_immutable ON results")
        op.execute("DROP FUNCTION IF EXISTS dualcarbon_results_immutable()")
    op.drop_index("ix_factor_versions_id", table_name="factor_versions")
    op.drop_table("factor_versions")
    op.drop_index("ix_results_inventory_id", table_name="results")
    op.drop_table("results")
    op.drop_index("ix_inventories_facility_id", table_name="inventories")
    op.drop_table("inventories")
    op.drop_index("ix_facilities_organisation_id", table_name="facilities")
    op.drop_table("facilities")
    op.drop_table("organisations")
