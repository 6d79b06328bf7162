"""PACT v3 product footprints (immutable versions), PACT API clients and the events they send.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "product_footprints",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("product_system_id", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deprecated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pcf_excluding_biogenic", sa.Double(), nullable=False),
        sa.Column("system_yaml", sa.Text(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_product_footprints"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name="fk_product_footprints_organisation_id_organisations",
        ),
        sa.UniqueConstraint(
            "organisation_id",
            "product_system_id",
            "version",
            name="uq_product_footprints_organisation_id",
        ),
    )
    op.create_index(
        "ix_product_footprints_organisation_id", "product_footprints", ["organisation_id"]
    )
    op.create_table(
        "pact_clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(100), nullable=False),
        sa.Column("secret_hash", sa.String(255), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("event_url", sa.String(500), nullable=True),
        sa.Column("event_auth_url", sa.String(500), nullable=True),
        sa.Column("event_client_id", sa.String(200), nullable=True),
        sa.Column("event_secret_sealed", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_pact_clients"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name="fk_pact_clients_organisation_id_organisations",
        ),
        sa.UniqueConstraint("client_id", name="uq_pact_clients_client_id"),
    )
    op.create_index("ix_pact_clients_organisation_id", "pact_clients", ["organisation_id"])
    op.create_table(
        "pact_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_pact_events"),
        sa.ForeignKeyConstraint(
            ["client_id"], ["pact_clients.id"], name="fk_pact_events_client_id_pact_clients"
        ),
    )
    op.create_index("ix_pact_events_client_id", "pact_events", ["client_id"])


def downgrade() -> None:
    op.drop_index("ix_pact_events_client_id", table_name="pact_events")
    op.drop_table("pact_events")
    op.drop_index("ix_pact_clients_organisation_id", table_name="pact_clients")
    op.drop_table("pact_clients")
    op.drop_index("ix_product_footprints_organisation_id", table_name="product_footprints")
    op.drop_table("product_footprints")
