"""Measuring instruments and their calibration records, per organisation.

Revision ID: 0002
Revises: 0001
Create Date: 2026-02-01

Written out by hand like 0001, so the migration keeps meaning the same schema whatever the models
become; tests/store checks that autogenerate finds no difference between the two.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "instruments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(100), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("quantity", sa.Text(), nullable=False),
        sa.Column("energy", sa.String(50), nullable=False),
        sa.Column("unit", sa.String(100), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("accuracy", sa.String(50), nullable=False),
        sa.Column("range_min", sa.Double(), nullable=True),
        sa.Column("range_max", sa.Double(), nullable=True),
        sa.Column("range_unit", sa.String(50), nullable=True),
        sa.Column("serial", sa.Text(), nullable=False),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("interval_months", sa.Integer(), nullable=False),
        sa.Column("application", sa.String(100), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_instruments"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name="fk_instruments_organisation_id_organisations",
        ),
        sa.UniqueConstraint("organisation_id", "code", name="uq_instruments_organisation_id"),
    )
    op.create_index("ix_instruments_organisation_id", "instruments", ["organisation_id"])
    op.create_table(
        "calibrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("institute", sa.Text(), nullable=False),
        sa.Column("certificate", sa.String(200), nullable=False),
        sa.Column("result", sa.String(10), nullable=False),
        sa.Column("traceable_to", sa.Text(), nullable=False),
        sa.Column("next_due", sa.Date(), nullable=True),
        sa.Column("expanded_uncertainty", sa.Double(), nullable=True),
        sa.Column("uncertainty_unit", sa.String(50), nullable=False),
        sa.Column("coverage_factor", sa.Double(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_calibrations"),
        sa.ForeignKeyConstraint(
            ["instrument_id"], ["instruments.id"], name="fk_calibrations_instrument_id_instruments"
        ),
        sa.UniqueConstraint(
            "instrument_id", "date", "certificate", name="uq_calibrations_instrument_id"
        ),
    )
    op.create_index("ix_calibrations_instrument_id", "calibrations", ["instrument_id"])


def downgrade() -> None:
    op.drop_index("ix_calibrations_instrument_id", table_name="calibrations")
    op.drop_table("calibrations")
    op.drop_index("ix_instruments_organisation_id", table_name="instruments")
    op.drop_table("instruments")
