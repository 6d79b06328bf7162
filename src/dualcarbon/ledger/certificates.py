"""The certificate ledger: green certificates imported by their holder, and claims cancelling them.

One MWh is claimed once across the platform, and the ledger says no in each way it could be
claimed twice (each refusal a :class:`ClaimRefusedError` naming what stands in the way):

* **the same certificates twice** — a batch whose serials overlap a batch in the ledger is
  refused at import, whoever imports it and under whatever plant code (serials compared
  upper-cased, by prefix and the width of their number; imports of one serial prefix take turns,
  and the unique constraint on a batch's first serial backs them);
* **more certificates than remain** — a claim takes certificates from the claimant's own
  batches only, under a lock on those batches, and ``remaining`` never falls below 0 (a check
  constraint on both backends): of two claims arriving at once for the last certificates, one is
  made, the other refused;
* **certificates and a CCER reduction for the same electricity** — importing certificates of a
  plant-month marks that month of the plant as certificate electricity in the platform-wide table
  of electricity claims, which a CCER monitoring period claims as well (one row per plant-month:
  国能综通新能〔2024〕124号 §2); whichever comes second is refused;
* **expired certificates** (two years from the production month, 67号), certificates of
  electricity produced after the consumption they would cover or of a month still to come, and
  declarations of consumption not yet begun.

Nothing in the database alone keeps claims and ``remaining`` in step if rows are written past
this module; the evidence-log audit compares them (:mod:`dualcarbon.ledger.lodging`).

Batches and claims are kept as made (database triggers; a batch's ``remaining`` only falls), and
every import and claim is lodged in the holder's and the platform's evidence logs.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dualcarbon.certificates.model import (
    CertificateBatch,
    Origin,
    Purpose,
    normal_plant,
    normal_serial,
)
from dualcarbon.errors import ClaimRefusedError
from dualcarbon.ledger.lodging import lodge_both
from dualcarbon.ledger.projects import SCHEMES
from dualcarbon.ledger.signing import Signer
from dualcarbon.store.models import (
    CertificateBatchRecord,
    CertificateClaim,
    ElectricityClaim,
    Organisation,
)

if TYPE_CHECKING:
    from dualcarbon.energy.green_electricity import ClaimedCertificates
    from dualcarbon.factors.catalogue import FactorCatalogue
    from dualcarbon.factors.model import Factor
    from dualcarbon.footprint.footprint import FootprintResult

CERTIFICATE_SUBJECT = "green_certificates"
"""The ``subject`` of a plant-month in the electricity claims that certificates hold."""


@dataclass(frozen=True)
class Imported:
    batches: tuple[int, ...]
    certificates: int
    sequence: int


@dataclass(frozen=True)
class ClaimMade:
    reference: str
    quantity: int
    taken: tuple[tuple[int, int], ...]
    """(batch id, certificates) in the order taken: those expiring first."""
    sequence: int


def import_batches(
    session: Session,
    signer: Signer,
    organisation_id: int,
    batches: Sequence[CertificateBatch],
    *,
    source: str,
    imported_by: str,
    on: dt.date | None = None,
) -> Imported:
    """Store the holder's batches and mark their plant-months as certificate electricity, in
    the caller's transaction; nothing stays if one batch is refused. Certificates of a month
    after ``on`` (today) are refused: electricity not yet produced has none."""
    on = on or dt.date.today()
    _writing(session)
    _take_turns(session, sorted({batch.serials.prefix for batch in batches}))
    stored: list[CertificateBatchRecord] = []
    months: set[tuple[str, int, int]] = set()
    for batch in batches:
        serials = batch.serials
        if (batch.production_year, batch.production_month) > (on.year, on.month):
            raise ClaimRefusedError(
                f"证书 {batch.serial_from} 的生产月份 {batch.production_year}-"
                f"{batch.production_month:02d} 晚于 {on}：尚未发出的电量没有绿证",
                f"certificates {batch.serial_from} are of {batch.production_year}-"
                f"{batch.production_month:02d}, after {on}: electricity not yet produced has none",
            )
        if serials.count != batch.quantity:
            raise ClaimRefusedError(
                f"证书 {batch.serial_from} – {batch.serial_to} 共 {serials.count} 张，"
                f"与填写的数量 {batch.quantity} 不符",
                f"certificates {batch.serial_from} – {batch.serial_to} are {serials.count}, "
                f"not the {batch.quantity} given",
            )
        month = (normal_plant(batch.plant), batch.production_year, batch.production_month)
        if month not in months:  # each plant-month checked (and locked) once per import
            _certificate_month(session, batch, organisation_id)
            months.add(month)
        # stored runs never overlap, so sorted by first serial they are sorted by last too: the
        # one run that could overlap is the last to start at or before this one's end (an
        # index lookup on (prefix, first), whatever the ledger's size)
        overlapping = session.scalar(
            select(CertificateBatchRecord)
            .where(
                CertificateBatchRecord.serial_prefix == serials.prefix,
                CertificateBatchRecord.serial_first <= serials.last,
            )
            .order_by(CertificateBatchRecord.serial_first.desc())
            .limit(1)
        )
        if overlapping is not None and overlapping.serial_last >= serials.first:
            raise _overlap(batch, overlapping, organisation_id)
        record = CertificateBatchRecord(
            organisation_id=organisation_id,
            serial_from=normal_serial(batch.serial_from),
            serial_to=normal_serial(batch.serial_to),
            serial_prefix=serials.prefix,
            serial_first=serials.first,
            serial_last=serials.last,
            quantity=batch.quantity,
            remaining=batch.quantity,
            plant=normal_plant(batch.plant),
            plant_name=batch.plant_name,
            technology=batch.technology.value,
            production_year=batch.production_year,
            production_month=batch.production_month,
            valid_until=batch.valid_until,
            tradable=batch.tradable,
            origin=batch.origin.value,
            contract=batch.contract,
            source=source[:200],
            imported_by=imported_by,
        )
        # added inside the savepoint: begin_nested() flushes what is pending before it opens
        try:
            with session.begin_nested():
                session.add(record)
                session.flush()
        except IntegrityError:  # the same batch imported at the same moment
            other = session.scalars(
                select(CertificateBatchRecord).where(
                    CertificateBatchRecord.serial_prefix == serials.prefix,
                    CertificateBatchRecord.serial_first == serials.first,
                )
            ).one()
            raise _overlap(batch, other, organisation_id) from None
        stored.append(record)
    content = {
        "kind": "certificates_imported",
        "organisation_id": organisation_id,
        "source": source,
        "batches": [_batch_json(record) for record in stored],
        "imported_by": imported_by,
    }
    lodged = lodge_both(
        session,
        signer,
        organisation_id,
        content,
        subject=f"certificates:{stored[0].id}" if stored else "certificates",
    )
    return Imported(
        tuple(r.id for r in stored), sum(r.quantity for r in stored), lodged[0].sequence
    )


def claim_certificates(
    session: Session,
    signer: Signer,
    organisation_id: int,
    quantity: int,
    *,
    purpose: Purpose,
    subject: str,
    consumption_from: dt.date,
    consumption_to: dt.date,
    claimed_by: str,
    batch_ids: Sequence[int] = (),
    plant: str | None = None,
    on: dt.date | None = None,
) -> ClaimMade:
    """Cancel ``quantity`` of the organisation's certificates for ``purpose`` and ``subject``
    (an enterprise's year, a product, a park) over the consumption period, those expiring first
    (or only ``batch_ids``, or one ``plant``'s). Valid on ``on`` (today by default), produced no
    later than the consumption period ends."""
    if quantity <= 0:
        raise ClaimRefusedError("申报数量须为正整数", "a claim is of one certificate or more")
    if consumption_to < consumption_from:
        raise ClaimRefusedError(
            "消费期的结束早于开始", "the consumption period ends before it starts"
        )
    on = on or dt.date.today()
    if consumption_from > on:
        raise ClaimRefusedError(
            f"消费期自 {consumption_from} 开始，尚未开始的用电不能声明",
            f"the consumption starts on {consumption_from}, after {on}: electricity not yet "
            "used cannot be declared",
        )
    if purpose is Purpose.ENTERPRISE and consumption_from.year != consumption_to.year:
        raise ClaimRefusedError(
            "企业绿色电力消费按年度声明：消费期须在同一年内",
            "an enterprise declares green electricity by year: the consumption period lies "
            "within one year",
        )
    _writing(session)
    last = consumption_to.year * 12 + consumption_to.month
    query = (
        select(CertificateBatchRecord)
        .where(
            CertificateBatchRecord.organisation_id == organisation_id,
            CertificateBatchRecord.remaining > 0,
            CertificateBatchRecord.valid_until >= on,
            CertificateBatchRecord.production_year * 12 + CertificateBatchRecord.production_month
            <= last,
        )
        .order_by(CertificateBatchRecord.valid_until, CertificateBatchRecord.id)
    )
    if batch_ids:
        query = query.where(CertificateBatchRecord.id.in_(list(batch_ids)))
    if plant:
        query = query.where(CertificateBatchRecord.plant == plant)
    if session.get_bind().dialect.name != "sqlite":
        # a claim at a time on these batches: the second waits, then sees what remains
        query = query.with_for_update()
    candidates = list(session.scalars(query))
    available = sum(batch.remaining for batch in candidates)
    if available < quantity:
        raise ClaimRefusedError(
            f"可用于 {consumption_from} – {consumption_to} 的有效绿证只有 {available} 张"
            f"（{on} 仍在有效期内、生产月份不晚于消费期结束），少于申报的 {quantity} 张",
            f"only {available} certificate(s) are valid on {on} and produced by the end of "
            f"{consumption_from} – {consumption_to}, fewer than the {quantity} claimed",
        )
    reference = _new_reference(session)
    taken: list[tuple[int, int]] = []
    left = quantity
    for batch in candidates:
        if left == 0:
            break
        take = min(left, batch.remaining)
        done = session.execute(
            update(CertificateBatchRecord)
            .where(
                CertificateBatchRecord.id == batch.id,
                CertificateBatchRecord.remaining >= take,
            )
            .values(remaining=CertificateBatchRecord.remaining - take)
            .execution_options(synchronize_session=False)
        )
        if getattr(done, "rowcount", 1) != 1:  # taken by a claim in between
            raise ClaimRefusedError(
                f"绿证批次 {batch.id} 已被同时提交的另一申报使用，请重新申报",
                f"certificates of batch {batch.id} were claimed at the same moment; claim again",
            )
        session.add(
            CertificateClaim(
                batch_id=batch.id,
                organisation_id=organisation_id,
                reference=reference,
                quantity=take,
                purpose=purpose.value,
                subject=subject[:200],
                consumption_from=consumption_from,
                consumption_to=consumption_to,
                claimed_by=claimed_by,
            )
        )
        taken.append((batch.id, take))
        left -= take
    session.flush()
    for batch in candidates:
        session.refresh(batch)
    by_id = {batch.id: batch for batch in candidates}
    content = {
        "kind": "certificate_claim",
        "organisation_id": organisation_id,
        "reference": reference,
        "purpose": purpose.value,
        "subject": subject,
        "consumption": {"from": str(consumption_from), "to": str(consumption_to)},
        "quantity": quantity,
        "mwh": float(quantity),
        "taken": [{**_batch_json(by_id[batch_id]), "claimed": count} for batch_id, count in taken],
        "claimed_by": claimed_by,
    }
    lodged = lodge_both(
        session, signer, organisation_id, content, subject=f"certificate_claim:{reference}"
    )
    return ClaimMade(reference, quantity, tuple(taken), lodged[0].sequence)


def batches_of(session: Session, organisation_id: int) -> list[CertificateBatchRecord]:
    return list(
        session.scalars(
            select(CertificateBatchRecord)
            .where(CertificateBatchRecord.organisation_id == organisation_id)
            .order_by(CertificateBatchRecord.valid_until, CertificateBatchRecord.id)
        )
    )


def claims_of(
    session: Session,
    organisation_id: int,
    *,
    purpose: Purpose | None = None,
    subject: str | None = None,
    reference: str | None = None,
) -> list[tuple[CertificateClaim, CertificateBatchRecord]]:
    query = (
        select(CertificateClaim, CertificateBatchRecord)
        .join(CertificateBatchRecord, CertificateBatchRecord.id == CertificateClaim.batch_id)
        .where(CertificateClaim.organisation_id == organisation_id)
        .order_by(CertificateClaim.id)
    )
    if purpose is not None:
        query = query.where(CertificateClaim.purpose == purpose.value)
    if subject is not None:
        query = query.where(CertificateClaim.subject == subject)
    if reference is not None:
        query = query.where(CertificateClaim.reference == reference)
    return [(claim, batch) for claim, batch in session.execute(query)]


def _certificate_month(session: Session, batch: CertificateBatch, organisation_id: int) -> None:
    """The plant-month is certificate electricity: recorded here on first import, refused when a
    CCER period claims it; imports of one plant-month take turns on its row."""
    key = (
        ElectricityClaim.plant == normal_plant(batch.plant),
        ElectricityClaim.year == batch.production_year,
        ElectricityClaim.month == batch.production_month,
    )
    locking = session.get_bind().dialect.name != "sqlite"
    query = select(ElectricityClaim).where(*key)
    found = session.scalar(query.with_for_update() if locking else query)
    if found is None:
        row = ElectricityClaim(
            plant=normal_plant(batch.plant),
            year=batch.production_year,
            month=batch.production_month,
            mwh=batch.mwh,
            scheme=batch.origin.value,
            subject=CERTIFICATE_SUBJECT,
            organisation_id=organisation_id,
        )
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
            return
        except IntegrityError:  # claimed at the same moment: see by what
            found = session.scalars(query.with_for_update() if locking else query).one()
    if found.scheme in (Origin.GEC.value, Origin.GREEN_POWER.value):
        return
    scheme = SCHEMES.get(found.scheme, found.scheme)
    raise ClaimRefusedError(
        f"电站 {batch.plant} {batch.production_year}年{batch.production_month}月的电量已按"
        f"{scheme}申报（{found.subject}），其绿证不能再进入本平台使用"
        "（国能综通新能〔2024〕124号 二：同一电量不能重复申报）",
        f"plant {batch.plant}'s electricity of {batch.production_year}-"
        f"{batch.production_month:02d} is claimed under {found.scheme} ({found.subject}): its "
        "certificates cannot be used as well (国能综通新能〔2024〕124号 §2)",
    )


def _overlap(
    batch: CertificateBatch, other: CertificateBatchRecord, organisation_id: int
) -> ClaimRefusedError:
    whose_zh = "本单位" if other.organisation_id == organisation_id else "另一家单位"
    whose_en = "this organisation" if other.organisation_id == organisation_id else "another one"
    return ClaimRefusedError(
        f"证书 {batch.serial_from} – {batch.serial_to} 与账本中已有的批次 {other.serial_from} – "
        f"{other.serial_to}（{whose_zh}导入）重叠：同一张绿证只能登记一次",
        f"certificates {batch.serial_from} – {batch.serial_to} overlap the batch "
        f"{other.serial_from} – {other.serial_to} in the ledger (imported by {whose_en}): a "
        "certificate is recorded once",
    )


def _batch_json(record: CertificateBatchRecord) -> dict[str, object]:
    return {
        "batch_id": record.id,
        "serial_from": record.serial_from,
        "serial_to": record.serial_to,
        "quantity": record.quantity,
        "plant": record.plant,
        "technology": record.technology,
        "production": f"{record.production_year}-{record.production_month:02d}",
        "valid_until": str(record.valid_until),
        "origin": record.origin,
        "contract": record.contract,
    }


def _new_reference(session: Session) -> str:
    while True:
        reference = f"GEC-C-{secrets.token_hex(5).upper()}"
        if (
            session.scalar(
                select(CertificateClaim.id).where(CertificateClaim.reference == reference)
            )
            is None
        ):
            return reference


def _take_turns(session: Session, prefixes: list[str]) -> None:
    """Imports of certificates of one serial prefix take turns (PostgreSQL: a transaction-level
    advisory lock per prefix, taken in order; SQLite: one writer at a time anyway), so two
    imports of overlapping runs cannot both find no overlap."""
    if session.get_bind().dialect.name == "sqlite":
        return
    for prefix in prefixes:
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
            {"key": f"dualcarbon.certificates:{prefix}"},
        )


def _writing(session: Session) -> None:
    """Open the write transaction before any savepoint (as :func:`dualcarbon.ledger.projects.
    _writing` explains): a change of nothing begins it on SQLite."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            update(CertificateBatchRecord)
            .where(CertificateBatchRecord.id == -1)
            .values(remaining=CertificateBatchRecord.remaining)
        )


def store_import(
    holder: str,
    batches: Sequence[CertificateBatch],
    *,
    source: str,
    imported_by: str,
    url: str | None = None,
) -> Imported:
    """:func:`import_batches` for the organisation named ``holder``, in a transaction of its own
    on the store at ``url`` (else ``DUALCARBON_DATABASE_URL``, else the SQLite file)."""
    from dualcarbon.ledger.keys import load_signer
    from dualcarbon.store import stored_session
    from dualcarbon.store.repository import get_or_create_organisation

    with stored_session(url) as session:
        organisation = get_or_create_organisation(session, holder)
        return import_batches(
            session,
            load_signer(),
            organisation.id,
            batches,
            source=source,
            imported_by=imported_by,
        )


def store_claim_certificates(
    holder: str, quantity: int, *, url: str | None = None, **claim: Any
) -> ClaimMade:
    """:func:`claim_certificates` by the organisation named ``holder``, in a transaction of its
    own; refused when the ledger knows no such holder."""
    from dualcarbon.ledger.keys import load_signer
    from dualcarbon.store import stored_session

    with stored_session(url) as session:
        organisation_id = _holder(session, holder)
        return claim_certificates(session, load_signer(), organisation_id, quantity, **claim)


def holdings(
    holder: str, *, url: str | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The holder's batches and claims as plain rows."""
    from dualcarbon.store import stored_session

    with stored_session(url) as session:
        organisation_id = _holder(session, holder)
        held = [
            {**_batch_json(b), "remaining": b.remaining, "plant_name": b.plant_name}
            for b in batches_of(session, organisation_id)
        ]
        made = [
            {
                "reference": c.reference,
                "batch_id": c.batch_id,
                "quantity": c.quantity,
                "purpose": c.purpose,
                "subject": c.subject,
                "consumption": f"{c.consumption_from} – {c.consumption_to}",
                "technology": b.technology,
                "plant": b.plant,
                "claimed_by": c.claimed_by,
                "claimed_at": c.claimed_at.isoformat(),
            }
            for c, b in claims_of(session, organisation_id)
        ]
        return held, made


def _holder(session: Session, name: str) -> int:
    found = session.scalar(select(Organisation.id).where(Organisation.name == name))
    if found is None:
        raise ClaimRefusedError(
            f"账本中没有单位“{name}”持有的绿证", f"the ledger holds no certificates of {name!r}"
        )
    return int(found)


@dataclass(frozen=True)
class FootprintClaimCheck:
    """One green-certificate electricity input of a footprint, checked against the ledger."""

    process: str
    instrument: str
    mwh_claimed: float
    technologies: tuple[str, ...]
    problems_zh: tuple[str, ...]
    problems_en: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems_en


def check_footprint_claims(
    session: Session,
    organisation_id: int,
    result: FootprintResult,
    *,
    catalogue: FactorCatalogue | None = None,
) -> list[FootprintClaimCheck]:
    """Each ``green_certificate`` electricity input of ``result`` must name (``instrument``) a
    claim of the holder's certificates made for this product (purpose ``product``, subject the
    product system's id), and convey no less than the life-cycle factor the MEE publishes for
    the certificates' generation type (a certificate carries its generation's footprint, not
    zero: ISO 14067 6.4.9.4 counts the instrument's emissions)."""
    from dualcarbon.factors.catalogue import default_catalogue
    from dualcarbon.units import conversion_factor

    catalogue = catalogue or default_catalogue()
    checks: list[FootprintClaimCheck] = []
    for use in result.electricity:
        choice = use.choice
        if choice.basis.value != "green_certificate":
            continue
        reference = choice.instrument or ""
        claims = claims_of(session, organisation_id, reference=reference)
        zh: list[str] = []
        en: list[str] = []
        if not claims:
            zh.append(f"账本中没有本单位编号为 {reference} 的绿证核销申报")
            en.append(f"the ledger holds no claim {reference} of this organisation")
        for claim, _ in claims[:1]:
            if claim.purpose != Purpose.PRODUCT.value or claim.subject != result.system_id:
                zh.append(
                    f"申报 {reference} 用于“{claim.purpose}: {claim.subject}”，不是产品 "
                    f"{result.system_id}"
                )
                en.append(
                    f"claim {reference} is for {claim.purpose} {claim.subject!r}, not the "
                    f"product {result.system_id!r}"
                )
        technologies = tuple(sorted({batch.technology for _, batch in claims}))
        conveyed = (choice.emission_factor or 0.0) * conversion_factor(
            choice.emission_factor_unit or "kgCO2e/kWh", "kgCO2e/kWh"
        )
        for _, batch in claims:
            floor = _footprint_factor(catalogue, batch.technology, batch.production_year)
            if floor is not None and conveyed < floor.value - 1e-12:
                zh.append(
                    f"{batch.technology} 绿证对应的电力碳足迹因子为 {floor.value} kgCO2e/kWh"
                    f"（{floor.citation('zh')}），合同因子 {conveyed:g} 不应低于此值"
                )
                en.append(
                    f"{batch.technology} certificates convey the generation's footprint, "
                    f"{floor.value} kgCO2e/kWh ({floor.citation('en')}), not the {conveyed:g} given"
                )
                break
        checks.append(
            FootprintClaimCheck(
                process=use.process,
                instrument=reference,
                mwh_claimed=float(sum(claim.quantity for claim, _ in claims)),
                technologies=technologies,
                problems_zh=tuple(zh),
                problems_en=tuple(en),
            )
        )
    return checks


def _footprint_factor(catalogue: FactorCatalogue, technology: str, year: int) -> Factor | None:
    """The MEE life-cycle factor of ``technology`` for ``year``, else the latest before it,
    else the earliest published."""
    found = catalogue.search(kind="carbon_footprint_factor", subject=technology, region="CN")
    if not found:
        return None
    earlier = [f for f in found if (f.year or 0) <= year]
    return (
        max(earlier, key=lambda f: f.year or 0)
        if earlier
        else min(found, key=lambda f: f.year or 0)
    )


def store_check_footprint(
    holder: str, result: FootprintResult, *, url: str | None = None
) -> list[FootprintClaimCheck]:
    """:func:`check_footprint_claims` on the store at ``url``."""
    from dualcarbon.store import stored_session

    with stored_session(url) as session:
        return check_footprint_claims(session, _holder(session, holder), result)


def enterprise_claims(
    organisation: str, year: int, *, url: str | None = None
) -> list[ClaimedCertificates]:
    """The certificates ``organisation`` claimed for its electricity of ``year`` (purpose
    ``enterprise``, subject ``"<organisation> <year>"``); none when the ledger does not know it."""
    from dualcarbon.store import stored_session

    with stored_session(url) as session:
        found = session.scalar(select(Organisation.id).where(Organisation.name == organisation))
        if found is None:
            return []
        return enterprise_claims_in(session, int(found), organisation, year)


def enterprise_claims_in(
    session: Session, organisation_id: int, organisation: str, year: int
) -> list[ClaimedCertificates]:
    """:func:`enterprise_claims` inside an open session, the organisation known by its id."""
    from dualcarbon.energy.green_electricity import ENTERPRISE_SUBJECT, ClaimedCertificates

    subject = ENTERPRISE_SUBJECT.format(organisation=organisation, year=year)
    return [
        ClaimedCertificates(
            reference=claim.reference,
            mwh=float(claim.quantity),
            technology=batch.technology,
            plant=batch.plant,
            production=f"{batch.production_year}-{batch.production_month:02d}",
        )
        for claim, batch in claims_of(
            session, organisation_id, purpose=Purpose.ENTERPRISE, subject=subject
        )
        if claim.consumption_from.year == year and claim.consumption_to.year == year
    ]
