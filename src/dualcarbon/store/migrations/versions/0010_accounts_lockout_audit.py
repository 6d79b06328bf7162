"""Account protection (docs/decisions/0010-lockout-sessions-audit.md): login counters with
exponential back-off replace the failure rows of 0006; session epochs let an admin end every
session of a user at once; the user audit trail records who changed which account, when and why.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # failures counted by the old rule are dropped: at worst an attacker gets a fresh allowance
    # once, at the upgrade
    op.drop_index("ix_login_failures_at", "login_failures")
    op.drop_index("ix_login_failures_email", "login_failures")
    op.drop_table("login_failures")
    op.create_table(
        "login_counters",
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_login_counters"),
    )
    op.create_index("ix_login_counters_last_at", "login_counters", ["last_at"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("web_sessions") as batch:
        batch.add_column(sa.Column("epoch", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "user_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(320), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name="fk_user_audit_actor_id_users"),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["users.id"], name="fk_user_audit_subject_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_user_audit"),
    )
    op.create_index("ix_user_audit_at", "user_audit", ["at"])
    op.create_index("ix_user_audit_subject_id", "user_audit", ["subject_id"])


def downgrade() -> None:
    op.drop_index("ix_user_audit_subject_id", "user_audit")
    op.drop_index("ix_user_audit_at", "user_audit")
    op.drop_table("user_audit")
    with op.batch_alter_table("web_sessions") as batch:
        batch.drop_column("epoch")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_epoch")
    op.drop_index("ix_login_counters_last_at", "login_counters")
    op.drop_table("login_counters")
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("client", sa.String(100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_failures"),
    )
    op.create_index("ix_login_failures_email", "login_failures", ["email"])
    op.create_index("ix_login_failures_at", "login_failures", ["at"])
