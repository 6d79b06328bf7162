"""The store's tables as typed SQLAlchemy ORM classes (docs/decisions/0002-store.md).

The schema is kept small and explicit: a few columns a user filters on (organisation, facility,
year, methodology, total) and, beside them, the full payloads as text, so that an inventory can be
re-run and a result re-read exactly as it was computed. The migrations in
``store/migrations/versions`` create the same tables by hand; a test compares the two, so the
models and the migrations cannot drift apart.

The ORM classes for inventories and results are called ``StoredInventory`` and ``StoredResult``
rather than ``Inventory`` and ``Result``: callers hold an :class:`dualcarbon.accounting.inventory.
Inventory` and a stored row side by side, and the same name for both would invite mistakes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy import inspect as inspect_state
from sqlalchemy.engine import Connection
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Mapper,
    ORMExecuteState,
    Session,
    mapped_column,
    relationship,
)
from sqlalchemy.types import TypeDecorator

from dualcarbon.errors import StoreError

IMMUTABLE_MESSAGE = "results are immutable"
"""The text the database trigger raises; :func:`~dualcarbon.store.database.session_scope` looks
for it to turn the driver's error into a :class:`StoreError`."""

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Deterministic constraint names: PostgreSQL needs a name to drop or alter a constraint, and the
migrations spell out the same names."""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp on every backend.

    PostgreSQL keeps the zone (``timestamptz``); SQLite has no zone type and SQLAlchemy would hand
    back naive values. Writing UTC and reading it back as UTC makes ``computed_at`` compare equal
    whichever backend stored it. Naive values are refused: a timestamp without a zone cannot be
    placed on the UTC line without guessing.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise StoreError(f"timestamp {value.isoformat()} has no time zone")
        utc = value.astimezone(dt.UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)

    facilities: Mapped[list[Facility]] = relationship(back_populates="organisation")

    def __repr__(self) -> str:
        return f"Organisation(id={self.id!r}, name={self.name!r})"


class Facility(Base):
    """A plant of an organisation. ``region`` is the grid region its electricity factors use."""

    __tablename__ = "facilities"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(50))

    organisation: Mapped[Organisation] = relationship(back_populates="facilities")
    inventories: Mapped[list[StoredInventory]] = relationship(back_populates="facility")

    def __repr__(self) -> str:
        return f"Facility(id={self.id!r}, name={self.name!r}, region={self.region!r})"


class StoredInventory(Base):
    """An inventory as it was read: header, tables and the file it came from.

    ``inventory_json`` holds everything needed to rebuild the :class:`Inventory` and account it
    again (header, sheets, each table's column types and values); ``digest`` is the inventory's
    own SHA-256, which :func:`~dualcarbon.store.repository.load_inventory` checks on the way out.
    The same digest for the same facility and year is stored once.
    """

    __tablename__ = "inventories"
    __table_args__ = (UniqueConstraint("facility_id", "year", "digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    methodology_id: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(500))
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    inventory_json: Mapped[str] = mapped_column(Text)

    facility: Mapped[Facility] = relationship(back_populates="inventories")
    results: Mapped[list[StoredResult]] = relationship(back_populates="inventory")

    def __repr__(self) -> str:
        return (
            f"StoredInventory(id={self.id!r}, year={self.year!r}, "
            f"methodology_id={self.methodology_id!r}, digest={self.digest[:12]!r}…)"
        )


class StoredResult(Base):
    """One accounting run, frozen: never updated, never deleted through the ORM.

    ``result_json`` is the result's JSON export (``AccountingResult.to_json_dict()``) exactly as
    written, ``result_sha256`` its hash; ``lines_parquet`` is the columnar trace (every line with
    its inputs, tiers and factor refs) as Parquet bytes, so it reloads with its exact column types.
    Re-computing with newer factors or another methodology adds a new row beside this one.
    """

    __tablename__ = "results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inventory_id: Mapped[int] = mapped_column(ForeignKey("inventories.id"), index=True)
    methodology: Mapped[str] = mapped_column(String(100))
    factor_refs: Mapped[list[str]] = mapped_column(JSON)
    total_tco2e: Mapped[float] = mapped_column(Double)
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    engine_version: Mapped[str] = mapped_column(String(100))
    result_json: Mapped[str] = mapped_column(Text)
    result_sha256: Mapped[str] = mapped_column(String(64))
    lines_parquet: Mapped[bytes] = mapped_column(LargeBinary)
    line_count: Mapped[int] = mapped_column(Integer)

    inventory: Mapped[StoredInventory] = relationship(back_populates="results")

    def __repr__(self) -> str:
        return (
            f"StoredResult(id={self.id!r}, methodology={self.methodology!r}, "
            f"total_tco2e={self.total_tco2e!r})"
        )


class FactorVersion(Base):
    """One version of a published factor, as shipped in ``dualcarbon/factors/data``.

    Rows are only ever added (and marked ``superseded`` when a newer version arrives), so a stored
    result's ``factor_refs`` can always be looked up here. ``source_table`` is the factor's
    ``table`` field (the table or clause of the source document); it is not called ``table`` so
    that hand-written SQL does not need to quote a reserved word.
    """

    __tablename__ = "factor_versions"

    ref: Mapped[str] = mapped_column(String(300), primary_key=True)
    id: Mapped[str] = mapped_column(String(300), index=True)
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(50))
    subject: Mapped[str] = mapped_column(String(100))
    gas: Mapped[str | None] = mapped_column(String(20))
    name_zh: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    value: Mapped[float] = mapped_column(Double)
    unit: Mapped[str] = mapped_column(String(50))
    year: Mapped[int | None] = mapped_column(Integer)
    region: Mapped[str] = mapped_column(String(50))
    source_id: Mapped[str] = mapped_column(String(100))
    source_table: Mapped[str] = mapped_column(String(200))
    supersedes: Mapped[str | None] = mapped_column(String(300))
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)

    def __repr__(self) -> str:
        return f"FactorVersion(ref={self.ref!r}, value={self.value!r}, unit={self.unit!r})"


# -- immutability of results ---------------------------------------------------------------------
# Three guards, outermost first: the repository offers no update; these ORM events refuse a flush
# that would change or delete a StoredResult, and a bulk ``update(StoredResult)``/``delete``;
# the database trigger created by the migration refuses any UPDATE, including raw SQL.


@event.listens_for(StoredResult, "before_update")
def _refuse_update(mapper: Mapper[Any], connection: Connection, target: StoredResult) -> None:
    raise StoreError(f"{IMMUTABLE_MESSAGE}: result {target.id} cannot be changed; save a new one")


@event.listens_for(StoredResult, "before_delete")
def _refuse_delete(mapper: Mapper[Any], connection: Connection, target: StoredResult) -> None:
    raise StoreError(f"{IMMUTABLE_MESSAGE}: result {target.id} cannot be deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    if mapper is not None and mapper.class_ is StoredResult:
        raise StoreError(f"{IMMUTABLE_MESSAGE}: bulk update or delete of results refused")


# -- measuring instruments (migration 0002) ------------------------------------------------------


class StoredInstrument(Base):
    """One instrument of an organisation's register (:class:`dualcarbon.metrology.Instrument`).

    ``code`` is the unit's own management number (``BS-101``), unique within the organisation;
    ``accuracy`` its written form (``0.5``, ``0.2S``, ``±0.5%``). Instruments are master data:
    importing a register again updates them in place.
    """

    __tablename__ = "instruments"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    code: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(Text)
    quantity: Mapped[str] = mapped_column(Text)
    energy: Mapped[str] = mapped_column(String(50))
    unit: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(50))
    accuracy: Mapped[str] = mapped_column(String(50))
    range_min: Mapped[float | None] = mapped_column(Double)
    range_max: Mapped[float | None] = mapped_column(Double)
    range_unit: Mapped[str | None] = mapped_column(String(50))
    serial: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(Text)
    interval_months: Mapped[int] = mapped_column(Integer)
    application: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    calibrations: Mapped[list[StoredCalibration]] = relationship(
        back_populates="instrument", order_by="StoredCalibration.date"
    )

    def __repr__(self) -> str:
        return f"StoredInstrument(id={self.id!r}, code={self.code!r}, energy={self.energy!r})"


class StoredCalibration(Base):
    """One calibration/verification certificate of a stored instrument.

    Records are evidence: an import adds new ones and never edits or removes a stored one.
    """

    __tablename__ = "calibrations"
    __table_args__ = (UniqueConstraint("instrument_id", "date", "certificate"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    institute: Mapped[str] = mapped_column(Text)
    certificate: Mapped[str] = mapped_column(String(200))
    result: Mapped[str] = mapped_column(String(10))
    traceable_to: Mapped[str] = mapped_column(Text)
    next_due: Mapped[dt.date | None] = mapped_column(Date)
    expanded_uncertainty: Mapped[float | None] = mapped_column(Double)
    uncertainty_unit: Mapped[str] = mapped_column(String(50))
    coverage_factor: Mapped[float | None] = mapped_column(Double)
    error_found: Mapped[float | None] = mapped_column(Double)
    """The largest basic error found, % of the reading (migration 0014)."""
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    instrument: Mapped[StoredInstrument] = relationship(back_populates="calibrations")

    def __repr__(self) -> str:
        return (
            f"StoredCalibration(id={self.id!r}, date={self.date!r}, "
            f"certificate={self.certificate!r}, result={self.result!r})"
        )


class StoredMeteringPoint(Base):
    """A metering point the organisation should have (GB 17167's 'theoretically required'
    instrument), as its register lists it (migration 0007). Master data, like instruments.

    ``instrument`` is the code of the instrument configured at the point, or ``None`` when any
    instrument of the same energy, level and unit covers it.
    """

    __tablename__ = "metering_points"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    code: Mapped[str] = mapped_column(String(100))
    energy: Mapped[str] = mapped_column(String(50))
    level: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    instrument: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"StoredMeteringPoint(id={self.id!r}, code={self.code!r}, energy={self.energy!r})"


# -- accounts: users, organisation assignments, API keys, web sessions (migration 0003) ----------

ROLES = (
    "enterprise",
    "project_developer",
    "verifier",
    "metrology_reviewer",
    "park_manager",
    "regulator",
    "admin",
)
"""The roles a user can hold (docs/api.md). An ``enterprise`` or ``project_developer`` user
belongs to one organisation;
``verifier`` and ``metrology_reviewer`` users are assigned organisations in
``user_organisations``; a ``park_manager`` has there the members of its parks that granted it
their details."""


class UserOrganisation(Base):
    """An organisation assigned to a verifier or metrology reviewer."""

    __tablename__ = "user_organisations"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id"), primary_key=True, index=True
    )


class User(Base):
    """A person who logs in. ``password_hash`` is an Argon2id hash in its PHC string form."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(30))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Raised by one to end every web session of the user at once (0010, decision 0010)."""

    organisation: Mapped[Organisation | None] = relationship()
    assigned: Mapped[list[Organisation]] = relationship(
        secondary="user_organisations", order_by="Organisation.id", viewonly=True
    )
    """Organisations assigned to a verifier or reviewer; written as :class:`UserOrganisation`
    rows."""

    def __repr__(self) -> str:
        return f"User(id={self.id!r}, email={self.email!r}, role={self.role!r})"


class ApiKey(Base):
    """A key for machines. Only the SHA-256 of the secret is kept; ``prefix`` finds the row."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"ApiKey(id={self.id!r}, prefix={self.prefix!r}, user_id={self.user_id!r})"


class WebSession(Base):
    """A logged-in browser. The cookie carries a random token; only its SHA-256 is stored, so
    the server itself keeps no state and any instance can answer."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """The user's ``session_epoch`` when the session began; valid only while they are equal."""

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"WebSession(id={self.id!r}, user_id={self.user_id!r})"


# -- evidence ledger (0004) ----------------------------------------------------------------------


class EvidenceLog(Base):
    """One append-only log (``org:<id>`` or ``platform``): its size and compact range.

    Appends lock this row (SELECT … FOR UPDATE on PostgreSQL; SQLite serialises writers), so
    concurrent submissions get consecutive sequence numbers and every head commits to all before.
    """

    __tablename__ = "evidence_logs"

    log_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer, default=0)
    compact_json: Mapped[str] = mapped_column(Text, default="[]")


