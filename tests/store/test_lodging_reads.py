"""Lodging a submission reads only what it lodges (issue 12, server speed): it used to load every
result the organisation had ever stored — export and Parquet lines — on every submission, so the
hundredth submission cost more than the first. Results and calibrations not yet lodged are found
by their subject in the log (``uq_evidence_entries_subject``)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, event, select

from dualcarbon.accounting.engine import account
from dualcarbon.accounting.inventory import Inventory
from dualcarbon.ledger.lodging import audit_store, lodge_inventory, lodge_results
from dualcarbon.ledger.signing import Signer
from dualcarbon.store import save_inventory, save_result, session_scope
from dualcarbon.store.models import EvidenceEntry, StoredResult

SIGNER = Signer.generate()


def _submit(engine: Engine, inventory: Inventory, loaded: list[int] | None = None) -> int:
    with session_scope(engine) as session:
        stored = save_inventory(session, "华能测试", "一号电厂", inventory)
        organisation_id = stored.facility.organisation_id
        lodge_inventory(session, SIGNER, organisation_id, stored, inventory)
        row = save_result(session, stored, account(inventory))
        if loaded is not None:
            session.expunge_all()  # what lodging needs, it must read

            def count(target: object, context: object) -> None:
                if isinstance(target, StoredResult):
                    loaded.append(target.id)

            event.listen(StoredResult, "load", count)
            try:
                lodge_results(session, SIGNER, organisation_id)
            finally:
                event.remove(StoredResult, "load", count)
        else:
            lodge_results(session, SIGNER, organisation_id)
        return row.id


def test_a_submission_loads_only_its_own_result(
    engine: Engine, inventory_factory: Callable[..., Inventory]
) -> None:
    ids = [_submit(engine, inventory_factory(coal_t=1000.0 + i)) for i in range(5)]
    loaded: list[int] = []
    newest = _submit(engine, inventory_factory(coal_t=2000.0), loaded)
    assert loaded == [newest]
    with session_scope(engine) as session:
        subjects = session.scalars(
            select(EvidenceEntry.subject).where(EvidenceEntry.subject.like("result:%"))
        ).all()
        assert set(subjects) == {f"result:{n}" for n in [*ids, newest]}  # every one lodged
        assert all(report.ok for report in audit_store(session, SIGNER.public_key))


def test_a_result_stored_before_lodging_began_is_still_lodged_by_the_next_submission(
    engine: Engine, inventory_factory: Callable[..., Inventory]
) -> None:
    first = inventory_factory(coal_t=1000.0)
    with session_scope(engine) as session:  # as before migration 0009: a result, no entry
        stored = save_inventory(session, "华能测试", "一号电厂", first)
        lodge_inventory(session, SIGNER, stored.facility.organisation_id, stored, first)
        early = save_result(session, stored, account(first)).id
    loaded: list[int] = []
    later = _submit(engine, inventory_factory(coal_t=1500.0), loaded)
    assert loaded == [early, later]  # oldest first, each once
