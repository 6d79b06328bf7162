"""The project registry on every backend: a monitoring period is claimed once, one MWh is
claimed once across schemes (国能综通新能〔2024〕124号 §2) even when claims race, an issued period
is locked, and the claim is lodged with the meter readings it rests on."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
from collections.abc import Callable
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from dualcarbon.errors import ClaimRefusedError, StoreError
from dualcarbon.io.project_yaml import project_from_mapping
from dualcarbon.io.register_files import register_from_mapping
from dualcarbon.ledger.lodging import audit_store, organisation_log
from dualcarbon.ledger.projects import (
    claim_electricity,
    claim_period,
    issue_period,
    list_periods,
)
from dualcarbon.ledger.signing import Signer
from dualcarbon.projects.engine import account_project
from dualcarbon.projects.model import ProjectInventory
from dualcarbon.projects.result import ProjectResult
from dualcarbon.store import make_engine, session_scope
from dualcarbon.store.models import ElectricityClaim, EvidenceEntry, Organisation, ProjectPeriod

SIGNER = Signer.generate()

REGISTER = register_from_mapping(
    {
        "instruments": [
            {
                "id": m,
                "quantity": "有功电能",
                "energy": "electricity",
                "level": "site",
                "kind": "electricity_meter",
                "accuracy": "0.5",
                "interval_months": 12,
            }
            for m in ("EXP-1", "IMP-1")
        ],
        "calibrations": [
            {"instrument": "EXP-1", "date": "2024-12-01", "result": "pass"},
            {"instrument": "IMP-1", "date": "2024-12-01", "result": "pass"},
        ],
    },
    source="meters.yaml",
)


def project(
    reference: str = "P-1", start: str = "2025-01-01", months: int = 3, plant: str | None = None
) -> tuple[ProjectInventory, ProjectResult]:
    first = dt.date.fromisoformat(start)
    rows = []
    year, month = first.year, first.month
    for _ in range(months):
        rows.append(
            {
                "year": year,
                "month": month,
                "export": 1000.0 + month,
                "export_ref": f"结算单 {month}",
                "import": 5.0,
                "import_ref": f"结算单 {month}",
            }
        )
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    end = dt.date(year, month, 1) - dt.timedelta(days=1)
    document: dict[str, Any] = {
        "project": {
            "id": reference,
            "name": f"风电 {reference}",
            "owner": "测试海上风电有限公司",
            "methodology": "ccer-01-002-v01",
            "grid": "华东",
            "crediting_period": {"start": "2024-07-01", "end": "2034-06-30"},
            "monitoring_period": {"start": start, "end": str(end)},
            "facts": {"distance_km": 40},
            "grid_margins": {2024: {"om": 0.8, "bm": 0.4, "source": "测试用公布值"}},
        }
        | ({"plant": plant} if plant else {}),
        "monitoring_plan": [
            {"parameter": "export", "meter": "EXP-1"},
            {"parameter": "import", "meter": "IMP-1"},
        ],
        "grid_supply": rows,
    }
    inventory = project_from_mapping(document, source=f"{reference}.yaml")
    return inventory, account_project(inventory, register=REGISTER)


def claim(engine: Engine, made: tuple[ProjectInventory, ProjectResult]) -> int:
    with session_scope(engine) as session:
        return claim_period(session, SIGNER, *made, claimed_by="tester").period_id


def refused(call: Callable[[], object]) -> str:
    with pytest.raises(ClaimRefusedError) as caught:
        call()
    return caught.value.message_en


def test_a_period_is_claimed_once_and_overlaps_are_refused(engine: Engine) -> None:
    claim(engine, project())
    assert "overlaps the period 2025-01-01 – 2025-03-31" in refused(
        lambda: claim(engine, project())
    )
    assert "overlaps" in refused(lambda: claim(engine, project(start="2025-03-01")))
    claim(engine, project(start="2025-04-01"))  # the next period follows on
    with session_scope(engine) as session:
        claims = session.scalars(select(ElectricityClaim).order_by(ElectricityClaim.month)).all()
    assert [(c.year, c.month) for c in claims] == [(2025, m) for m in range(1, 7)]
    assert claims[0].mwh == pytest.approx(1001 - 5)  # EG_PJ of January


def test_a_month_claimed_under_a_certificate_cannot_be_claimed_as_a_reduction(
    engine: Engine,
) -> None:
    with session_scope(engine) as session:
        owner = Organisation(name="绿证买方")
        session.add(owner)
        session.flush()
        claim_electricity(
            session,
            "P-1",
            [(2025, 2, 500.0)],
            scheme="gec",
            subject="gec:GEC-2025-000123",
            organisation_id=owner.id,
        )
    message = refused(lambda: claim(engine, project()))
    assert "2025-02 is claimed already under gec (gec:GEC-2025-000123)" in message
    with session_scope(engine) as session:  # nothing of the refused claim stayed
        assert session.scalar(select(EvidenceEntry.id)) is None
        assert len(session.scalars(select(ElectricityClaim)).all()) == 1


def test_two_projects_of_one_plant_cannot_claim_one_month(engine: Engine) -> None:
    claim(engine, project("P-1", plant="PLANT-9"))
    assert "claimed already under ccer" in refused(
        lambda: claim(engine, project("P-2", plant="PLANT-9", start="2025-03-01"))
    )


def test_racing_claims_of_one_month_store_one(db_url: str, engine: Engine) -> None:
    """Two projects of one plant claim overlapping months at the same moment: one is stored,
    the other refused (the unique plant-month decides, on SQLite and PostgreSQL)."""
    made = [project("R-1", plant="PLANT-R"), project("R-2", plant="PLANT-R", start="2025-02-01")]
    workers = make_engine(db_url, pool_size=4, max_overflow=0)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def run(one: tuple[ProjectInventory, ProjectResult]) -> None:
        start.wait()
        try:
            claim(workers, one)
            outcomes.append("stored")
        except ClaimRefusedError:
            outcomes.append("refused")
        except DBAPIError as exc:  # a serialisation failure is a refusal too, not a double
            outcomes.append(f"refused ({type(exc).__name__})")

    threads = [threading.Thread(target=run, args=(one,)) for one in made]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    workers.dispose()
    assert sorted(o.split(" ")[0] for o in outcomes) == ["refused", "stored"]
    with session_scope(engine) as session:
        months = session.execute(
            text("SELECT year, month, COUNT(*) FROM electricity_claims GROUP BY year, month")
        ).all()
    assert all(count == 1 for _, _, count in months)


def test_an_issued_period_is_locked(engine: Engine) -> None:
    made = project()
    claim(engine, made)
    with session_scope(engine) as session:
        issue_period(
            session,
            SIGNER,
            "P-1",
            dt.date(2025, 1, 1),
            issued_tco2e=1000.0,
            notice="测试签发",
            issued_by="registry",
        )
    assert "issued already and locked" in refused(lambda: _issue(engine, 1000.0))
    for statement in (
        "UPDATE project_periods SET total_tco2e = 1",
        "DELETE FROM project_issuances",
        "DELETE FROM electricity_claims",
        "UPDATE electricity_claims SET mwh = 1",
    ):
        with pytest.raises(StoreError, match="claims are locked"), session_scope(engine) as s:
            s.execute(text(statement))


def _issue(engine: Engine, tco2e: float) -> None:
    with session_scope(engine) as session:
        issue_period(
            session,
            SIGNER,
            "P-1",
            dt.date(2025, 1, 1),
            issued_tco2e=tco2e,
            notice="x",
            issued_by="registry",
        )


def test_more_than_claimed_is_not_issued(engine: Engine) -> None:
    made = project()
    claim(engine, made)
    assert "at most the" in refused(lambda: _issue(engine, made[1].total * 1.01))


def test_the_claim_is_lodged_with_its_readings_and_audits_clean(engine: Engine) -> None:
    inventory, result = project()
    claim(engine, (inventory, result))
    with session_scope(engine) as session:
        organisation = session.scalars(select(Organisation)).one()
        entry = session.scalars(
            select(EvidenceEntry).where(EvidenceEntry.log_id == organisation_log(organisation.id))
        ).one()
        reports = audit_store(session, SIGNER.public_key)
    content = json.loads(entry.content_json)
    assert entry.subject.startswith("project_period:")
    assert content["total_tco2e"] == pytest.approx(result.total)
    january = [r for r in content["readings"] if r["month"] == 1]
    assert {(r["parameter"], r["meter"], r["reading"]) for r in january} == {
        ("export", "EXP-1", 1001.0),
        ("import", "IMP-1", 5.0),
    }
    assert all(report.ok for report in reports), [r.problems for r in reports]


def test_the_stored_project_file_reads_back_to_the_same_reduction(engine: Engine) -> None:
    inventory, result = project()
    claim(engine, (inventory, result))
    with session_scope(engine) as session:
        stored = session.execute(text("SELECT project_json FROM project_periods")).scalar_one()
    again = project_from_mapping(json.loads(stored), source="stored")
    assert account_project(again, register=REGISTER).total == pytest.approx(result.total)


def corrected(engine: Engine, made: tuple[ProjectInventory, ProjectResult], old: int) -> int:
    with session_scope(engine) as session:
        return claim_period(session, SIGNER, *made, claimed_by="tester", corrects=old).period_id


def test_an_unissued_period_is_corrected_once(engine: Engine) -> None:
    """The corrected file replaces the period: its months pass to the correction, the old
    period stays stored, the evidence names it, and it cannot be corrected twice."""
    first = claim(engine, project())
    inventory, _ = project()
    frame = inventory.tables["grid_supply"]
    changed = dataclasses.replace(
        inventory, tables={"grid_supply": frame.with_columns(pl.col("export") * 0.5)}
    )
    second = corrected(engine, (changed, account_project(changed, register=REGISTER)), first)
    with session_scope(engine) as session:
        owners = set(session.scalars(select(ElectricityClaim.period_id)))
        listed = list_periods(session)
        entry = session.scalars(
            select(EvidenceEntry).where(EvidenceEntry.subject == f"project_period:{second}")
        ).first()
    assert owners == {second}
    assert [row.id for row in listed] == [second] and listed[0].corrects == first
    assert entry is not None and json.loads(entry.content_json)["corrects"] == {
        "period_id": first,
        "sequence": 0,
    }
    assert "corrected already" in refused(lambda: corrected(engine, project(), first))


def test_an_issued_period_cannot_be_corrected(engine: Engine) -> None:
    first = claim(engine, project())
    _issue(engine, 100.0)
    assert "issued and locked" in refused(lambda: corrected(engine, project(), first))


def test_a_correction_still_respects_other_claims(engine: Engine) -> None:
    """Correcting P-1's January–March into January–April takes April only if no other claim
    has it."""
    first = claim(engine, project())
    with session_scope(engine) as session:
        owner = session.scalars(select(Organisation)).first()
        assert owner is not None
        claim_electricity(
            session,
            "P-1",
            [(2025, 4, 10.0)],
            scheme="gec",
            subject="gec:X",
            organisation_id=owner.id,
        )
    assert "2025-04 is claimed already under gec" in refused(
        lambda: corrected(engine, project(months=4), first)
    )


def test_a_corrected_period_is_not_issued_under_its_old_id(engine: Engine) -> None:
    first = claim(engine, project())
    second = corrected(engine, project(), first)
    with session_scope(engine) as session:
        message = refused(
            lambda: issue_period(
                session,
                SIGNER,
                "P-1",
                issued_tco2e=1.0,
                notice="x",
                issued_by="r",
                period_id=first,
            )
        )
    assert "uncorrected" in message
    with session_scope(engine) as session:
        issued = issue_period(
            session, SIGNER, "P-1", issued_tco2e=1.0, notice="x", issued_by="r", period_id=second
        )
        assert issued.period_id == second


def test_a_refused_claim_leaves_no_project_behind(engine: Engine) -> None:
    """The claim of a new project refused for a month held by a certificate stores nothing,
    not even the project (on SQLite a savepoint opened first would have committed it)."""
    with session_scope(engine) as session:
        owner = Organisation(name="绿证买方")
        session.add(owner)
        session.flush()
        claim_electricity(
            session,
            "P-9",
            [(2025, 1, 5.0)],
            scheme="gec",
            subject="gec:Y",
            organisation_id=owner.id,
        )
    refused(lambda: claim(engine, project("P-9")))
    with session_scope(engine) as session:
        assert session.execute(text("SELECT COUNT(*) FROM projects")).scalar_one() == 0


def test_the_report_as_claimed_names_the_lodged_digest(engine: Engine) -> None:
    claim(engine, project())
    with session_scope(engine) as session:
        period = session.scalars(select(ProjectPeriod)).one()
        entry = session.scalars(
            select(EvidenceEntry).where(EvidenceEntry.subject == f"project_period:{period.id}")
        ).first()
        assert entry is not None
        lodged = json.loads(entry.content_json)["data_digest"]
        assert lodged == period.digest and lodged in period.report_zh and lodged in period.report_en