class EvidenceEntry(Base):
    """One lodged record. ``content_json`` is the canonical JSON the leaf hash was taken over.

    ``subject`` (``inventory:12``, ``result:40`` …) is unique per log and ``corrects_id`` (the
    inventory a correction corrects) too: concurrent requests cannot lodge one thing twice or
    correct one inventory twice (migration 0009, docs/decisions/0008-evidence-commitments.md)."""

    __tablename__ = "evidence_entries"
    __table_args__ = (
        UniqueConstraint("log_id", "sequence"),
        Index("uq_evidence_entries_subject", "log_id", "subject", unique=True),
        Index("uq_evidence_entries_corrects", "log_id", "corrects_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    log_id: Mapped[str] = mapped_column(String(64), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    inventory_id: Mapped[int | None] = mapped_column(ForeignKey("inventories.id"), index=True)
    content_json: Mapped[str] = mapped_column(Text)
    leaf_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    subject: Mapped[str | None] = mapped_column(String(64))
    corrects_id: Mapped[int | None] = mapped_column(Integer)


class EvidenceHead(Base):
    """The signed tree head published after each append."""

    __tablename__ = "evidence_heads"
    __table_args__ = (UniqueConstraint("log_id", "tree_size"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    log_id: Mapped[str] = mapped_column(String(64), index=True)
    tree_size: Mapped[int] = mapped_column(Integer)
    root_hash: Mapped[str] = mapped_column(String(64))
    leaf_hash: Mapped[str] = mapped_column(String(64))
    timestamp: Mapped[str] = mapped_column(String(40))
    signature: Mapped[str] = mapped_column(String(100))


# -- verification (0005) -------------------------------------------------------------------------


class ResultComment(Base):
    """A remark on a stored result, optionally on one of its lines. Never edited or deleted: a
    correction is a new comment."""

    __tablename__ = "result_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("results.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    line: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ResultSignOff(Base):
    """A verifier's decision on a result: approved or rejected, with a note. Append-only; the
    latest decision stands."""

    __tablename__ = "result_signoffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("results.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    checklist_sha256: Mapped[str | None] = mapped_column(String(64))
    """The digest of the checklist as it stood when approved (migration 0013): answers and
    findings, so that the evidence log fixes what the approval rested on."""


class VerificationAnswer(Base):
    """The verifier's outcome on one checklist item of a result (migration 0013). Append-only:
    the latest row per item stands, the earlier ones are its history."""

    __tablename__ = "verification_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("results.id"), index=True)
    item: Mapped[str] = mapped_column(String(60))
    outcome: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class VerificationCems(Base):
    """CEMS monthly CO2 (unit, month, co2_t, u_co2_t) attached to a result for the checklist's
    comparison with the accounting (migration 0013): the latest attachment stands."""

    __tablename__ = "verification_cems"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("results.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(200))
    rows_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class VerificationFinding(Base):
    """A non-conformity (不符合项) the verifier raises on a checklist item, the enterprise's
    corrective action, and its closing by the verifier (migration 0013)."""

    __tablename__ = "verification_findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("results.id"), index=True)
    item: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text)
    raised_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    corrective_action: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closing_note: Mapped[str | None] = mapped_column(Text)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


# -- login throttling (0006) ---------------------------------------------------------------------


class LoginCounter(Base):
    """Consecutive failed attempts under one throttle key (:mod:`dualcarbon.api.throttle`,
    migration 0010): an account, a client address, a device, a PACT client. Times are POSIX
    seconds, so that the throttle's single ``INSERT … ON CONFLICT … WHERE`` can do its arithmetic
    alike on SQLite and PostgreSQL."""

    __tablename__ = "login_counters"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_at: Mapped[float] = mapped_column(Double, index=True)

    def __repr__(self) -> str:
        return f"LoginCounter(key={self.key!r}, failures={self.failures!r})"


class UserAuditEntry(Base):
    """One change an admin made to a user account (migration 0010): who, what, whom, when, why.
    ``actor_id`` is ``None`` for the command line, which names the operating-system user in
    ``actor``; ``detail`` is JSON (e.g. the role before and after)."""

    __tablename__ = "user_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text)

    def __repr__(self) -> str:
        return (
            f"UserAuditEntry(id={self.id!r}, action={self.action!r}, subject={self.subject_id!r})"
        )


# -- PACT v3 product footprints, partners and their events (0008) ------------------------------


class StoredProductFootprint(Base):
    """A published product footprint (PACT v3 ``ProductFootprint``), one immutable version.

    ``document`` is the PACT JSON exactly as published (status ``Active``), ``system_yaml`` the
    product system it was computed from. A new version of the same ``product_system_id`` is a new
    row (a new PACT ``id``, the old ids in its ``precedingPfIds``); the older one is deprecated by
    its ``status`` column, the only thing that may change after publishing (with
    ``deprecated_at``). The document served carries the column's status.
    """

    __tablename__ = "product_footprints"
    __table_args__ = (UniqueConstraint("organisation_id", "product_system_id", "version"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    product_system_id: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    deprecated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    pcf_excluding_biogenic: Mapped[float] = mapped_column(Double)
    system_yaml: Mapped[str] = mapped_column(Text)
    document: Mapped[str] = mapped_column(Text)

    def __repr__(self) -> str:
        return (
            f"StoredProductFootprint(id={self.id!r}, product_system_id="
            f"{self.product_system_id!r}, version={self.version!r}, status={self.status!r})"
        )


_FOOTPRINT_MUTABLE = frozenset({"status", "deprecated_at"})


@event.listens_for(StoredProductFootprint, "before_update")
def _refuse_footprint_change(
    mapper: Mapper[Any], connection: Connection, target: StoredProductFootprint
) -> None:
    state = inspect_state(target)
    changed = {
        attr.key for attr in state.attrs if attr.key not in _FOOTPRINT_MUTABLE and attr.history[0]
    }
    if changed:
        raise StoreError(
            f"published footprints are immutable: {target.id} cannot change "
            f"{', '.join(sorted(changed))}; publish a new version"
        )


@event.listens_for(StoredProductFootprint, "before_delete")
def _refuse_footprint_delete(
    mapper: Mapper[Any], connection: Connection, target: StoredProductFootprint
) -> None:
    raise StoreError(f"published footprints are kept: {target.id} cannot be deleted; deprecate it")


class PactClient(Base):
    """A PACT API client (a data recipient): OAuth2 client credentials, the secret as its
    Argon2id hash, the one organisation whose footprints it may read, and where its own
    ``/3/events`` endpoint is (for answers to its requests), with the credentials we use on the
    partner's ``/auth/token`` to be let in there (secret sealed, :mod:`dualcarbon.pact.sealing`).
    """

    __tablename__ = "pact_clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(100), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    event_url: Mapped[str | None] = mapped_column(String(500))
    event_auth_url: Mapped[str | None] = mapped_column(String(500))
    event_client_id: Mapped[str | None] = mapped_column(String(200))
    event_secret_sealed: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"PactClient(id={self.id!r}, client_id={self.client_id!r})"


class PactEvent(Base):
    """A CloudEvent received on ``/3/events`` from a client, kept as sent, with what we did:
    ``outcome`` is ``stored``, ``fulfilled``, ``rejected`` (the answer is then owed in
    ``pact_deliveries``) or ``reply_failed`` (before migration 0012); ``reply`` our answer."""

    __tablename__ = "pact_events"
    # CloudEvents 1.0: source + id identify an event; a repeat is acknowledged, not processed
    # again — a constraint, so concurrent repeats cannot both get in (decision 0012)
    __table_args__ = (UniqueConstraint("client_id", "source", "event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("pact_clients.id"), index=True)
    event_type: Mapped[str] = mapped_column(String(200))
    event_id: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(500))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    body: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(20))
    reply: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"PactEvent(id={self.id!r}, event_type={self.event_type!r})"


class PactDelivery(Base):
    """An event we owe a client's ``/3/events`` (a PublishedEvent), kept until delivered:
    ``status`` is ``pending``, ``delivered`` or ``failed`` (attempts used up); a pending one is
    tried again at ``next_attempt_at`` with exponential back-off, also after a restart
    (:mod:`dualcarbon.pact.outbox`)."""

    __tablename__ = "pact_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("pact_clients.id"), index=True)
    event_id: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"PactDelivery(id={self.id!r}, status={self.status!r})"


# -- projects: monitoring periods, issuances and electricity claims (0014) ----------------------

LOCKED_MESSAGE = "claims are locked"
"""The text the database triggers raise when a stored monitoring period, an issuance or a claim
of an issued period would change."""


class ProjectRecord(Base):
    """An emission-reduction project of an organisation: its reference and methodology."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    methodology: Mapped[str] = mapped_column(String(100))
    plant: Mapped[str] = mapped_column(String(100))
    crediting_start: Mapped[dt.date | None] = mapped_column(Date)
    crediting_end: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProjectPeriod(Base):
    """One monitoring period claimed: the project file as read, its result and its reduction.
    Never updated or deleted (a database trigger refuses it)."""

    __tablename__ = "project_periods"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("project_periods.id"), unique=True)
    """The unissued period this one replaces (its claims released); a period is corrected once."""
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    methodology: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(500))
    project_json: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    result_json: Mapped[str] = mapped_column(Text)
    result_sha256: Mapped[str] = mapped_column(String(64))
    register_json: Mapped[str] = mapped_column(Text)
    """The plan's meters and their calibrations as they stood at the claim: the period can be
    accounted again from these two and its project file alone."""
    report_zh: Mapped[str] = mapped_column(Text)
    report_en: Mapped[str] = mapped_column(Text)
    """The monitoring report as claimed (the factors of a later catalogue do not change it)."""
    total_tco2e: Mapped[float] = mapped_column(Double)
    expanded_u_tco2e: Mapped[float] = mapped_column(Double)
    claimed_by: Mapped[str] = mapped_column(String(320))
    claimed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProjectIssuance(Base):
    """The registry's issuance of a monitoring period's reductions: at most one per period, and
    once made the period is locked (its claims can no longer be withdrawn)."""

    __tablename__ = "project_issuances"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("project_periods.id"), unique=True)
    issued_tco2e: Mapped[float] = mapped_column(Double)
    notice: Mapped[str] = mapped_column(String(300))
    issued_by: Mapped[str] = mapped_column(String(320))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ElectricityClaim(Base):
    """One plant-month of electricity claimed under one scheme (CCER reduction, green
    certificate, green-power contract): a plant-month is claimed once across the platform
    (国能综通新能〔2024〕124号 §2), which the unique constraint enforces however claims race."""

    __tablename__ = "electricity_claims"
    __table_args__ = (UniqueConstraint("plant", "year", "month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plant: Mapped[str] = mapped_column(String(100))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    mwh: Mapped[float] = mapped_column(Double)
    scheme: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(64))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    period_id: Mapped[int | None] = mapped_column(ForeignKey("project_periods.id"), index=True)
    claimed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CertificateBatchRecord(Base):
    """Consecutive green certificates of one plant's production month, held by one organisation
    (:mod:`dualcarbon.certificates.model`). ``remaining`` falls as claims cancel certificates and
    never rises; the check keeps it between 0 and ``quantity`` whatever races, and triggers keep
    every other column as imported."""

    __tablename__ = "certificate_batches"
    __table_args__ = (
        UniqueConstraint("serial_prefix", "serial_first"),
        CheckConstraint(
            "remaining >= 0 AND remaining <= quantity", name="ck_certificate_batches_remaining"
        ),
        CheckConstraint("quantity > 0", name="ck_certificate_batches_quantity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    serial_from: Mapped[str] = mapped_column(String(40))
    serial_to: Mapped[str] = mapped_column(String(40))
    serial_prefix: Mapped[str] = mapped_column(String(40))
    serial_first: Mapped[int] = mapped_column(BigInteger)
    serial_last: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)
    remaining: Mapped[int] = mapped_column(Integer)
    plant: Mapped[str] = mapped_column(String(100), index=True)
    plant_name: Mapped[str] = mapped_column(String(200))
    technology: Mapped[str] = mapped_column(String(20))
    production_year: Mapped[int] = mapped_column(Integer)
    production_month: Mapped[int] = mapped_column(Integer)
    valid_until: Mapped[dt.date] = mapped_column(Date)
    tradable: Mapped[bool] = mapped_column(Boolean)
    origin: Mapped[str] = mapped_column(String(20))
    contract: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(200))
    """The file the batch was imported from (its name) and its SHA-256."""
    imported_by: Mapped[str] = mapped_column(String(320))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CertificateClaim(Base):
    """A declaration of green-electricity consumption: certificates of one batch cancelled for
    an enterprise's electricity, a product's footprint or a park, for a consumption period.
    Kept as made."""

    __tablename__ = "certificate_claims"
    __table_args__ = (CheckConstraint("quantity > 0", name="ck_certificate_claims_quantity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("certificate_batches.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    reference: Mapped[str] = mapped_column(String(40), index=True)
    """The claim as the claimant cites it (``GEC-C-<n>``): one reference for all the batches a
    claim cancels."""
    quantity: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200))
    consumption_from: Mapped[dt.date] = mapped_column(Date)
    consumption_to: Mapped[dt.date] = mapped_column(Date)
    claimed_by: Mapped[str] = mapped_column(String(320))
    claimed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StoredPark(Base):
    """A park: a boundary over member organisations (issue 18; decision 0026), managed by a
    ``park_manager`` user who sees the members' aggregates, and their details only where a member
    granted them."""

    __tablename__ = "parks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    province: Mapped[str] = mapped_column(String(50), default="")
    level: Mapped[str] = mapped_column(String(50), default="")
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    members: Mapped[list[ParkMember]] = relationship(
        order_by="ParkMember.organisation_id", cascade="all, delete-orphan"
    )


class ParkMember(Base):
    __tablename__ = "park_members"

    park_id: Mapped[int] = mapped_column(ForeignKey("parks.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id"), primary_key=True, index=True
    )
    utility: Mapped[bool] = mapped_column(Boolean, default=False)
    details_granted: Mapped[bool] = mapped_column(Boolean, default=False)
    """Set by the member: the park's manager may read its accounting, not only the aggregates."""

    organisation: Mapped[Organisation] = relationship()


class ParkYear(Base):
    """What a park declares for a year: the energy moved between members inside it, its green
    electricity and the indicators it reports (JSON in the park file's form, docs/parks.md)."""

    __tablename__ = "park_years"

    park_id: Mapped[int] = mapped_column(ForeignKey("parks.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
