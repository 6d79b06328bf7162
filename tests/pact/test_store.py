"""Published footprints are immutable versions; PACT clients authenticate with a hashed secret
(SQLite, and PostgreSQL when DUALCARBON_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError

from dualcarbon.errors import StoreError
from dualcarbon.io.product_yaml import dump_product_system
from dualcarbon.pact import repository
from dualcarbon.pact.schema import errors
from dualcarbon.security import Passwords
from dualcarbon.store import make_engine, session_scope, upgrade
from dualcarbon.store.models import Organisation, PactClient, StoredProductFootprint

from .conftest import make_publication, pv_system

PASSWORDS = Passwords(memory_kib=64, time_cost=1)


def _organisation(engine: Engine, name: str = "示例光伏科技有限公司") -> int:
    with session_scope(engine) as session:
        organisation = Organisation(name=name)
        session.add(organisation)
        session.flush()
        return organisation.id


def test_new_version_supersedes(engine: Engine) -> None:
    org = _organisation(engine)
    system = pv_system()
    with session_scope(engine) as session:
        first = repository.publish(
            session, org, system, dump_product_system(system), make_publication()
        )
    changed = pv_system(geography="CN-JS")
    with session_scope(engine) as session:
        second = repository.publish(
            session, org, changed, dump_product_system(changed), make_publication()
        )
    with session_scope(engine) as session:
        rows = repository.organisation_footprints(session, org)
        assert [(r.version, r.status) for r in rows] == [(1, "Deprecated"), (2, "Active")]
        served = [repository.served(r) for r in rows]
    assert served[0]["status"] == "Deprecated"
    assert served[0]["pcf"]["geographyCountry"] == "CN"  # content as first published
    assert served[1]["precedingPfIds"] == [first.id]
    assert served[1]["id"] == second.id != first.id
    for document in served:
        assert errors("ProductFootprint", document) == []
    # the stored document keeps the status it was published with
    with session_scope(engine) as session:
        stored = session.get(StoredProductFootprint, first.id)
        assert stored is not None
        assert json.loads(stored.document)["status"] == "Active"


def test_published_content_cannot_change(engine: Engine) -> None:
    org = _organisation(engine)
    system = pv_system()
    with session_scope(engine) as session:
        row = repository.publish(
            session, org, system, dump_product_system(system), make_publication()
        )
    with pytest.raises(StoreError, match="immutable"), session_scope(engine) as session:
        stored = session.get(StoredProductFootprint, row.id)
        assert stored is not None
        stored.document = "{}"
    with pytest.raises(StoreError, match="deprecate"), session_scope(engine) as session:
        stored = session.get(StoredProductFootprint, row.id)
        session.delete(stored)
    with session_scope(engine) as session:  # the status may change
        repository.deprecate(session, row.id)
    with session_scope(engine) as session:
        stored = session.get(StoredProductFootprint, row.id)
        assert stored is not None and stored.status == "Deprecated"
        assert stored.deprecated_at is not None


def test_client_credentials(engine: Engine) -> None:
    org = _organisation(engine)
    with session_scope(engine) as session:
        created = repository.create_client(
            session, PASSWORDS, org, "买方系统", "https://partner.example/3/events"
        )
    with session_scope(engine) as session:
        stored = session.scalar(select(PactClient).where(PactClient.client_id == created.client_id))
        assert stored is not None
        assert created.client_secret not in stored.secret_hash
        assert stored.secret_hash.startswith("$argon2id$")
        assert (
            repository.authenticate_client(
                session, PASSWORDS, created.client_id, created.client_secret
            )
            is not None
        )
        assert (
            repository.authenticate_client(session, PASSWORDS, created.client_id, "wrong") is None
        )
        assert repository.authenticate_client(session, PASSWORDS, "pact_unknown", "x") is None
        stored.active = False
    with session_scope(engine) as session:
        assert (
            repository.authenticate_client(
                session, PASSWORDS, created.client_id, created.client_secret
            )
            is None
        )


def test_unique_version_per_product_system(engine: Engine) -> None:
    org = _organisation(engine)
    system = pv_system()
    with session_scope(engine) as session:
        row = repository.publish(
            session, org, system, dump_product_system(system), make_publication()
        )
        version = row.version
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.execute(
            text(
                "INSERT INTO product_footprints (id, organisation_id, product_system_id, version, "
                "status, created_at, pcf_excluding_biogenic, system_yaml, document) VALUES "
                "(:id, :org, :sys, :version, 'Active', CURRENT_TIMESTAMP, 0, '', '{}')"
            ),
            {"id": str(uuid.uuid4()), "org": org, "sys": system.id, "version": version},
        )


def test_partner_credentials_are_sealed(engine: Engine) -> None:
    org = _organisation(engine)
    partner = repository.PartnerAuth(
        "https://buyer.example/auth/token", "us-at-buyer", "s3cret-value"
    )
    with session_scope(engine) as session:
        created = repository.create_client(
            session,
            PASSWORDS,
            org,
            "buyer",
            "https://buyer.example/3/events",
            partner=partner,
            secret_key="server-key",
        )
    with session_scope(engine) as session:
        stored = session.scalar(select(PactClient).where(PactClient.client_id == created.client_id))
        assert stored is not None
        assert stored.event_secret_sealed and "s3cret-value" not in stored.event_secret_sealed
        assert repository.partner_auth(stored, "server-key") == partner
        assert repository.partner_auth(stored, "another-key") is None  # key changed: unreadable


def test_migration_0012_keeps_one_receipt_of_each_event(db_url: str) -> None:
    """Repeats stored before the constraint existed: the first receipt stays, and from then on
    the database refuses a second one (decision 0012)."""
    upgrade(db_url, "0008")
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO organisations (id, name) VALUES (1, 'o')"))
            connection.execute(
                text(
                    "INSERT INTO pact_clients (id, client_id, secret_hash, name, organisation_id,"
                    " active, created_at) VALUES (1, 'c', 'h', 'n', 1, true, :now)"
                ),
                {"now": "2026-01-01 00:00:00"},
            )
            for row_id, event_id in ((1, "e-1"), (2, "e-1"), (3, "e-2")):
                connection.execute(
                    text(
                        "INSERT INTO pact_events (id, client_id, event_type, event_id, source,"
                        " received_at, body, outcome) VALUES (:id, 1, 't', :e, 's', :now, '{}',"
                        " 'stored')"
                    ),
                    {"id": row_id, "e": event_id, "now": "2026-01-01 00:00:00"},
                )
        upgrade(db_url)
        with engine.connect() as connection:
            kept = connection.execute(text("SELECT id FROM pact_events ORDER BY id")).scalars()
            assert list(kept) == [1, 3]
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO pact_events (id, client_id, event_type, event_id, source,"
                    " received_at, body, outcome) VALUES (4, 1, 't', 'e-2', 's', :now, '{}',"
                    " 'stored')"
                ),
                {"now": "2026-01-01 00:00:00"},
            )
    finally:
        engine.dispose()
