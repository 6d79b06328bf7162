"""The national defaults checked against every measured value the platform holds (实测验证), for
the factor database's maintainers: regulators and administrators. Each facility and year counts
once, with its newest result; enterprises appear by a code keyed with the platform's secret, and
with fewer than three of them only the counts show."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel
from sqlalchemy.orm import Session

from dualcarbon.api.scope import Action, Area, Principal, require
from dualcarbon.factors import default_catalogue
from dualcarbon.measured_factors.comparison import (
    DefaultCheck,
    check_defaults,
    check_summary,
    codes_key,
)
from dualcarbon.measured_factors.observations import Observation, observations_from_result
from dualcarbon.store.repository import current_results, load_result


class HolderPublic(BaseModel):
    code: str
    n: int
    mean: float
    u: float | None
    years: list[int]


class DefaultCheckPublic(BaseModel):
    """One default against the enterprises' measurements (docs/measured-factors.md)."""

    default: str
    default_value: float
    unit: str
    default_u: float | None
    measurements: int
    enterprises: int
    organisations: int
    years: list[int]
    consensus: float | None
    consensus_u: float | None
    tau: float | None
    method: Literal["random_effects", "mean_of_means", "single"] | None
    bias: float | None
    relative_bias: float | None
    u_bias: float | None
    en: float | None
    understated_share: float | None
    verdict: Literal[
        "insufficient", "no_uncertainty", "consistent", "default_above", "default_below"
    ]
    publishable: bool
    holders: list[HolderPublic]


def factor_checks(session: Session, principal: Principal, secret: str) -> list[DefaultCheck]:
    """Every default some stored result measured instead of using, checked. Platform-wide reading:
    regulators and administrators only. ``secret`` keys the enterprise codes."""
    require(principal, Action.READ, Area.ACCOUNTING, None)
    observations: list[Observation] = []
    for row in current_results(session):
        observations += observations_from_result(load_result(row), f"result {row.id}")
    return check_defaults(observations, default_catalogue(), codes_key(secret))


def public(check: DefaultCheck) -> DefaultCheckPublic:
    return DefaultCheckPublic.model_validate(check_summary(check))


def report_page(session: Session, principal: Principal, secret: str, lang: str) -> str:
    """The report for the factor database's maintainers (the API's and the web's page)."""
    from dualcarbon.reports.factor_check_report import render_factor_check

    checks = factor_checks(session, principal, secret)
    catalogue = default_catalogue()
    return render_factor_check(checks, catalogue=catalogue, lang=lang)
