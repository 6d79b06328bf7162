"""Green certificates: batches held and claims cancelling them (issue 16; decision 0020).

A batch's ``remaining`` only falls, within 0 … quantity (checks); every other column of a batch,
and every claim, is kept as made (triggers).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEPT = "certificates are kept"
_FIXED = (
    "organisation_id",
    "serial_from",
    "serial_to",
    "serial_prefix",
    "serial_first",
    "serial_last",
    "quantity",
    "plant",
    "plant_name",
    "technology",
    "production_year",
    "production_month",
    "valid_until",
    "tradable",
    "origin",
    "contract",
    "source",
    "imported_by",
    "imported_at",
)

_SQLITE_TRIGGERS = (
    f"""
CREATE TRIGGER certificate_batches_kept BEFORE UPDATE ON certificate_batches
WHEN NEW.id IS NOT OLD.id OR NEW.remaining > OLD.remaining OR {
        " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _FIXED)
    }
BEGIN SELECT RAISE(ABORT, '{_KEPT}: only a claim lowers what remains of a batch'); END
""",
    f"""
CREATE TRIGGER certificate_batches_no_delete BEFORE DELETE ON certificate_batches
BEGIN SELECT RAISE(ABORT, '{_KEPT}: a batch is kept as imported'); END
""",
    f"""
CREATE TRIGGER certificate_claims_no_update BEFORE UPDATE ON certificate_claims
BEGIN SELECT RAISE(ABORT, '{_KEPT}: a claim is kept as made'); END
""",
    f"""
CREATE TRIGGER certificate_claims_no_delete BEFORE DELETE ON certificate_claims
BEGIN SELECT RAISE(ABORT, '{_KEPT}: a claim is kept as made'); END
""",
)

_POSTGRES = (
    f"""
CREATE FUNCTION dualcarbon_certificate_batch_kept() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed certificate_batches;
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '{_KEPT}: a batch is kept as imported' USING ERRCODE = 'restrict_violation';
    END IF;
    changed := NEW;
    changed.remaining := OLD.remaining;
    IF changed IS DISTINCT FROM OLD OR NEW.remaining > OLD.remaining THEN
        RAISE EXCEPTION '{_KEPT}: only a claim lowers what remains of a batch'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$
""",
    """
CREATE TRIGGER certificate_batches_kept BEFORE UPDATE OR DELETE ON certificate_batches
FOR EACH ROW EXECUTE FUNCTION dualcarbon_certificate_batch_kept()
""",
    f"""
CREATE FUNCTION dualcarbon_certificate_claim_kept() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{_KEPT}: a claim is kept as made' USING ERRCODE = 'restrict_violation';
END
$$
""",
    """
CREATE TRIGGER certificate_claims_kept BEFORE UPDATE OR DELETE ON certificate_claims
FOR EACH ROW EXECUTE FUNCTION dualcarbon_certificate_claim_kept()
""",
)


def upgrade() -> None:
    op.create_table(
        "certificate_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("serial_from", sa.String(40), nullable=False),
        sa.Column("serial_to", sa.String(40), nullable=False),
        sa.Column("serial_prefix", sa.String(40), nullable=False),
        sa.Column("serial_first", sa.BigInteger(), nullable=False),
        sa.Column("serial_last", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=False),
        sa.Column("plant", sa.String(100), nullable=False),
        sa.Column("plant_name", sa.String(200), nullable=False),
        sa.Column("technology", sa.String(20), nullable=False),
        sa.Column("production_year", sa.Integer(), nullable=False),
        sa.Column("production_month", sa.Integer(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("tradable", sa.Boolean(), nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("contract", sa.String(100), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("imported_by", sa.String(320), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_certificate_batches"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name="fk_certificate_batches_organisation_id_organisations",
        ),
        sa.UniqueConstraint(
            "serial_prefix", "serial_first", name="uq_certificate_batches_serial_prefix"
        ),
        sa.CheckConstraint(
            "remaining >= 0 AND remaining <= quantity", name="ck_certificate_batches_remaining"
        ),
        sa.CheckConstraint("quantity > 0", name="ck_certificate_batches_quantity"),
    )
    op.create_index(
        "ix_certificate_batches_organisation_id", "certificate_batches", ["organisation_id"]
    )
    op.create_index("ix_certificate_batches_plant", "certificate_batches", ["plant"])
    op.create_table(
        "certificate_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(40), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("consumption_from", sa.Date(), nullable=False),
        sa.Column("consumption_to", sa.Date(), nullable=False),
        sa.Column("claimed_by", sa.String(320), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_certificate_claims"),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["certificate_batches.id"],
            name="fk_certificate_claims_batch_id_certificate_batches",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name="fk_certificate_claims_organisation_id_organisations",
        ),
        sa.CheckConstraint("quantity > 0", name="ck_certificate_claims_quantity"),
    )
    op.create_index("ix_certificate_claims_batch_id", "certificate_claims", ["batch_id"])
    op.create_index(
        "ix_certificate_claims_organisation_id", "certificate_claims", ["organisation_id"]
    )
    op.create_index("ix_certificate_claims_reference", "certificate_claims", ["reference"])
    statements = _POSTGRES if op.get_bind().dialect.name == "postgresql" else _SQLITE_TRIGGERS
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS certificate_claims_kept ON certificate_claims")
        op.execute("DROP TRIGGER IF EXISTS certificate_batches_kept ON certificate_batches")
        op.execute("DROP FUNCTION IF EXISTS dualcarbon_certificate_claim_kept()")
        op.execute("DROP FUNCTION IF EXISTS dualcarbon_certificate_batch_kept()")
    op.drop_table("certificate_claims")
    op.drop_table("certificate_batches")
