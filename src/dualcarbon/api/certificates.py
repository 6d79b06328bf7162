"""Green certificates on the platform: a holder uploads its batches and claims green-electricity
consumption; verifiers and regulators read the ledger (docs/energy.md). Every refusal of the
ledger (a certificate recorded or claimed already, a plant-month under a CCER claim) is 409."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Self

from pydantic import BaseModel, Field, model_validator
from sqlalchemy.orm import Session

from dualcarbon.api.scope import Action, Area, Principal
from dualcarbon.api.services import REQUEST, json_object, organisation_for, read_upload
from dualcarbon.certificates.model import Purpose
from dualcarbon.io.certificate_files import certificates_from_mapping, read_certificates
from dualcarbon.ledger.certificates import (
    batches_of,
    claim_certificates,
    claims_of,
    import_batches,
)
from dualcarbon.ledger.signing import Signer

SUFFIXES = (".csv", ".xlsx", ".yaml", ".yml")


class BatchPublic(BaseModel):
    id: int
    serial_from: str
    serial_to: str
    quantity: int
    remaining: int
    plant: str
    plant_name: str
    technology: str
    production: str
    valid_until: str
    tradable: bool
    origin: str
    contract: str


class ClaimPublic(BaseModel):
    reference: str
    batch_id: int
    quantity: int
    purpose: str
    subject: str
    consumption_from: str
    consumption_to: str
    technology: str
    plant: str
    claimed_by: str
    claimed_at: str


class Holdings(BaseModel):
    batches: list[BatchPublic]
    claims: list[ClaimPublic]


class ImportOutcome(BaseModel):
    batches: int
    certificates: int
    evidence_sequence: int


class ClaimBody(BaseModel):
    quantity: int = Field(gt=0, le=10_000_000, description="certificates (MWh) to cancel")
    purpose: Purpose
    subject: str = Field(min_length=1, max_length=200)
    consumption_from: dt.date
    consumption_to: dt.date
    plant: str | None = Field(default=None, max_length=100)

    @model_validator(mode="after")
    def _period(self) -> Self:
        if self.consumption_to < self.consumption_from:
            raise ValueError("the consumption period ends before it starts")
        return self


class ClaimOutcome(BaseModel):
    reference: str
    quantity: int
    taken: list[dict[str, int]]
    evidence_sequence: int


def holdings(session: Session, principal: Principal, organisation_id: int) -> Holdings:
    organisation_for(session, principal, organisation_id, Action.READ, Area.CERTIFICATES)
    return Holdings(
        batches=[
            BatchPublic(
                id=b.id,
                serial_from=b.serial_from,
                serial_to=b.serial_to,
                quantity=b.quantity,
                remaining=b.remaining,
                plant=b.plant,
                plant_name=b.plant_name,
                technology=b.technology,
                production=f"{b.production_year}-{b.production_month:02d}",
                valid_until=str(b.valid_until),
                tradable=b.tradable,
                origin=b.origin,
                contract=b.contract,
            )
            for b in batches_of(session, organisation_id)
        ],
        claims=[
            ClaimPublic(
                reference=c.reference,
                batch_id=c.batch_id,
                quantity=c.quantity,
                purpose=c.purpose,
                subject=c.subject,
                consumption_from=str(c.consumption_from),
                consumption_to=str(c.consumption_to),
                technology=b.technology,
                plant=b.plant,
                claimed_by=c.claimed_by,
                claimed_at=f"{c.claimed_at:%Y-%m-%d %H:%M}",
            )
            for c, b in claims_of(session, organisation_id)
        ],
    )


def import_upload(
    session: Session,
    principal: Principal,
    organisation_id: int,
    filename: str | None,
    data: bytes,
    ledger: Signer,
) -> ImportOutcome:
    organisation_for(session, principal, organisation_id, Action.WRITE, Area.CERTIFICATES)
    if filename is None:  # a JSON body shaped as the YAML format
        batches = certificates_from_mapping(json_object(data), source=REQUEST)
    else:
        batches = read_upload(filename, data, SUFFIXES, read_certificates)
    # a refusal leaves the transaction open: the request's session rolls it back (api.deps)
    done = import_batches(
        session,
        ledger,
        organisation_id,
        batches,
        source=f"{filename or 'upload'} sha256:{hashlib.sha256(data).hexdigest()}",
        imported_by=principal.email,
    )
    session.commit()
    return ImportOutcome(
        batches=len(done.batches), certificates=done.certificates, evidence_sequence=done.sequence
    )


def claim(
    session: Session,
    principal: Principal,
    organisation_id: int,
    body: ClaimBody,
    ledger: Signer,
) -> ClaimOutcome:
    organisation_for(session, principal, organisation_id, Action.WRITE, Area.CERTIFICATES)
    made = claim_certificates(
        session,
        ledger,
        organisation_id,
        body.quantity,
        purpose=body.purpose,
        subject=body.subject,
        consumption_from=body.consumption_from,
        consumption_to=body.consumption_to,
        claimed_by=principal.email,
        plant=body.plant,
    )
    session.commit()
    return ClaimOutcome(
        reference=made.reference,
        quantity=made.quantity,
        taken=[{"batch_id": b, "quantity": n} for b, n in made.taken],
        evidence_sequence=made.sequence,
    )
