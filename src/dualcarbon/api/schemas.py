"""Request and response bodies: separate Create / Public shapes, never the ORM rows themselves."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from dualcarbon.api.scope import Role
from dualcarbon.factors.model import Factor
from dualcarbon.metrology.calibration import CalibrationResult

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"

MAX_ID = 2_147_483_647
"""The largest id either backend stores (a 32-bit ``INTEGER``): larger ones are refused as input
instead of overflowing in the driver."""

Id = Annotated[int, Field(ge=1, le=MAX_ID, strict=True)]
"""An id in a body. Numbers in bodies are strict: JSON tells ``true``, ``"7"`` and ``7`` apart,
and so does the API (lax validation took ``true`` for 1 and ``"7"`` for 7)."""


_FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _full_date(value: Any) -> Any:
    """Refuse what lax validation would take for a date: a number (seconds since 1970) or a
    text other than RFC 3339's full-date, which is what the document says (``format: date``)."""
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not _FULL_DATE.fullmatch(value):
        raise ValueError("give a date as YYYY-MM-DD (RFC 3339 full-date)")
    return value


Date = Annotated[dt.date, BeforeValidator(_full_date)]
"""A date in a body or query string: ``YYYY-MM-DD`` only."""


class RequestBody(BaseModel):
    """A JSON body the API reads: no unknown fields, text measured as sent, no NUL."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _length_as_sent(cls, value: Any, info: ValidationInfo) -> Any:
        # whitespace is stripped before pydantic checks max_length, but the document's maxLength
        # counts the text as sent: 200 characters and a space are too long (schemathesis found it)
        if isinstance(value, str) and info.field_name is not None:
            for rule in cls.model_fields[info.field_name].metadata:
                limit = getattr(rule, "max_length", None)
                if isinstance(limit, int) and len(value) > limit:
                    raise ValueError(f"at most {limit} characters")
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL text cannot hold U+0000; refuse it as input rather than fail in the driver
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("text may not contain the NUL character (U+0000)")
        return value


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# -- errors --------------------------------------------------------------------------------------


class Problem(BaseModel):
    """One rule broken by one cell or field (:class:`dualcarbon.errors.InputProblem`)."""

    file: str
    rule: str
    rule_zh: str | None = Field(default=None, description="the rule in Chinese, where known")
    sheet: str | None = None
    row: int | None = None
    field: str | None = None
    value: Any = None


class ErrorBody(BaseModel):
    detail: str
    problems: list[Problem] = Field(default_factory=list)
    findings: list[dict[str, Any]] | None = Field(
        default=None,
        description="plausibility findings of a refused inventory (code, severity, rule_zh, "
        "rule_en, basis, sheet, row, field, key): acknowledge a warning with accept=CODE:KEY",
    )


# -- accounts ------------------------------------------------------------------------------------


class LoginRequest(RequestBody):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class UserCreate(RequestBody):
    email: str = Field(max_length=320, pattern=EMAIL_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=12, max_length=1024)
    role: Role
    organisation_id: Id | None = Field(
        default=None, description="required for, and only for, an enterprise user"
    )

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()


class UserPublic(_Out):
    id: int
    email: str
    name: str
    role: Role
    organisation_id: int | None
    assigned_organisation_ids: list[int] = Field(default_factory=list)
    active: bool
    created_at: dt.datetime


class AssignmentUpdate(RequestBody):
    organisation_ids: list[Id] = Field(max_length=10_000)


class ApiKeyCreate(RequestBody):
    name: str = Field(min_length=1, max_length=200)


class ApiKeyPublic(_Out):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class ApiKeyCreated(ApiKeyPublic):
    token: str = Field(description="the key itself; shown this once, only its hash is kept")


# -- organisations and results -------------------------------------------------------------------


class OrganisationCreate(RequestBody):
    name: str = Field(min_length=1, max_length=200)


class OrganisationPublic(_Out):
    id: int
    name: str


class FacilityCreate(RequestBody):
    name: str = Field(min_length=1, max_length=200)
    region: str = Field(
        default="CN",
        min_length=1,
        max_length=50,
        description="grid region whose electricity factors the plant uses (CN: national)",
    )


class FacilityPublic(BaseModel):
    id: int
    organisation_id: int
    name: str
    region: str
    inventory_count: int
    latest_result_id: int | None = None
    latest_total_tco2e: float | None = None


class InventoryPublic(BaseModel):
    """A stored inventory, and where it stands in its chain of corrections."""

    id: int
    organisation_id: int
    facility: str
    year: int
    methodology: str
    source: str
    digest: str
    submitted_at: dt.datetime
    corrects: int | None = Field(default=None, description="the inventory this one corrects")
    corrected_by: int | None = Field(
        default=None, description="the inventory that corrects this one (this one is superseded)"
    )
    result_ids: list[int] = Field(default_factory=list)
    evidence: list[dict[str, Any]] = Field(default_factory=list)


class ResultSummary(BaseModel):
    id: int
    organisation_id: int
    inventory_id: int
    facility: str
    year: int
    methodology: str
    total_tco2e: float = Field(description="the total the evidence log commits to")
    computed_at: dt.datetime
    line_count: int
    evidence: Literal["lodged", "differs", "unlodged"] = Field(
        default="unlodged",
        description="lodged: the stored row says what the evidence log holds; differs: it does "
        "not (the figures shown are the log's); unlodged: not in the log",
    )
    differs: list[str] = Field(default_factory=list, description="the columns that differ")


class ImportOutcome(BaseModel):
    """What an inventory import stored."""

    inventory_id: int
    result: ResultSummary
    corrects: int | None = Field(default=None, description="the inventory this one corrects")
    evidence: list[dict[str, Any]] = Field(
        default_factory=list,
        description="the evidence entries (log, sequence, leaf hash) the inventory was lodged as",
    )
    footprints: list[str] = Field(
        default_factory=list,
        description="new versions of the product footprints built on this facility's inventory "
        "(gate_to_gate), published because the inventory changed",
    )
    footprints_not_followed: list[str] = Field(
        default_factory=list,
        description="footprints built on it that could not be generated again, with the reason",
    )


# -- reference data ------------------------------------------------------------------------------


class MethodologySummary(BaseModel):
    id: str
    version: int
    ref: str
    title_zh: str
    title_en: str
    document: str
    issued: dt.date
    reporting_years: list[int]
    supersedes: str | None


class FactorPublic(BaseModel):
    """One factor version as published, with its place among the versions of the same id."""

    ref: str
    superseded: bool
    standard_uncertainty: float | None
    versions: list[str]
    factor: Factor


# -- verification --------------------------------------------------------------------------------


class CommentCreate(RequestBody):
    text: str = Field(min_length=1, max_length=5000)
    line: Id | None = Field(default=None, description="a line of the result")


class CommentPublic(BaseModel):
    id: int
    result_id: int
    user_id: int
    line: int | None
    text: str
    created_at: dt.datetime


class SignOffCreate(RequestBody):
    decision: Literal["approved", "rejected"]
    note: str = Field(default="", max_length=5000)


class ChecklistAnswerCreate(RequestBody):
    outcome: Literal["conform", "nonconform", "not_applicable"]
    note: str = Field(default="", max_length=5000, description="required for not_applicable")


class FindingCreate(RequestBody):
    item: str = Field(min_length=1, max_length=60, description="the checklist item it is on")
    description: str = Field(min_length=1, max_length=5000)


class FindingAnswer(RequestBody):
    corrective_action: str = Field(min_length=1, max_length=5000)


class FindingClose(RequestBody):
    note: str = Field(
        min_length=1, max_length=5000, description="what the verifier saw of the correction"
    )


class AutoCheckPublic(BaseModel):
    hint: Literal["conform", "nonconform", "review", "not_applicable"]
    text_zh: str
    text_en: str


class ChecklistItemPublic(BaseModel):
    id: str
    clause: str
    stage: str
    text_zh: str
    text_en: str
    outcome: str | None = None
    note: str | None = None
    answered_by: str | None = None
    answered_at: dt.datetime | None = None
    automatic: AutoCheckPublic | None = None


class FindingPublic(BaseModel):
    id: int
    item: str
    description: str
    raised_by: str
    raised_at: dt.datetime
    corrective_action: str | None = None
    answered_by: str | None = None
    answered_at: dt.datetime | None = None
    closing_note: str | None = None
    closed_by: str | None = None
    closed_at: dt.datetime | None = None


class ChecklistPublic(BaseModel):
    result_id: int
    sector: str
    document: str
    items: list[ChecklistItemPublic]
    findings: list[FindingPublic]
    open_reasons: list[str] = Field(description="why it cannot be approved yet (zh / en)")
    approved_signoff_id: int | None = None
    digest: str = Field(description="SHA-256 of the checklist as it stands")


class SignOffPublic(BaseModel):
    id: int
    result_id: int
    user_id: int
    decision: str
    note: str
    created_at: dt.datetime
    checklist_sha256: str | None = Field(
        default=None, description="an approval: the digest of the checklist it rests on"
    )


# -- instruments ---------------------------------------------------------------------------------


class CalibrationCreate(RequestBody):
    """One calibration or verification certificate of an instrument (the register's
    ``calibrations`` record without ``instrument_id``, which the URL gives)."""

    date: Date
    institute: str = Field(default="", max_length=500)
    certificate: str = Field(default="", max_length=200)
    result: CalibrationResult
    traceable_to: str = Field(default="", max_length=500)
    next_due: Date | None = None
    expanded_uncertainty: float | None = Field(
        default=None, gt=0.0, allow_inf_nan=False, strict=True
    )
    uncertainty_unit: str = Field(default="%", max_length=50)
    coverage_factor: float | None = Field(default=None, gt=0.0, allow_inf_nan=False, strict=True)


class RegisterImported(BaseModel):
    """What importing a register (or one certificate) stored and lodged."""

    instruments_added: int
    instruments_updated: int
    instruments_unchanged: int
    calibrations_added: int
    calibrations_unchanged: int
    points: int = Field(description="metering points the register lists")
    evidence: list[dict[str, Any]] = Field(
        default_factory=list, description="evidence entries lodged for the new certificates"
    )


# -- the regulator's overview --------------------------------------------------------------------


class OverviewOrganisation(BaseModel):
    organisation_id: int
    name: str
    facilities: int = Field(description="facilities with a result for the year")
    result_ids: list[int] = Field(description="the latest result of each facility")
    total_tco2e: float | None = Field(description="None: nothing reported for the year")
    by_source: dict[str, float] = Field(description="counted tCO2e by emission source")
    default_carbon_share: float | None = Field(
        description="share of fuel-combustion emissions on the default carbon content "
        "(no qualifying measurement)"
    )
    verification: Literal["approved", "rejected", "pending"] | None = Field(
        description="the verifiers' latest decisions: rejected if any result's is, approved if "
        "every result's is"
    )
    instruments: int
    instruments_attention: int = Field(
        description="instruments overdue, failed or never calibrated at the date"
    )
    evidence_entries: int
    last_lodged: dt.datetime | None
    evidence_mismatch: list[int] = Field(
        default_factory=list,
        description="results whose row or sign-offs differ from the evidence log, or are not in "
        "it (the figures shown are the log's)",
    )


class Overview(BaseModel):
    year: int
    years: list[int] = Field(description="years with any inventory the user may read")
    organisations: list[OverviewOrganisation]
    total_tco2e: float
    by_source: dict[str, float]
    reporting: int = Field(description="organisations with a result for the year")
    approved: int = Field(description="of those, how many are approved throughout")
    with_instrument_issues: int
