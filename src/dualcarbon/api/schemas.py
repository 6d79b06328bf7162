"""Request and response bodies: separate Create / Public shapes, never the ORM rows themselves."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dualcarbon.api.scope import Role
from dualcarbon.factors.model import Factor

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"

MAX_ID = 2_147_483_647
"""The largest id either backend stores (a 32-bit ``INTEGER``): larger ones are refused as input
instead of overflowing in the driver."""

Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# -- errors --------------------------------------------------------------------------------------


class Problem(BaseModel):
    """One rule broken by one cell or field (:class:`dualcarbon.errors.InputProblem`)."""

    file: str
    rule: str
    sheet: str | None = None
    row: int | None = None
    field: str | None = None
    value: Any = None


class ErrorBody(BaseModel):
    detail: str
    problems: list[Problem] = Field(default_factory=list)


# -- accounts ------------------------------------------------------------------------------------


class LoginRequest(_In):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class UserCreate(_In):
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


class AssignmentUpdate(_In):
    organisation_ids: list[Id] = Field(max_length=10_000)


class ApiKeyCreate(_In):
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


class OrganisationCreate(_In):
    name: str = Field(min_length=1, max_length=200)


class OrganisationPublic(_Out):
    id: int
    name: str


class ResultSummary(BaseModel):
    id: int
    organisation_id: int
    inventory_id: int
    facility: str
    year: int
    methodology: str
    total_tco2e: float
    computed_at: dt.datetime
    line_count: int


class ImportOutcome(BaseModel):
    """What an inventory import stored."""

    inventory_id: int
    result: ResultSummary
    evidence: list[dict[str, Any]] = Field(
        default_factory=list,
        description="the evidence entries (log, sequence, leaf hash) the inventory was lodged as",
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


class CommentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=5000)
    line: int | None = Field(default=None, ge=1, le=2**31 - 1, description="a line of the result")


class CommentPublic(BaseModel):
    id: int
    result_id: int
    user_id: int
    line: int | None
    text: str
    created_at: dt.datetime


class SignOffCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approved", "rejected"]
    note: str = Field(default="", max_length=5000)


class SignOffPublic(BaseModel):
    id: int
    result_id: int
    user_id: int
    decision: str
    note: str
    created_at: dt.datetime
