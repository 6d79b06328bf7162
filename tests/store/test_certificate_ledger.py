"""The certificate ledger on every backend: a certificate is recorded once, claimed once, only by
its holder, never with a CCER reduction of the same electricity, even when requests race; and
batches and claims are kept as made."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from dualcarbon.certificates.model import CertificateBatch, Origin, Purpose, Technology
from dualcarbon.errors import ClaimRefusedError
from dualcarbon.ledger.certificates import (
    batches_of,
    claim_certificates,
    claims_of,
    import_batches,
)
from dualcarbon.ledger.lodging import audit_store
from dualcarbon.ledger.projects import claim_electricity
from dualcarbon.ledger.signing import Signer
from dualcarbon.store import make_engine, session_scope
from dualcarbon.store.models import (
    CertificateBatchRecord,
    CertificateClaim,
    ElectricityClaim,
    EvidenceEntry,
    Organisation,
)

SIGNER = Signer.generate()
ON = dt.date(2025, 12, 15)
YEAR_2025 = {"consumption_from": dt.date(2025, 1, 1), "consumption_to": dt.date(2025, 12, 31)}


def batch(
    first: int = 1, count: int = 1000, plant: str = "W-PLANT-01", **kwargs: Any
) -> CertificateBatch:
    values: dict[str, Any] = {
        "serial_from": f"GEC2025W{first:010d}",
        "serial_to": f"GEC2025W{first + count - 1:010d}",
        "quantity": count,
        "plant": plant,
        "plant_name": "示例风电场",
        "technology": Technology.WIND,
        "production_year": 2025,
        "production_month": 3,
        **kwargs,
    }
    return CertificateBatch(**values)


def organisation(engine: Engine, name: str) -> int:
    with session_scope(engine) as session:
        found = Organisation(name=name)
        session.add(found)
        session.flush()
        return found.id


def imported(engine: Engine, holder: int, *batches: CertificateBatch) -> tuple[int, ...]:
    with session_scope(engine) as session:
        return import_batches(
            session, SIGNER, holder, batches, source="绿证.csv sha256:00", imported_by="tester"
        ).batches


def claim(engine: Engine, holder: int, quantity: int, **kwargs: Any) -> str:
    arguments: dict[str, Any] = {
        "purpose": Purpose.ENTERPRISE,
        "subject": "2025 年度用电",
        "claimed_by": "tester",
        "on": ON,
        **YEAR_2025,
        **kwargs,
    }
    with session_scope(engine) as session:
        return claim_certificates(session, SIGNER, holder, quantity, **arguments).reference


def refused(call: Callable[[], object]) -> str:
    with pytest.raises(ClaimRefusedError) as caught:
        call()
    return caught.value.message_en


def race(db_url: str, *works: Callable[[Engine], object]) -> list[str]:
    """Run ``works`` at the same moment, each on its own connection of a fresh engine: which
    were stored, which refused (a serialisation failure is a refusal too, never a double)."""
    workers = make_engine(db_url, pool_size=4, max_overflow=0)
    start = threading.Barrier(len(works))
    outcomes: list[str] = []

    def run(work: Callable[[Engine], object]) -> None:
        start.wait()
        try:
            work(workers)
            outcomes.append("stored")
        except (ClaimRefusedError, DBAPIError):
            outcomes.append("refused")

    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    workers.dispose()
    return sorted(outcomes)


def test_a_claim_cancels_certificates_expiring_first_and_is_lodged(engine: Engine) -> None:
    holder = organisation(engine, "示例铝业")
    older, newer = imported(
        engine,
        holder,
        batch(1, 600, production_month=5),
        batch(5001, 400, production_month=2),  # expires earlier: taken first
    )
    reference = claim(engine, holder, 700, purpose=Purpose.PRODUCT, subject="product:AL-INGOT")
    with session_scope(engine) as session:
        remaining = {b.id: b.remaining for b in batches_of(session, holder)}
        claims = claims_of(session, holder, reference=reference)
        lodged = session.scalars(
            select(EvidenceEntry.subject).where(EvidenceEntry.subject.like("certificate_claim:%"))
        ).all()
    assert remaining == {newer: 0, older: 300}
    assert [(c.batch_id, c.quantity) for c, _ in claims] == [(newer, 400), (older, 300)]
    assert f"certificate_claim:{reference}" in lodged
    assert "only 300 certificate(s)" in refused(lambda: claim(engine, holder, 301))


def test_a_certificate_is_recorded_once_whoever_imports_it(engine: Engine) -> None:
    first, second = organisation(engine, "甲"), organisation(engine, "乙")
    imported(engine, first, batch(1, 1000))
    assert "overlap the batch" in refused(lambda: imported(engine, second, batch(500, 10)))
    assert "imported by this organisation" in refused(lambda: imported(engine, first, batch(1, 1)))
    with session_scope(engine) as session:
        assert len(session.scalars(select(CertificateBatchRecord)).all()) == 1


def test_only_the_holder_claims_its_certificates(engine: Engine) -> None:
    holder, other = organisation(engine, "持有方"), organisation(engine, "他方")
    imported(engine, holder, batch(1, 100))
    assert "only 0 certificate(s)" in refused(lambda: claim(engine, other, 1))


def test_expired_and_later_certificates_are_not_used(engine: Engine) -> None:
    holder = organisation(engine, "持有方")
    imported(engine, holder, batch(1, 100, production_year=2023, production_month=6))
    # 2023 electricity: valid to the end of 2025 (67号), so not on 2026-01-05
    assert "only 0" in refused(lambda: claim(engine, holder, 1, on=dt.date(2026, 1, 5)))
    imported(engine, holder, batch(200, 100, production_year=2025, production_month=11))
    # November 2025 electricity cannot cover consumption that ended in October
    assert "only 100" in refused(
        lambda: claim(
            engine,
            holder,
            150,
            consumption_from=dt.date(2025, 1, 1),
            consumption_to=dt.date(2025, 10, 31),
        )
    )


def test_certificates_and_a_ccer_claim_of_one_plant_month_exclude_each_other(
    engine: Engine,
) -> None:
    holder = organisation(engine, "持有方")
    imported(engine, holder, batch(1, 100, plant="OW-1", production_month=4))
    with session_scope(engine) as session:
        taken = lambda: claim_electricity(  # noqa: E731
            session, "OW-1", [(2025, 4, 900.0)], scheme="ccer", subject="p", organisation_id=holder
        )
        assert "claimed already under gec" in refused(taken)
    with session_scope(engine) as session:
        claim_electricity(
            session,
            "OW-2",
            [(2025, 6, 900.0)],
            scheme="ccer",
            subject="project_period:7",
            organisation_id=holder,
        )
    message = refused(
        lambda: imported(engine, holder, batch(900, 5, plant="OW-2", production_month=6))
    )
    assert "claimed under ccer (project_period:7)" in message
    # certificates of a green-power trade and plain certificates share a plant-month
    imported(
        engine,
        holder,
        batch(
            2000, 5, plant="OW-1", production_month=4, origin=Origin.GREEN_POWER, contract="LD-1"
        ),
    )


def test_batches_and_claims_are_kept_as_made(engine: Engine) -> None:
    holder = organisation(engine, "持有方")
    (batch_id,) = imported(engine, holder, batch(1, 100))
    claim(engine, holder, 10)
    for statement in (
        f"UPDATE certificate_batches SET remaining = 100 WHERE id = {batch_id}",
        f"UPDATE certificate_batches SET quantity = 200 WHERE id = {batch_id}",
        f"UPDATE certificate_batches SET plant = 'X' WHERE id = {batch_id}",
        f"DELETE FROM certificate_batches WHERE id = {batch_id}",
        "UPDATE certificate_claims SET quantity = 1",
        "DELETE FROM certificate_claims",
        f"UPDATE certificate_batches SET remaining = -1 WHERE id = {batch_id}",
    ):
        with pytest.raises(DBAPIError), engine.begin() as connection:
            connection.execute(text(statement))
    with session_scope(engine) as session:
        assert session.get(CertificateBatchRecord, batch_id).remaining == 90  # type: ignore[union-attr]


def test_racing_claims_for_the_last_certificates_make_one(db_url: str, engine: Engine) -> None:
    """A product claim and an enterprise claim for all that remains arrive at once: one is made,
    the other refused, and no more is cancelled than was held (SQLite and PostgreSQL)."""
    holder = organisation(engine, "持有方")
    imported(engine, holder, batch(1, 500))
    outcomes = race(
        db_url,
        *(
            lambda workers, p=purpose: claim(workers, holder, 500, purpose=p, subject=p.value)
            for purpose in (Purpose.PRODUCT, Purpose.ENTERPRISE)
        ),
    )
    assert outcomes == ["refused", "stored"]
    with session_scope(engine) as session:
        cancelled = sum(c.quantity for c in session.scalars(select(CertificateClaim)))
        remaining = session.scalars(select(CertificateBatchRecord.remaining)).one()
    assert (cancelled, remaining) == (500, 0)


def test_racing_imports_of_one_batch_by_two_holders_record_one(db_url: str, engine: Engine) -> None:
    first, second = organisation(engine, "甲"), organisation(engine, "乙")
    outcomes = race(
        db_url,
        lambda workers: imported(workers, first, batch(1, 100)),
        lambda workers: imported(workers, second, batch(50, 100)),
    )
    assert outcomes == ["refused", "stored"]
    with session_scope(engine) as session:
        assert len(session.scalars(select(CertificateBatchRecord)).all()) == 1
        assert len(session.scalars(select(ElectricityClaim)).all()) == 1


def test_a_certificate_import_and_a_ccer_claim_racing_for_one_month_store_one(
    db_url: str, engine: Engine
) -> None:
    holder = organisation(engine, "持有方")

    def reduction(workers: Engine) -> None:
        with session_scope(workers) as session:
            claim_electricity(
                session, "CSP-1", [(2025, 7, 80.0)], scheme="ccer", subject="project_period:1",
                organisation_id=holder,
            )  # fmt: skip

    outcomes = race(
        db_url,
        lambda workers: imported(workers, holder, batch(1, 100, plant="CSP-1", production_month=7)),
        reduction,
    )
    assert outcomes == ["refused", "stored"]
    with session_scope(engine) as session:
        assert len(session.scalars(select(ElectricityClaim)).all()) == 1


def test_the_evidence_log_audits_clean_after_imports_and_claims(engine: Engine) -> None:
    holder = organisation(engine, "持有方")
    imported(engine, holder, batch(1, 100))
    claim(engine, holder, 40)
    with session_scope(engine) as session:
        reports = audit_store(session, SIGNER.public_key)
    assert reports and all(report.ok for report in reports), reports


def test_an_enterprise_reads_its_year_of_claims(db_url: str, engine: Engine) -> None:
    from dualcarbon.ledger.certificates import enterprise_claims

    holder = organisation(engine, "示例水泥有限公司")
    imported(engine, holder, batch(1, 100))
    claim(engine, holder, 60, subject="示例水泥有限公司 2025")
    claim(engine, holder, 10, subject="示例水泥有限公司 2024", consumption_from=dt.date(2025, 1, 1))
    found = enterprise_claims("示例水泥有限公司", 2025, url=db_url)
    assert [(c.mwh, c.technology, c.production) for c in found] == [(60.0, "wind", "2025-03")]
    assert enterprise_claims("无此单位", 2025, url=db_url) == []


def test_certificates_of_a_month_to_come_and_consumption_to_come_are_refused(
    engine: Engine,
) -> None:
    holder = organisation(engine, "持有方")
    with session_scope(engine) as session:
        message = refused(
            lambda: import_batches(
                session, SIGNER, holder, [batch(1, 10, production_year=2026, production_month=9)],
                source="s", imported_by="t", on=dt.date(2026, 8, 31),
            )
        )  # fmt: skip
    assert "electricity not yet produced" in message
    imported(engine, holder, batch(1, 100))
    assert "not yet used" in refused(
        lambda: claim(
            engine, holder, 1, consumption_from=dt.date(2026, 1, 1),
            consumption_to=dt.date(2026, 12, 31),
        )
    )  # fmt: skip
    assert "within one year" in refused(
        lambda: claim(
            engine, holder, 1, consumption_from=dt.date(2024, 6, 1),
            consumption_to=dt.date(2025, 5, 31),
        )
    )  # fmt: skip


def test_the_same_certificates_in_another_case_or_plant_are_refused(engine: Engine) -> None:
    first, second = organisation(engine, "甲"), organisation(engine, "乙")
    imported(engine, first, batch(1, 100))
    lower = batch(1, 100, plant="other-plant")
    lower = CertificateBatch(**{**lower.__dict__, "serial_from": lower.serial_from.lower()})
    assert "overlap the batch" in refused(lambda: imported(engine, second, lower))


def test_a_ccer_claim_of_the_plant_code_in_another_case_is_refused(engine: Engine) -> None:
    holder = organisation(engine, "持有方")
    imported(engine, holder, batch(1, 100, plant="OW-9", production_month=4))
    with session_scope(engine) as session:
        taken = lambda: claim_electricity(  # noqa: E731
            session, " ow-9", [(2025, 4, 900.0)], scheme="ccer", subject="p", organisation_id=holder
        )
        assert "claimed already under gec" in refused(taken)


def test_racing_imports_of_overlapping_runs_of_two_plants_record_one(
    db_url: str, engine: Engine
) -> None:
    """Overlapping serials under different plant codes and months: the plant-month locks do
    not meet, the per-prefix turn does (PostgreSQL advisory lock; SQLite's single writer)."""
    first, second = organisation(engine, "甲"), organisation(engine, "乙")
    outcomes = race(
        db_url,
        lambda w: imported(w, first, batch(1, 100, plant="P-A", production_month=3)),
        lambda w: imported(w, second, batch(50, 100, plant="P-B", production_month=4)),
    )
    assert outcomes == ["refused", "stored"]
    with session_scope(engine) as session:
        assert len(session.scalars(select(CertificateBatchRecord)).all()) == 1


def test_a_claim_written_past_the_ledger_shows_in_the_audit(engine: Engine) -> None:
    """B2 of the review: the database accepts a claim row inserted directly; the audit of the
    evidence log names the batch whose cancelled certificates no longer match."""
    holder = organisation(engine, "持有方")
    (batch_id,) = imported(engine, holder, batch(1, 100))
    claim(engine, holder, 40)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO certificate_claims (batch_id, organisation_id, reference, quantity, "
                "purpose, subject, consumption_from, consumption_to, claimed_by, claimed_at) "
                f"VALUES ({batch_id}, {holder}, 'FORGED', 60, 'product', 'x', '2025-01-01', "
                "'2025-12-31', 'someone', '2025-12-31 00:00:00')"
            )
        )
    with session_scope(engine) as session:
        reports = audit_store(session, SIGNER.public_key)
    details = [p.detail for r in reports for p in r.problems]
    assert any(f"batch {batch_id}: 40 cancelled, 100 in stored claims" in d for d in details)
