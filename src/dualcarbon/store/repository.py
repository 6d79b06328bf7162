"""Saving and reading inventories, results and factor versions.

Every function takes the caller's :class:`~sqlalchemy.orm.Session` and only adds and flushes; the
caller decides the transaction, normally with
:func:`~dualcarbon.store.database.session_scope`, so an import (inventory, result, factors) is
stored all together or not at all.

Payload formats (docs/decisions/0002-store.md):

- ``inventories.inventory_json``: ``{"schema": "dualcarbon.inventory/1", "header": {...},
  "source": ..., "sheets": {...}, "tables": {name: {"columns": {column: polars type name},
  "data": {column: [values]}}}}``. Column types travel with the values so that the rebuilt
  inventory has the same digest as the one stored.
- ``results.result_json``: the result's JSON export as UTF-8 text, non-finite numbers written as
  ``null`` (JSON has no NaN); ``results.result_sha256`` is its SHA-256.
- ``results.lines_parquet``: the columnar trace (``AccountingResult.lines``) as Parquet bytes,
  which keep the column types and nulls exactly and can be read by Polars or DuckDB directly.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, defer, selectinload

from dualcarbon.accounting.findings import Finding
from dualcarbon.accounting.inventory import Inventory, InventoryHeader
from dualcarbon.accounting.result import AccountingResult, ResultMeta
from dualcarbon.errors import StoreError
from dualcarbon.factors.catalogue import FactorCatalogue, default_catalogue
from dualcarbon.factors.model import Factor
from dualcarbon.methodologies.tables import TABLES
from dualcarbon.metrology.calibration import CalibrationRecord, CalibrationResult
from dualcarbon.metrology.instruments import (
    Accuracy,
    BoundaryLevel,
    Instrument,
    InstrumentKind,
    MeteringPoint,
)
from dualcarbon.metrology.register import Register
from dualcarbon.store.models import (
    Facility,
    FactorVersion,
    Organisation,
    StoredCalibration,
    StoredInstrument,
    StoredInventory,
    StoredMeteringPoint,
    StoredResult,
    utcnow,
)

INVENTORY_SCHEMA = "dualcarbon.inventory/1"

_DTYPES: dict[str, type[pl.DataType]] = {
    "String": pl.String,
    "Float64": pl.Float64,
    "Int64": pl.Int64,
    "Boolean": pl.Boolean,
    "Null": pl.Null,
}
"""Column types an inventory table may hold, by the name written into ``inventory_json``."""


# -- organisations and facilities ----------------------------------------------------------------


def _name(value: str, what: str) -> str:
    name = value.strip()
    if not name:
        raise StoreError(f"{what} name is empty; give the {what} a name to store it under")
    return name


def get_or_create_organisation(session: Session, name: str) -> Organisation:
    name = _name(name, "organisation")
    found = session.scalar(select(Organisation).where(Organisation.name == name))
    if found is not None:
        return found
    organisation = Organisation(name=name)
    session.add(organisation)
    session.flush()
    return organisation


def get_or_create_facility(
    session: Session, organisation: Organisation, name: str, region: str
) -> Facility:
    """The organisation's facility called ``name``; a new one gets ``region``.

    An existing facility keeps the region it was created with: its grid region is a property of
    the plant, and an inventory that names another region records that in its own header.
    """
    name = _name(name, "facility")
    query = select(Facility).where(
        Facility.organisation_id == organisation.id, Facility.name == name
    )
    found = session.scalar(query)
    if found is not None:
        return found
    # Submissions for a plant new to the store may arrive at once: an insert that ignores the
    # conflict lets every one of them go on with the one row, where a plain insert would fail
    # all but the first on the unique constraint.
    insert = (
        postgresql.insert(Facility)
        if session.get_bind().dialect.name == "postgresql"
        else sqlite.insert(Facility)
    )
    session.execute(
        insert.values(
            organisation_id=organisation.id, name=name, region=region
        ).on_conflict_do_nothing(index_elements=["organisation_id", "name"])
    )
    created = session.scalar(query.execution_options(populate_existing=True))
    assert created is not None
    return created


# -- inventories ---------------------------------------------------------------------------------


def _dtype_name(dtype: pl.DataType, table: str, column: str) -> str:
    for name, candidate in _DTYPES.items():
        if dtype == candidate:
            return name
    raise StoreError(f"table {table!r}, column {column!r}: type {dtype} cannot be stored")


def dump_inventory(inventory: Inventory) -> str:
    """The inventory as JSON text: header, source, sheets and every table with its types."""
    tables: dict[str, Any] = {}
    for name, frame in inventory.tables.items():
        tables[name] = {
            "columns": {
                column: _dtype_name(dtype, name, column) for column, dtype in frame.schema.items()
            },
            "data": frame.to_dict(as_series=False),
        }
    payload = {
        "schema": INVENTORY_SCHEMA,
        "header": inventory.header.model_dump(mode="json"),
        "source": inventory.source,
        "sheets": dict(inventory.sheets),
        "tables": tables,
    }
    try:
        return json.dumps(payload, ensure_ascii=False, allow_nan=False)
    except ValueError as exc:
        raise StoreError(f"inventory {inventory.source}: a value is not a finite number") from exc


def load_inventory(row: StoredInventory) -> Inventory:
    """Rebuild the stored inventory, ready to account again.

    The rebuilt inventory's digest is checked against the stored one, so a payload changed or
    damaged behind the store's back is reported instead of silently re-run.
    """
    payload = json.loads(row.inventory_json)
    if payload.get("schema") != INVENTORY_SCHEMA:
        raise StoreError(f"inventory {row.id}: unknown payload schema {payload.get('schema')!r}")
    tables = {
        name: pl.DataFrame(
            table["data"],
            schema={column: _DTYPES[dtype] for column, dtype in table["columns"].items()},
        )
        for name, table in payload["tables"].items()
    }
    inventory = Inventory(
        header=InventoryHeader.model_validate(payload["header"]),
        tables=tables,
        source=payload["source"],
        sheets=payload["sheets"],
    )
    if inventory.digest() != row.digest:
        raise StoreError(f"inventory {row.id}: stored tables no longer match digest {row.digest}")
    return inventory


def stored_inventory(
    session: Session, organisation: str, facility: str, inventory: Inventory
) -> StoredInventory | None:
    """The inventory of the same content already stored for this organisation, facility and
    year, if any (the web and ``account --store`` refuse to submit it again)."""
    return session.scalar(
        select(StoredInventory)
        .join(Facility, StoredInventory.facility_id == Facility.id)
        .join(Organisation, Facility.organisation_id == Organisation.id)
        .where(
            Organisation.name == organisation,
            Facility.name == facility,
            StoredInventory.year == inventory.header.year,
            StoredInventory.digest == inventory.digest(),
        )
    )


def save_inventory(
    session: Session, organisation: str, facility: str, inventory: Inventory
) -> StoredInventory:
    """Store an inventory under an organisation and facility (both created if new).

    The same inventory (same digest) for the same facility and year is stored once: saving it
    again returns the existing row, so importing a file twice does not duplicate it.
    """
    org = get_or_create_organisation(session, organisation)
    plant = get_or_create_facility(session, org, facility, inventory.header.region)
    digest = inventory.digest()
    found = session.scalar(
        select(StoredInventory).where(
            StoredInventory.facility_id == plant.id,
            StoredInventory.year == inventory.header.year,
            StoredInventory.digest == digest,
        )
    )
    if found is not None:
        return found
    row = StoredInventory(
        facility=plant,
        year=inventory.header.year,
        methodology_id=inventory.header.methodology,
        source=inventory.source,
        digest=digest,
        inventory_json=dump_inventory(inventory),
    )
    session.add(row)
    session.flush()
    return row


# -- results -------------------------------------------------------------------------------------


def _json_safe(value: Any) -> Any:
    """``value`` with NaN and infinities as ``None``: JSON has no literal for them."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    return value


