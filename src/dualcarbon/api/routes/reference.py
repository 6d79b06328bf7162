"""Reference data every logged-in user may read: factors and methodologies."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BeforeValidator

from dualcarbon.api import services
from dualcarbon.api.deps import CurrentUser, digits
from dualcarbon.api.schemas import ErrorBody, FactorPublic, MethodologySummary

router = APIRouter(tags=["reference"], responses={401: {"model": ErrorBody}})


@router.get("/factors")
def search_factors(
    principal: CurrentUser,
    q: Annotated[
        str | None, Query(max_length=200, description="words in id, Chinese or English name")
    ] = None,
    kind: Annotated[str | None, Query(max_length=100)] = None,
    subject: Annotated[str | None, Query(max_length=100)] = None,
    gas: Annotated[str | None, Query(max_length=20)] = None,
    year: Annotated[int | None, Query(ge=1900, le=2200), BeforeValidator(digits)] = None,
    region: Annotated[str | None, Query(max_length=50)] = None,
    all_versions: Annotated[bool, Query(alias="all")] = False,
    limit: Annotated[int, Query(ge=1, le=1000), BeforeValidator(digits)] = 100,
) -> list[FactorPublic]:
    """Factors matching every criterion given (current versions unless ``all``)."""
    return services.search_factors(
        q,
        kind=kind,
        subject=subject,
        gas=gas,
        year=year,
        region=region,
        include_superseded=all_versions,
        limit=limit,
    )


@router.get("/factors/{factor_id:path}", responses={404: {"model": ErrorBody}})
def get_factor(
    factor_id: Annotated[
        str,
        Path(
            min_length=1,
            max_length=300,
            pattern=r"^[A-Za-z0-9._@/-]+$",
            description="a factor's id, or id@version (letters, digits and . _ @ / -)",
        ),
    ],
    principal: CurrentUser,
) -> FactorPublic:
    """One factor by id (its current version) or ``id@version``."""
    return services.factor_public(factor_id)


@router.get("/methodologies")
def list_methodologies(principal: CurrentUser) -> list[MethodologySummary]:
    """Every methodology and revision shipped, with the data years each governs."""
    return services.methodologies()
