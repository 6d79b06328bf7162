"""Identical submissions and corrections of one inventory, sent at the same moment over HTTP to
the real server on PostgreSQL (issue 12): one is accepted, the others answered 409, and the store
holds one inventory, its entries once, and a line of corrections.

Before migration 0009, 20 identical submissions gave 11 × 201 and one inventory lodged 22 times
(each request read "not stored yet" before the others committed, then found the row and lodged it
again), and 10 corrections of one inventory gave 4 × 201, a tree. Now the unique indexes on
``evidence_entries (log_id, subject)`` and ``(log_id, corrects_id)`` refuse the second, whatever
each request read before. The threads are released together by a barrier; nothing here depends
on timing: whatever the interleaving, exactly one may win.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from dualcarbon.ledger.lodging import PLATFORM, audit_store, organisation_log
from dualcarbon.store import make_engine, session_scope, upgrade
from dualcarbon.store.models import EvidenceEntry, StoredInventory

from .test_concurrent_submissions import (
    Plan,
    inventory_body,
    seed_clients,
    served,
    submit,
)
from .world import POSTGRES_ENV, TEST_SIGNER, database

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get(POSTGRES_ENV),
        reason=f"needs PostgreSQL: set {POSTGRES_ENV} (SQLite serialises writers)",
    ),
]

SAME = 20
CORRECTIONS = 10


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty PostgreSQL schema of its own, migrated to head."""
    urls = database("postgresql", tmp_path)
    url = next(urls)
    try:
        upgrade(url)
        engine = make_engine(url)
        yield engine
        engine.dispose()
    finally:
        urls.close()  # drops the schema


def _entries(engine: Engine, log_id: str) -> list[EvidenceEntry]:
    with session_scope(engine) as session:
        rows = list(
            session.scalars(
                select(EvidenceEntry)
                .where(EvidenceEntry.log_id == log_id)
                .order_by(EvidenceEntry.sequence)
            )
        )
        session.expunge_all()
    return rows


def test_identical_submissions_at_once_store_one(engine: Engine) -> None:
    clients = seed_clients(engine)
    mine = [c for c in clients if c.organisation_id == clients[0].organisation_id]
    body = inventory_body(mine[0].organisation, "一号机组", 3, 7_777.0)
    plan: Plan = [(mine[i % len(mine)], [(body, True)]) for i in range(SAME)]
    with served(engine) as port:
        sent, _, _ = submit(port, plan)
    statuses = Counter(s.status for s in sent)
    assert statuses == {201: 1, 409: SAME - 1}, [s.answer for s in sent if s.status != 201][:3]
    log = _entries(engine, organisation_log(mine[0].organisation_id))
    with session_scope(engine) as session:
        inventories = list(session.scalars(select(StoredInventory.id)))
        reports = audit_store(session, TEST_SIGNER.public_key)
    assert len(inventories) == 1
    # one entry for the inventory, one for its result, in each log
    assert Counter(e.subject for e in log) == {
        f"inventory:{inventories[0]}": 1,
        next(e.subject for e in log if (e.subject or "").startswith("result:")): 1,
    }
    assert len(_entries(engine, PLATFORM)) == 2
    assert all(r.ok for r in reports), [r.problems[:3] for r in reports]


def test_corrections_at_once_of_one_inventory_stay_a_line(engine: Engine) -> None:
    clients = seed_clients(engine)
    mine = [c for c in clients if c.organisation_id == clients[0].organisation_id]
    first = inventory_body(mine[0].organisation, "一号机组", 3, 7_000.0)
    with served(engine) as port:
        (original,), _, _ = submit(port, [(mine[0], [(first, False)])])
        assert original.status == 201, original.answer
        inventory_id = original.answer["inventory_id"]
        path = (
            f"/api/organisations/{mine[0].organisation_id}/inventories/{inventory_id}/corrections"
        )
        plan: Plan = [
            (mine[i], [(inventory_body(mine[i].organisation, "一号机组", 3, 7_100.0 + i), False)])
            for i in range(CORRECTIONS)
        ]
        sent, _, _ = submit(port, plan, path=path)
    statuses = Counter(s.status for s in sent)
    assert statuses == {201: 1, 409: CORRECTIONS - 1}, [s.answer for s in sent][:3]
    log = _entries(engine, organisation_log(mine[0].organisation_id))
    corrections = [e for e in log if e.corrects_id is not None]
    assert [e.corrects_id for e in corrections] == [inventory_id]
    with session_scope(engine) as session:
        assert len(list(session.scalars(select(StoredInventory.id)))) == 2
        reports = audit_store(session, TEST_SIGNER.public_key)
    assert all(r.ok for r in reports), [r.problems[:3] for r in reports]