def _lines_parquet(lines: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    lines.write_parquet(buffer, compression="zstd")
    return buffer.getvalue()


def _same_run(
    session: Session, inventory_row: StoredInventory, result: AccountingResult
) -> StoredResult | None:
    """The stored result of the same run, if any: same inventory, methodology, factor versions,
    engine and computation time.

    The run's identity is used rather than a hash of the JSON: the export's sums (by gas, by
    source …) may differ in the last bit between two renderings of one result, because Polars'
    summation order depends on how the lines happen to sit in memory. Two runs in the same second
    with the same inventory, methodology and factor versions compute the same lines, so treating
    them as one loses nothing.
    """
    candidates = session.scalars(
        select(StoredResult).where(
            StoredResult.inventory_id == inventory_row.id,
            StoredResult.methodology == result.meta.methodology,
            StoredResult.engine_version == result.meta.engine,
            StoredResult.computed_at == result.meta.computed_at,
        )
    )
    factors = list(result.meta.factors)
    # factor_refs is compared here, not in SQL: PostgreSQL's json type has no equality operator.
    return next((row for row in candidates if row.factor_refs == factors), None)


@dataclass(frozen=True)
class PreparedResult:
    """A result as :func:`save_result` stores it: the JSON export, its SHA-256, the total read
    back from it, and the trace lines as Parquet."""

    text: str
    sha256: str
    total: float
    lines_parquet: bytes


def prepare_result(result: AccountingResult) -> PreparedResult:
    """Render ``result`` for storing. Call it before the write transaction (it is most of a small
    submission's storing work), so that the store's write turn is held for the inserts only."""
    payload = _json_safe(result.to_json_dict())
    total = payload["total_tco2e"]
    if not isinstance(total, float):
        raise StoreError(f"result total is not a finite number ({result.total()})")
    text = json.dumps(payload, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return PreparedResult(
        text=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        total=total,
        lines_parquet=_lines_parquet(result.lines),
    )


def save_result(
    session: Session,
    inventory_row: StoredInventory,
    result: AccountingResult,
    prepared: PreparedResult | None = None,
) -> StoredResult:
    """Store a result of ``inventory_row`` as a new, immutable row (``prepared``: its
    :func:`prepare_result`, if made beforehand).

    The result must have been computed from that inventory (same digest). A result computed with
    another methodology or other factor versions becomes a second row beside the first; saving
    the same run again (see :func:`_same_run`) returns the row already stored, so a retried save
    does not duplicate it. ``total_tco2e`` is taken from the JSON export, so the column and the
    stored JSON always agree to the last bit.
    """
    if result.meta.inventory_digest != inventory_row.digest:
        raise StoreError(
            f"result was computed from inventory {result.meta.inventory_digest[:12]}…, "
            f"not from stored inventory {inventory_row.id} ({inventory_row.digest[:12]}…)"
        )
    found = _same_run(session, inventory_row, result)
    if found is not None:
        return found
    prepared = prepared or prepare_result(result)
    row = StoredResult(
        inventory=inventory_row,
        methodology=result.meta.methodology,
        factor_refs=list(result.meta.factors),
        total_tco2e=prepared.total,
        computed_at=result.meta.computed_at,
        engine_version=result.meta.engine,
        result_json=prepared.text,
        result_sha256=prepared.sha256,
        lines_parquet=prepared.lines_parquet,
        line_count=result.lines.height,
    )
    session.add(row)
    session.flush()
    return row


def _with_owner() -> Any:
    return (
        selectinload(StoredResult.inventory)
        .selectinload(StoredInventory.facility)
        .selectinload(Facility.organisation)
    )


def list_results(session: Session, organisation: str | None = None) -> list[StoredResult]:
    """Stored results, oldest first, optionally of one organisation (by name).

    Inventory, facility and organisation are loaded with each row so they can be shown after the
    session closes. The payloads (``result_json``, ``lines_parquet``) are left unloaded to keep a
    listing light; read them inside the session or fetch the row with :func:`get_result`.
    """
    query = (
        select(StoredResult)
        .options(_with_owner(), defer(StoredResult.result_json), defer(StoredResult.lines_parquet))
        .order_by(StoredResult.computed_at, StoredResult.id)
    )
    if organisation is not None:
        query = (
            query.join(StoredResult.inventory)
            .join(StoredInventory.facility)
            .join(Facility.organisation)
            .where(Organisation.name == organisation)
        )
    return list(session.scalars(query))


def get_result(session: Session, result_id: int) -> StoredResult | None:
    """The stored result with this id, payloads and owner loaded, or ``None``."""
    # populate_existing: a row first seen through list_results has its payloads deferred.
    return session.get(StoredResult, result_id, options=[_with_owner()], populate_existing=True)


def result_payload(row: StoredResult) -> dict[str, Any]:
    """The stored JSON export, after checking it against its SHA-256."""
    if hashlib.sha256(row.result_json.encode()).hexdigest() != row.result_sha256:
        raise StoreError(f"result {row.id}: stored JSON does not match its SHA-256")
    payload: dict[str, Any] = json.loads(row.result_json)
    return payload


def result_lines(row: StoredResult) -> pl.DataFrame:
    """The stored trace lines, with the column types they were computed with."""
    return pl.read_parquet(io.BytesIO(row.lines_parquet))


def load_result(row: StoredResult, catalogue: FactorCatalogue | None = None) -> AccountingResult:
    """Rebuild the :class:`AccountingResult` to render reports from a stored run.

    Factors are looked up by their exact ``id@version`` in ``catalogue`` (default: the shipped
    one), which keeps every version side by side. Production data comes back from the JSON
    export, without the source row numbers the export leaves out.
    """
    payload = result_payload(row)
    catalogue = catalogue or default_catalogue()
    meta = ResultMeta.model_validate(payload["meta"])
    production = payload.get("production")
    return AccountingResult(
        meta=meta,
        lines=result_lines(row),
        production=None
        if production is None
        else pl.DataFrame(production, schema=TABLES["production"].schema),
        factors={ref: catalogue.get(ref) for ref in meta.factors},
        findings=tuple(Finding.from_json(f) for f in payload.get("findings", [])),
        checked="findings" in payload
        and not any(f.get("code") == "not_checked" for f in payload["findings"]),
    )


def latest_account(
    session: Session, organisation_id: int, facility: str, year: int
) -> tuple[Inventory, AccountingResult] | None:
    """The newest stored inventory of the organisation's ``facility`` for ``year`` (a
    correction is newer than what it corrects) with its newest result; None when there is none.
    """
    inventory_row = session.scalar(
        select(StoredInventory)
        .join(StoredInventory.facility)
        .where(
            Facility.organisation_id == organisation_id,
            Facility.name == facility,
            StoredInventory.year == year,
        )
        .order_by(StoredInventory.id.desc())
        .limit(1)
    )
    if inventory_row is None:
        return None
    result_row = session.scalar(
        select(StoredResult)
        .where(StoredResult.inventory_id == inventory_row.id)
        .order_by(StoredResult.id.desc())
        .limit(1)
    )
    if result_row is None:
        return None
    return load_inventory(inventory_row), load_result(result_row)


def current_results(session: Session) -> list[StoredResult]:
    """What the platform holds now, once per facility and year: the newest result of the newest
    inventory of each (a correction is newer than what it corrects), ordered by id."""
    newest_inventories = (
        select(func.max(StoredInventory.id))
        .group_by(StoredInventory.facility_id, StoredInventory.year)
        .scalar_subquery()
    )
    newest_results = (
        select(func.max(StoredResult.id))
        .where(StoredResult.inventory_id.in_(newest_inventories))
        .group_by(StoredResult.inventory_id)
        .scalar_subquery()
    )
    return list(
        session.scalars(
            select(StoredResult)
            .options(_with_owner())
            .where(StoredResult.id.in_(newest_results))
            .order_by(StoredResult.id)
        )
    )


# -- factor versions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FactorSync:
    """What :func:`sync_factors` did."""

    added: int
    marked_superseded: int
    unchanged: int


def _factor_columns(factor: Factor) -> dict[str, Any]:
    return {
        "id": factor.id,
        "version": factor.version,
        "kind": factor.kind,
        "subject": factor.subject,
        "gas": factor.gas,
        "name_zh": factor.name_zh,
        "name_en": factor.name_en,
        "value": factor.value,
        "unit": factor.unit,
        "year": factor.year,
        "region": factor.effective_region,
        "source_id": factor.source.id,
        "source_table": factor.table,
        "supersedes": factor.supersedes,
    }


def sync_factors(session: Session, catalogue: FactorCatalogue | None = None) -> FactorSync:
    """Load the catalogue's factor versions into ``factor_versions``; running it again is a no-op.

    New versions are added and versions the catalogue now supersedes are marked so. A version
    already stored with different content is refused: a published version is never edited in
    place, a correction ships as a new version (DESIGN.md, factors).
    """
    catalogue = catalogue or default_catalogue()
    stored = {row.ref: row for row in session.scalars(select(FactorVersion))}
    added = marked = unchanged = 0
    for factor in catalogue:
        columns = _factor_columns(factor)
        superseded = catalogue.is_superseded(factor)
        row = stored.get(factor.ref)
        if row is None:
            session.add(FactorVersion(ref=factor.ref, superseded=superseded, **columns))
            added += 1
            continue
        changed = sorted(name for name, value in columns.items() if getattr(row, name) != value)
        if changed:
            raise StoreError(
                f"factor {factor.ref} differs from the stored version in {', '.join(changed)}; "
                "a published version is never edited, ship a new version instead"
            )
        if superseded and not row.superseded:
            row.superseded = True
            marked += 1
        else:
            unchanged += 1
    session.flush()
    return FactorSync(added=added, marked_superseded=marked, unchanged=unchanged)


# -- registers of measuring instruments ----------------------------------------------------------


@dataclass(frozen=True)
class RegisterSync:
    """What :func:`save_register` did."""

    instruments_added: int
    instruments_updated: int
    instruments_unchanged: int
    calibrations_added: int
    calibrations_unchanged: int
    points_stored: int = 0


_STRING_LIMITS = {"code": 100, "energy": 50, "unit": 100, "level": 20, "kind": 50, "accuracy": 50}


def _instrument_columns(instrument: Instrument) -> dict[str, Any]:
    columns: dict[str, Any] = {
        "code": instrument.id,
        "name": instrument.name,
        "quantity": instrument.quantity,
        "energy": instrument.energy,
        "unit": instrument.unit,
        "level": instrument.level.value,
        "kind": instrument.kind.value,
        "accuracy": str(instrument.accuracy),
        "range_min": instrument.range_min,
        "range_max": instrument.range_max,
        "range_unit": instrument.range_unit,
        "serial": instrument.serial,
        "owner": instrument.owner,
        "interval_months": instrument.interval_months,
        "application": instrument.application,
        "note": instrument.note,
    }
    for name, limit in _STRING_LIMITS.items():
        if len(columns[name]) > limit:
            raise StoreError(
                f"instrument {instrument.id}: {name} is longer than {limit} characters"
            )
    return columns


def _calibration_columns(record: CalibrationRecord) -> dict[str, Any]:
    if len(record.certificate) > 200:
        raise StoreError(
            f"calibration of {record.instrument_id} on {record.date}: certificate number is "
            "longer than 200 characters"
        )
    return {
        "date": record.date,
        "institute": record.institute,
        "certificate": record.certificate,
        "result": record.result.value,
        "traceable_to": record.traceable_to,
        "next_due": record.next_due,
        "expanded_uncertainty": record.expanded_uncertainty,
        "uncertainty_unit": record.uncertainty_unit,
        "coverage_factor": record.coverage_factor,
        "error_found": record.error_found,
    }


def save_register(session: Session, organisation: str, register: Register) -> RegisterSync:
    """Store ``register`` under ``organisation``; importing the same register again is a no-op.

    Instruments are master data: a changed instrument is updated in place, one missing from the
    register stays stored. Calibration records are evidence: new ones are added, stored ones are
    kept, and a record stored with other content (same instrument, date and certificate) is
    refused rather than edited.
    """
    owner = get_or_create_organisation(session, organisation)
    stored = {
        row.code: row
        for row in session.scalars(
            select(StoredInstrument)
            .where(StoredInstrument.organisation_id == owner.id)
            .options(selectinload(StoredInstrument.calibrations))
        )
    }
    added = updated = unchanged = 0
    for instrument in register.instruments:
        columns = _instrument_columns(instrument)
        row = stored.get(instrument.id)
        if row is None:
            row = StoredInstrument(organisation=owner, calibrations=[], **columns)
            session.add(row)
            stored[instrument.id] = row
            added += 1
            continue
        changed = {name: value for name, value in columns.items() if getattr(row, name) != value}
        if changed:
            for name, value in changed.items():
                setattr(row, name, value)
            row.updated_at = utcnow()
            updated += 1
        else:
            unchanged += 1
    records_added = records_unchanged = 0
    for record in register.calibrations:
        row = stored[record.instrument_id]
        columns = _calibration_columns(record)
        same = next(
            (
                c
                for c in row.calibrations
                if (c.date, c.certificate) == (record.date, record.certificate)
            ),
            None,
        )
        if same is None:
            row.calibrations.append(StoredCalibration(**columns))
            records_added += 1
            continue
        differs = sorted(name for name, value in columns.items() if getattr(same, name) != value)
        if differs:
            raise StoreError(
                f"calibration of {record.instrument_id} on {record.date} (certificate "
                f"{record.certificate or '—'}) differs from the stored record in "
                f"{', '.join(differs)}; stored records are evidence and are not edited"
            )
        records_unchanged += 1
    points = _save_points(session, owner, register.points)
    session.flush()
    return RegisterSync(added, updated, unchanged, records_added, records_unchanged, points)


def _save_points(session: Session, owner: Organisation, points: Sequence[MeteringPoint]) -> int:
    """Store the register's metering points as master data: added or updated in place; a point
    the register no longer lists stays stored (as instruments do)."""
    if not points:
        return 0
    stored = {
        row.code: row
        for row in session.scalars(
            select(StoredMeteringPoint).where(StoredMeteringPoint.organisation_id == owner.id)
        )
    }
    for point in points:
        columns = {
            "energy": point.energy,
            "level": point.level.value,
            "unit": point.unit,
            "description": point.description,
            "instrument": point.instrument,
        }
        row = stored.get(point.id)
        if row is None:
            session.add(StoredMeteringPoint(organisation_id=owner.id, code=point.id, **columns))
        elif any(getattr(row, name) != value for name, value in columns.items()):
            for name, value in columns.items():
                setattr(row, name, value)
            row.updated_at = utcnow()
    return len(points)


def load_register(session: Session, organisation: str) -> Register | None:
    """The organisation's stored register, or ``None`` when it has no instruments stored."""
    rows = list(
        session.scalars(
            select(StoredInstrument)
            .join(StoredInstrument.organisation)
            .where(Organisation.name == organisation.strip())
            .options(selectinload(StoredInstrument.calibrations))
            .order_by(StoredInstrument.id)
        )
    )
    if not rows:
        return None
    instruments = [
        Instrument(
            id=row.code,
            name=row.name,
            quantity=row.quantity,
            energy=row.energy,
            unit=row.unit,
            level=BoundaryLevel(row.level),
            kind=InstrumentKind(row.kind),
            accuracy=Accuracy.parse(row.accuracy),
            range_min=row.range_min,
            range_max=row.range_max,
            range_unit=row.range_unit,
            serial=row.serial,
            owner=row.owner,
            interval_months=row.interval_months,
            application=row.application,
            note=row.note,
        )
        for row in rows
    ]
    records = [
        CalibrationRecord(
            instrument_id=row.code,
            date=c.date,
            institute=c.institute,
            certificate=c.certificate,
            result=CalibrationResult(c.result),
            traceable_to=c.traceable_to,
            next_due=c.next_due,
            expanded_uncertainty=c.expanded_uncertainty,
            uncertainty_unit=c.uncertainty_unit,
            coverage_factor=c.coverage_factor,
            error_found=c.error_found,
        )
        for row in rows
        for c in sorted(row.calibrations, key=lambda c: (c.date, c.id))
    ]
    points = [
        MeteringPoint(
            id=row.code,
            energy=row.energy,
            level=BoundaryLevel(row.level),
            unit=row.unit,
            description=row.description,
            instrument=row.instrument,
        )
        for row in session.scalars(
            select(StoredMeteringPoint)
            .where(StoredMeteringPoint.organisation_id == rows[0].organisation_id)
            .order_by(StoredMeteringPoint.id)
        )
    ]
    return Register(
        organisation=organisation.strip(),
        instruments=tuple(instruments),
        calibrations=tuple(records),
        points=tuple(points),
    )


def register_organisations(session: Session) -> list[str]:
    """Names of the organisations that have instruments stored, alphabetically."""
    query = (
        select(Organisation.name)
        .join(StoredInstrument, StoredInstrument.organisation_id == Organisation.id)
        .distinct()
        .order_by(Organisation.name)
    )
    return list(session.scalars(query))


# -- results by organisation id (the API's scope works on ids) -----------------------------------


def list_results_of_organisation(session: Session, organisation_id: int) -> list[StoredResult]:
    """The organisation's stored results, oldest first, owners loaded and payloads deferred
    (as :func:`list_results`)."""
    query = (
        select(StoredResult)
        .join(StoredResult.inventory)
        .join(StoredInventory.facility)
        .where(Facility.organisation_id == organisation_id)
        .options(_with_owner(), defer(StoredResult.result_json), defer(StoredResult.lines_parquet))
        .order_by(StoredResult.computed_at, StoredResult.id)
    )
    return list(session.scalars(query))
