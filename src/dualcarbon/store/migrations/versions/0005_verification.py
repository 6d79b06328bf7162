"""Verification: comments on results and verifiers' sign-offs (both append-only).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "result_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_result_comments"),
        sa.ForeignKeyConstraint(
            ["result_id"], ["results.id"], name="fk_result_comments_result_id_results"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_result_comments_user_id_users"),
    )
    op.create_index("ix_result_comments_result_id", "result_comments", ["result_id"])
    op.create_table(
        "result_signoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_result_signoffs"),
        sa.ForeignKeyConstraint(
            ["result_id"], ["results.id"], name="fk_result_signoffs_result_id_results"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_result_signoffs_user_id_users"),
    )
    op.create_index("ix_result_signoffs_result_id", "result_signoffs", ["result_id"])


def downgrade() -> None:
    op.drop_index("ix_result_signoffs_result_id", "result_signoffs")
    op.drop_table("result_signoffs")
    op.drop_index("ix_result_comments_result_id", "result_comments")
    op.drop_table("result_comments")
