"""The shipped migrations build the schema the models describe, and take it down again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from dualcarbon.store import current_revision, downgrade, head_revision, make_engine, upgrade
from dualcarbon.store.models import Base

TABLES = {
    "organisations",
    "product_footprints",
    "pact_clients",
    "pact_events",
    "pact_deliveries",
    "facilities",
    "inventories",
    "results",
    "factor_versions",
    "instruments",
    "calibrations",
    "users",
    "user_organisations",
    "api_keys",
    "web_sessions",
    "evidence_logs",
    "evidence_entries",
    "evidence_heads",
    "result_comments",
    "result_signoffs",
    "verification_answers",
    "verification_cems",
    "verification_findings",
    "login_counters",
    "user_audit",
    "metering_points",
    "projects",
    "project_periods",
    "project_issuances",
    "electricity_claims",
    "certificate_batches",
    "certificate_claims",
    "parks",
    "park_members",
    "park_years",
}


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_to_head_and_downgrade_to_base(db_url: str) -> None:
    assert current_revision(db_url) is None
    upgrade(db_url)
    assert current_revision(db_url) == head_revision()
    assert _tables(db_url) == TABLES
    downgrade(db_url, "base")
    assert current_revision(db_url) is None
    assert _tables(db_url) == set()
    upgrade(db_url)  # and back up: the downgrade left nothing behind that blocks it
    assert _tables(db_url) == TABLES


def test_upgrade_twice_is_a_no_op(db_url: str) -> None:
    upgrade(db_url)
    upgrade(db_url)
    assert current_revision(db_url) == head_revision()


def test_models_match_migrations(db_url: str) -> None:
    """Autogenerate finds nothing to do: the hand-written migration and the models agree."""
    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
