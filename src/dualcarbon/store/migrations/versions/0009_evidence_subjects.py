"""Evidence: what each entry is about (one entry per thing per log), one correction per
inventory, and sign-offs that the database refuses to change.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06

``evidence_entries.subject`` names what an entry lodges (``inventory:12``, ``result:40``,
``signoff:7``, ``calibration:3``) and is unique within a log, so two concurrent submissions of
one inventory cannot both be lodged: the second insert fails on the index, whatever the requests
read before (docs/decisions/0008-evidence-commitments.md). ``corrects_id`` is the inventory a
correction corrects, unique within a log, so corrections of one inventory form a line even
under concurrency. Existing entries get their subject from their content; where an earlier race
lodged one inventory twice, the later entries keep a null subject (NULLs never collide in a
unique index) and stay in the log, which is append-only.

``result_signoffs`` gets the trigger ``results`` has had since 0001: no UPDATE, no DELETE.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_TRIGGERS = (
    """
CREATE TRIGGER result_signoffs_no_update BEFORE UPDATE ON result_signoffs
BEGIN
    SELECT RAISE(ABORT, 'results are immutable: sign-offs are kept as made');
END
""",
    """
CREATE TRIGGER result_signoffs_no_delete BEFORE DELETE ON result_signoffs
BEGIN
    SELECT RAISE(ABORT, 'results are immutable: sign-offs are kept as made');
END
""",
)

_POSTGRES_FUNCTION = """
CREATE FUNCTION dualcarbon_signoffs_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'results are immutable: sign-offs are kept as made'
        USING ERRCODE = 'restrict_violation';
END
$$
"""

_POSTGRES_TRIGGER = """
CREATE TRIGGER result_signoffs_immutable BEFORE UPDATE OR DELETE ON result_signoffs
FOR EACH ROW EXECUTE FUNCTION dualcarbon_signoffs_immutable()
"""


def subject_of(content: dict[str, object]) -> str | None:
    """The subject an entry's content lodges (the same rule as ``ledger.lodging``)."""
    kind = content.get("kind")
    key = {
        "submission": "inventory_id",
        "correction": "inventory_id",
        "calibration": "calibration_id",
        "result": "result_id",
        "signoff": "signoff_id",
    }.get(str(kind))
    if key is None or not isinstance(content.get(key), int):
        return None
    name = "inventory" if key == "inventory_id" else str(kind)
    return f"{name}:{content[key]}"


def upgrade() -> None:
    with op.batch_alter_table("evidence_entries") as batch:
        batch.add_column(sa.Column("subject", sa.String(64), nullable=True))
        batch.add_column(sa.Column("corrects_id", sa.Integer(), nullable=True))
    entries = sa.table(
        "evidence_entries",
        sa.column("id", sa.Integer()),
        sa.column("log_id", sa.String()),
        sa.column("content_json", sa.Text()),
        sa.column("subject", sa.String()),
        sa.column("corrects_id", sa.Integer()),
    )
    connection = op.get_bind()
    seen: set[tuple[str, str]] = set()
    corrected: set[tuple[str, int]] = set()
    rows = connection.execute(
        sa.select(entries.c.id, entries.c.log_id, entries.c.content_json).order_by(entries.c.id)
    )
    for entry_id, log_id, content_json in list(rows):
        content = json.loads(content_json)
        subject = subject_of(content)
        if subject is not None and (log_id, subject) in seen:
            subject = None
        corrects = content.get("corrects")
        corrects_id = corrects.get("inventory_id") if isinstance(corrects, dict) else None
        if not isinstance(corrects_id, int) or (log_id, corrects_id) in corrected:
            corrects_id = None
        if subject is None and corrects_id is None:
            continue
        if subject is not None:
            seen.add((log_id, subject))
        if corrects_id is not None:
            corrected.add((log_id, corrects_id))
        connection.execute(
            entries.update()
            .where(entries.c.id == entry_id)
            .values(subject=subject, corrects_id=corrects_id)
        )
    op.create_index(
        "uq_evidence_entries_subject", "evidence_entries", ["log_id", "subject"], unique=True
    )
    op.create_index(
        "uq_evidence_entries_corrects", "evidence_entries", ["log_id", "corrects_id"], unique=True
    )
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        for trigger in _SQLITE_TRIGGERS:
            op.execute(trigger)
    elif dialect == "postgresql":
        op.execute(_POSTGRES_FUNCTION)
        op.execute(_POSTGRES_TRIGGER)


def downgrade() -> None:
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS result_signoffs_no_update")
        op.execute("DROP TRIGGER IF EXISTS result_signoffs_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS result_signoffs_immutable ON result_signoffs")
        op.execute("DROP FUNCTION IF EXISTS dualcarbon_signoffs_immutable()")
    op.drop_index("uq_evidence_entries_corrects", "evidence_entries")
    op.drop_index("uq_evidence_entries_subject", "evidence_entries")
    with op.batch_alter_table("evidence_entries") as batch:
        batch.drop_column("corrects_id")
        batch.drop_column("subject")
