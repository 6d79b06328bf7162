"""An organisation's register of measuring instruments over the API: importing it, adding one
calibration certificate, and the GB 17167 review of what is stored.

Calibration records are evidence: every new one is lodged in the organisation's log and the
platform log (:func:`dualcarbon.ledger.lodging.lodge_calibrations`), so a certificate edited in
the database later is named by ``dualcarbon evidence verify``. Instruments and metering points are
master data and are updated in place.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from dualcarbon.api.schemas import CalibrationCreate, RegisterImported
from dualcarbon.api.scope import Action, Area, Principal
from dualcarbon.api.services import REQUEST, json_object, organisation_for, read_upload
from dualcarbon.errors import InputError, InputProblem, NotFoundError
from dualcarbon.io.register_files import read_register, register_from_mapping
from dualcarbon.ledger.lodging import lodge_calibrations
from dualcarbon.ledger.signing import Signer
from dualcarbon.metrology.calibration import CalibrationRecord
from dualcarbon.metrology.register import Register
from dualcarbon.metrology.review import ReviewReport, review
from dualcarbon.store.repository import load_register, save_register

REGISTER_SUFFIXES = (".xlsx", ".yaml", ".yml")


def register_from_upload(filename: str | None, data: bytes) -> Register:
    """An uploaded register workbook (.xlsx) or YAML file."""
    return read_upload(filename, data, REGISTER_SUFFIXES, read_register)


def register_from_json(data: bytes) -> Register:
    """A register sent as JSON, shaped as the YAML format (docs/metrology-instruments.md)."""
    return register_from_mapping(json_object(data), source=REQUEST)


def import_register(
    session: Session,
    principal: Principal,
    organisation_id: int,
    register: Register,
    ledger: Signer,
) -> RegisterImported:
    """Store the register under the organisation and lodge its new calibration records.

    A register naming another organisation is refused. Importing the same register again stores
    and lodges nothing; a stored certificate sent with other content is a conflict (409).
    """
    organisation = organisation_for(
        session, principal, organisation_id, Action.WRITE, Area.INSTRUMENTS
    )
    named = (register.organisation or "").strip()
    if named and named != organisation.name:
        raise InputError(
            [
                InputProblem(
                    REQUEST,
                    f"the register names organisation {named!r}; it can be imported only into "
                    f"that organisation, not into {organisation.name!r}",
                    field="register.organisation",
                    value=named,
                )
            ]
        )
    sync = save_register(session, organisation.name, register)
    lodged = lodge_calibrations(
        session, ledger, organisation.id, submitted_by=f"user:{principal.user_id}"
    )
    session.commit()
    return RegisterImported(
        instruments_added=sync.instruments_added,
        instruments_updated=sync.instruments_updated,
        instruments_unchanged=sync.instruments_unchanged,
        calibrations_added=sync.calibrations_added,
        calibrations_unchanged=sync.calibrations_unchanged,
        points=sync.points_stored,
        evidence=[
            {"log_id": e.log_id, "sequence": e.sequence, "leaf_hash": e.leaf_hash} for e in lodged
        ],
    )


def add_calibration(
    session: Session,
    principal: Principal,
    organisation_id: int,
    code: str,
    data: CalibrationCreate,
    ledger: Signer,
) -> RegisterImported:
    """Add one certificate to a stored instrument (and lodge it)."""
    organisation = organisation_for(
        session, principal, organisation_id, Action.WRITE, Area.INSTRUMENTS
    )
    stored = load_register(session, organisation.name)
    instrument = None if stored is None else stored.instrument(code)
    if instrument is None:
        raise NotFoundError("instrument", code)
    try:
        record = CalibrationRecord(instrument_id=code, **data.model_dump())
    except ValidationError as exc:
        raise InputError(
            [
                InputProblem(
                    REQUEST,
                    str(error["msg"]),
                    field=".".join(str(p) for p in error["loc"]) or None,
                )
                for error in exc.errors()
            ]
        ) from None
    one = Register(
        organisation=organisation.name, instruments=(instrument,), calibrations=(record,)
    )
    return import_register(session, principal, organisation_id, one, ledger)


def review_register(
    session: Session, principal: Principal, organisation_id: int, at: dt.date | None
) -> ReviewReport:
    """The GB 17167-2006 review of the stored register at ``at`` (default today)."""
    organisation = organisation_for(
        session, principal, organisation_id, Action.READ, Area.INSTRUMENTS
    )
    register = load_register(session, organisation.name)
    if register is None:
        raise NotFoundError("register of organisation", organisation_id)
    return review(register, at=at or dt.date.today())


def instrument_rows(register: Register, at: dt.date) -> list[dict[str, Any]]:
    """Every instrument with its calibration state at ``at``, as the list route answers."""
    rows = []
    for status in register.statuses(at):
        instrument = register.instrument(status.instrument_id)
        assert instrument is not None
        rows.append(
            {
                "id": instrument.id,
                "name": instrument.name,
                "energy": instrument.energy,
                "accuracy": str(instrument.accuracy),
                "state": status.state.value,
                "due_date": status.due_date,
                "last_calibrated": status.last_calibrated,
                "certificate": status.certificate,
            }
        )
    return rows
