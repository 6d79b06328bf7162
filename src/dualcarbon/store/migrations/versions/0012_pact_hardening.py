"""PACT hardening: a received event is kept once per client, source and id (CloudEvents 1.0
identity), and PACT deliveries owed to partners are kept until delivered (retries with
back-off that survive a restart). Decision 0012.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # repeats stored before the constraint existed: keep the first receipt of each event
    op.execute(
        "DELETE FROM pact_events WHERE id NOT IN ("
        " SELECT keep FROM (SELECT MIN(id) AS keep FROM pact_events"
        " GROUP BY client_id, source, event_id) AS firsts)"
    )
    with op.batch_alter_table("pact_events") as batch:
        batch.create_unique_constraint(
            "uq_pact_events_client_id", ["client_id", "source", "event_id"]
        )
    op.create_table(
        "pact_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_pact_deliveries"),
        sa.ForeignKeyConstraint(
            ["client_id"], ["pact_clients.id"], name="fk_pact_deliveries_client_id_pact_clients"
        ),
    )
    op.create_index("ix_pact_deliveries_client_id", "pact_deliveries", ["client_id"])
    op.create_index("ix_pact_deliveries_status", "pact_deliveries", ["status"])


def downgrade() -> None:
    op.drop_index("ix_pact_deliveries_status", table_name="pact_deliveries")
    op.drop_index("ix_pact_deliveries_client_id", table_name="pact_deliveries")
    op.drop_table("pact_deliveries")
    with op.batch_alter_table("pact_events") as batch:
        batch.drop_constraint("uq_pact_events_client_id", type_="unique")
