"""Factor validation (实测验证): the defaults against the measured values the platform holds."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from dualcarbon.api import factor_validation
from dualcarbon.api.deps import CurrentUser, SessionDep, SettingsDep
from dualcarbon.api.schemas import ErrorBody

router = APIRouter(
    tags=["factor validation"],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}},
)


@router.get("/factor-validation")
def factor_validation_checks(
    principal: CurrentUser, session: SessionDep, settings: SettingsDep
) -> list[factor_validation.DefaultCheckPublic]:
    """Each default against the enterprises' measured values: consensus with u, spread, bias, En
    and verdict (regulators and administrators)."""
    checks = factor_validation.factor_checks(session, principal, settings.secret)
    return [factor_validation.public(check) for check in checks]


@router.get(
    "/factor-validation/report",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}, "description": "the validation report"}},
)
def factor_validation_report(
    principal: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    lang: Annotated[Literal["zh", "en"], Query()] = "zh",
) -> HTMLResponse:
    """The report for the factor database's maintainers, with a chart per default."""
    return HTMLResponse(factor_validation.report_page(session, principal, settings.secret, lang))
