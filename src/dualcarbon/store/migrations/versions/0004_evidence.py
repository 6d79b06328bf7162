"""Evidence ledger: append-only Merkle logs, their entries and signed tree heads.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

Written out by hand like the earlier revisions; tests/store checks that autogenerate finds no
difference between this schema and the models (docs/decisions/0005-evidence-ledger.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evidence_logs",
        sa.Column("log_id", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("compact_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("log_id", name="pk_evidence_logs"),
    )
    op.create_table(
        "evidence_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("log_id", sa.String(64), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("inventory_id", sa.Integer(), nullable=True),
        sa.Column("content_json", sa.Text(), nullable=False),
        sa.Column("leaf_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_evidence_entries"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name="fk_evidence_entries_organisation_id_organisations",
        ),
        sa.ForeignKeyConstraint(
            ["inventory_id"],
            ["inventories.id"],
            name="fk_evidence_entries_inventory_id_inventories",
        ),
        sa.UniqueConstraint("log_id", "sequence", name="uq_evidence_entries_log_id"),
    )
    op.create_index("ix_evidence_entries_log_id", "evidence_entries", ["log_id"])
    op.create_index("ix_evidence_entries_organisation_id", "evidence_entries", ["organisation_id"])
    op.create_index("ix_evidence_entries_inventory_id", "evidence_entries", ["inventory_id"])
    op.create_table(
        "evidence_heads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("log_id", sa.String(64), nullable=False),
        sa.Column("tree_size", sa.Integer(), nullable=False),
        sa.Column("root_hash", sa.String(64), nullable=False),
        sa.Column("leaf_hash", sa.String(64), nullable=False),
        sa.Column("timestamp", sa.String(40), nullable=False),
        sa.Column("signature", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_evidence_heads"),
        sa.UniqueConstraint("log_id", "tree_size", name="uq_evidence_heads_log_id"),
    )
    op.create_index("ix_evidence_heads_log_id", "evidence_heads", ["log_id"])


def downgrade() -> None:
    op.drop_index("ix_evidence_heads_log_id", "evidence_heads")
    op.drop_table("evidence_heads")
    op.drop_index("ix_evidence_entries_inventory_id", "evidence_entries")
    op.drop_index("ix_evidence_entries_organisation_id", "evidence_entries")
    op.drop_index("ix_evidence_entries_log_id", "evidence_entries")
    op.drop_table("evidence_entries")
    op.drop_table("evidence_logs")
