"""Parks: a boundary over member organisations, their managers and what they declare per year
(issue 18; decision 0026).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "parks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("province", sa.String(50), nullable=False),
        sa.Column("level", sa.String(50), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_parks"),
        sa.UniqueConstraint("name", name="uq_parks_name"),
        sa.ForeignKeyConstraint(["manager_id"], ["users.id"], name="fk_parks_manager_id_users"),
    )
    op.create_index("ix_parks_manager_id", "parks", ["manager_id"])
    op.create_table(
        "park_members",
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("utility", sa.Boolean(), nullable=False),
        sa.Column("details_granted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("park_id", "organisation_id", name="pk_park_members"),
        sa.ForeignKeyConstraint(["park_id"], ["parks.id"], name="fk_park_members_park_id_parks"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name="fk_park_members_organisation_id_organisations",
        ),
    )
    op.create_index("ix_park_members_organisation_id", "park_members", ["organisation_id"])
    op.create_table(
        "park_years",
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("declaration", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(320), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("park_id", "year", name="pk_park_years"),
        sa.ForeignKeyConstraint(["park_id"], ["parks.id"], name="fk_park_years_park_id_parks"),
    )


def downgrade() -> None:
    op.drop_table("park_years")
    op.drop_table("park_members")
    op.drop_index("ix_parks_manager_id", table_name="parks")
    op.drop_table("parks")
