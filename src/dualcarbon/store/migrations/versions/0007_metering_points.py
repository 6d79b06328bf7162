"""Metering points of an organisation's register, so the GB 17167 coverage review runs on the
stored register as it does on the register file.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "metering_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(100), nullable=False),
        sa.Column("energy", sa.String(50), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("unit", sa.String(100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("instrument", sa.String(100), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_metering_points"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name="fk_metering_points_organisation_id_organisations",
        ),
        sa.UniqueConstraint("organisation_id", "code", name="uq_metering_points_organisation_id"),
    )
    op.create_index("ix_metering_points_organisation_id", "metering_points", ["organisation_id"])


def downgrade() -> None:
    op.drop_index("ix_metering_points_organisation_id", table_name="metering_points")
    op.drop_table("metering_points")
