"""The verifier's checklist: answers per item (append-only), non-conformities with their
corrective actions, CEMS monthly data attached for the comparison with the accounting, and the
checklist digest an approval rests on (issue 14, item 2).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "verification_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(60), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_verification_answers"),
        sa.ForeignKeyConstraint(
            ["result_id"], ["results.id"], name="fk_verification_answers_result_id_results"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_verification_answers_user_id_users"
        ),
    )
    op.create_index("ix_verification_answers_result_id", "verification_answers", ["result_id"])
    op.create_table(
        "verification_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(60), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("raised_by", sa.Integer(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("corrective_action", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closing_note", sa.Text(), nullable=True),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_verification_findings"),
        sa.ForeignKeyConstraint(
            ["result_id"], ["results.id"], name="fk_verification_findings_result_id_results"
        ),
        sa.ForeignKeyConstraint(
            ["raised_by"], ["users.id"], name="fk_verification_findings_raised_by_users"
        ),
        sa.ForeignKeyConstraint(
            ["answered_by"], ["users.id"], name="fk_verification_findings_answered_by_users"
        ),
        sa.ForeignKeyConstraint(
            ["closed_by"], ["users.id"], name="fk_verification_findings_closed_by_users"
        ),
    )
    op.create_index("ix_verification_findings_result_id", "verification_findings", ["result_id"])
    op.create_table(
        "verification_cems",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("rows_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_verification_cems"),
        sa.ForeignKeyConstraint(
            ["result_id"], ["results.id"], name="fk_verification_cems_result_id_results"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_verification_cems_user_id_users"
        ),
    )
    op.create_index("ix_verification_cems_result_id", "verification_cems", ["result_id"])
    with op.batch_alter_table("result_signoffs") as batch:
        batch.add_column(sa.Column("checklist_sha256", sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_index("ix_verification_cems_result_id", "verification_cems")
    op.drop_table("verification_cems")
    with op.batch_alter_table("result_signoffs") as batch:
        batch.drop_column("checklist_sha256")
    op.drop_index("ix_verification_findings_result_id", "verification_findings")
    op.drop_table("verification_findings")
    op.drop_index("ix_verification_answers_result_id", "verification_answers")
    op.drop_table("verification_answers")
