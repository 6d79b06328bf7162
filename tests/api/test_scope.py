"""Generated: every route of the app × every role — nobody reads or changes anything outside
their scope (issue 4).

The routes are enumerated from ``app.routes`` (and checked against the OpenAPI paths), so a route
added without a line in :data:`POLICY` fails :func:`test_every_route_has_a_policy`. Each
organisation-bound route is tried on 甲 (the organisation the enterprise user belongs to and the
verifier and metrology reviewer are assigned) and on 乙 (nobody's but the enterprise user of 乙, who
is not among the roles tried). A request the policy forbids must answer 403 or 404 with a valid
body; one it allows answers 200 (reads) or — sent an invalid body on purpose so nothing is
written — 422 (writes). After every request the store is unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from dualcarbon.api.deps import COOKIE_NAME
from dualcarbon.server import create_app
from dualcarbon.store import session_scope, upgrade
from dualcarbon.store.models import (
    ApiKey,
    CertificateBatchRecord,
    CertificateClaim,
    ElectricityClaim,
    EvidenceEntry,
    Facility,
    Organisation,
    ParkMember,
    ParkYear,
    ProjectIssuance,
    ProjectPeriod,
    ResultComment,
    ResultSignOff,
    StoredCalibration,
    StoredInstrument,
    StoredInventory,
    StoredMeteringPoint,
    StoredPark,
    StoredResult,
    User,
    UserOrganisation,
    VerificationAnswer,
    VerificationFinding,
    WebSession,
)

from .world import ORG_A, ORG_B, ROLES, World, claim_periods, seed, settings_for

PV_MODULE = (
    Path(__file__).parents[2]
    / "src"
    / "dualcarbon"
    / "demo"
    / "data"
    / "footprint"
    / "pv-module-simple.yaml"
)

EVERYONE = frozenset(ROLES)
ADMIN = frozenset({"admin"})
READERS_OF_ALL = frozenset({"regulator", "admin"})
ACCOUNTING_READERS = frozenset({"enterprise", "verifier", "regulator", "admin"})
PROJECT_READERS = frozenset({"verifier", "regulator", "admin"})

PUBLIC = {("POST", "/api/auth/login"), ("POST", "/api/auth/logout")}
"""Routes anyone may call: logging in, and logging out (which only ends the caller's session)."""


@dataclass(frozen=True)
class Rule:
    """Who may call a route: on 甲, and on 乙 (``None``: the route has no organisation)."""

    own: frozenset[str]
    other: frozenset[str] | None = None


POLICY: dict[tuple[str, str], Rule] = {
    ("GET", "/api/me"): Rule(EVERYONE),
    ("GET", "/api/keys"): Rule(EVERYONE),
    ("POST", "/api/keys"): Rule(EVERYONE),
    ("DELETE", "/api/keys/{key_id}"): Rule(frozenset()),  # the key of another user
    ("GET", "/api/users"): Rule(READERS_OF_ALL),
    ("POST", "/api/users"): Rule(ADMIN),
    ("PUT", "/api/users/{user_id}/organisations"): Rule(ADMIN),
    ("GET", "/api/users/audit"): Rule(ADMIN),
    ("POST", "/api/users/{user_id}/deactivate"): Rule(ADMIN),
    ("POST", "/api/users/{user_id}/activate"): Rule(ADMIN),
    ("PUT", "/api/users/{user_id}/role"): Rule(ADMIN),
    ("POST", "/api/users/{user_id}/password"): Rule(ADMIN),
    ("POST", "/api/users/{user_id}/revoke-sessions"): Rule(ADMIN),
    ("GET", "/api/organisations"): Rule(EVERYONE),  # filtered: see test_listings_are_filtered
    ("POST", "/api/organisations"): Rule(ADMIN),
    ("GET", "/api/organisations/{organisation_id}"): Rule(EVERYONE, READERS_OF_ALL),
    ("GET", "/api/organisations/{organisation_id}/results"): Rule(
        ACCOUNTING_READERS, READERS_OF_ALL
    ),
    ("GET", "/api/results/{result_id}"): Rule(ACCOUNTING_READERS, READERS_OF_ALL),
    ("POST", "/api/organisations/{organisation_id}/inventories"): Rule(
        frozenset({"enterprise", "admin"}), ADMIN
    ),
    ("GET", "/api/factors"): Rule(EVERYONE),
    ("GET", "/api/factors/{factor_id}"): Rule(EVERYONE),
    ("GET", "/api/methodologies"): Rule(EVERYONE),
    ("GET", "/api/evidence/public-key"): Rule(EVERYONE),
    ("GET", "/api/evidence/heads"): Rule(EVERYONE),  # filtered to the logs the caller may read
    ("GET", "/api/evidence/heads/{log_id}"): Rule(ACCOUNTING_READERS, READERS_OF_ALL),
    ("GET", "/api/organisations/{organisation_id}/instruments"): Rule(EVERYONE, READERS_OF_ALL),
    ("GET", "/api/organisations/{organisation_id}/instruments/{code}"): Rule(
        EVERYONE, READERS_OF_ALL
    ),
    ("GET", "/api/results/{result_id}/comments"): Rule(ACCOUNTING_READERS, READERS_OF_ALL),
    ("GET", "/api/results/{result_id}/improvements"): Rule(ACCOUNTING_READERS, READERS_OF_ALL),
    ("POST", "/api/results/{result_id}/comments"): Rule(
        frozenset({"enterprise", "verifier", "admin"}), ADMIN
    ),
    ("GET", "/api/results/{result_id}/signoffs"): Rule(ACCOUNTING_READERS, READERS_OF_ALL),
    ("POST", "/api/results/{result_id}/signoffs"): Rule(frozenset({"verifier", "admin"}), ADMIN),
    ("GET", "/api/results/{result_id}/checklist"): Rule(ACCOUNTING_READERS, READERS_OF_ALL),
    ("PUT", "/api/results/{result_id}/checklist/items/{item}"): Rule(
        frozenset({"verifier", "admin"}), ADMIN
    ),
    ("POST", "/api/results/{result_id}/checklist/findings"): Rule(
        frozenset({"verifier", "admin"}), ADMIN
    ),
    ("POST", "/api/results/{result_id}/checklist/findings/{finding_id}/answer"): Rule(
        frozenset({"enterprise", "admin"}), ADMIN
    ),
    ("POST", "/api/results/{result_id}/checklist/findings/{finding_id}/close"): Rule(
        frozenset({"verifier", "admin"}), ADMIN
    ),
    ("POST", "/api/results/{result_id}/checklist/cems"): Rule(
        frozenset({"enterprise", "verifier", "admin"}), ADMIN
    ),
    ("GET", "/api/results/{result_id}/verification-report"): Rule(
        ACCOUNTING_READERS, READERS_OF_ALL
    ),
    ("GET", "/api/organisations/{organisation_id}/evidence"): Rule(
        ACCOUNTING_READERS, READERS_OF_ALL
    ),
    ("GET", "/api/organisations/{organisation_id}/evidence/{sequence}/proof"): Rule(
        ACCOUNTING_READERS, READERS_OF_ALL
    ),
    ("GET", "/api/organisations/{organisation_id}/evidence/consistency"): Rule(
        ACCOUNTING_READERS, READERS_OF_ALL
    ),
    ("GET", "/api/results/{result_id}/report"): Rule(ACCOUNTING_READERS, READERS_OF_ALL),
    ("GET", "/api/organisations/{organisation_id}/facilities"): Rule(EVERYONE, READERS_OF_ALL),
    ("POST", "/api/organisations/{organisation_id}/facilities"): Rule(
        frozenset({"enterprise", "admin"}), ADMIN
    ),
    ("GET", "/api/organisations/{organisation_id}/inventories"): Rule(
        ACCOUNTING_READERS, READERS_OF_ALL
    ),
    ("POST", "/api/organisations/{organisation_id}/inventories/{inventory_id}/corrections"): Rule(
        frozenset({"enterprise", "admin"}), ADMIN
    ),
    ("POST", "/api/organisations/{organisation_id}/instruments"): Rule(
        frozenset({"enterprise", "admin"}), ADMIN
    ),
    ("POST", "/api/organisations/{organisation_id}/instruments/{code}/calibrations"): Rule(
        frozenset({"enterprise", "admin"}), ADMIN
    ),
    ("GET", "/api/organisations/{organisation_id}/instrument-review"): Rule(
        EVERYONE, READERS_OF_ALL
    ),
    ("GET", "/api/overview"): Rule(EVERYONE),  # filtered: see test_overview_is_filtered
    # every enterprise's measured values, by code: the factor database's maintainers
    ("GET", "/api/factor-validation"): Rule(READERS_OF_ALL),
    ("GET", "/api/factor-validation/report"): Rule(READERS_OF_ALL),
    ("GET", "/api/organisations/{organisation_id}/footprints"): Rule(
        ACCOUNTING_READERS, READERS_OF_ALL
    ),
    ("POST", "/api/organisations/{organisation_id}/footprints"): Rule(
        frozenset({"enterprise", "admin"}), ADMIN
    ),
    ("POST", "/api/organisations/{organisation_id}/pact-clients"): Rule(
        frozenset({"enterprise", "admin"}), ADMIN
    ),
    ("GET", "/api/organisations/{organisation_id}/pact-clients"): Rule(
        frozenset({"enterprise", "admin"}), ADMIN
    ),
    ("PUT", "/api/organisations/{organisation_id}/pact-clients/{client_id}/event-endpoint"): Rule(
        frozenset({"enterprise", "admin"}), ADMIN
    ),
    # projects: the project developer (not among the roles tried) claims; an admin records the
    # registry's issuance; verifiers assigned, regulators and admins read
    ("GET", "/api/projects/periods"): Rule(EVERYONE),  # filtered to the readable organisations
    ("POST", "/api/organisations/{organisation_id}/projects/periods"): Rule(ADMIN, ADMIN),
    ("GET", "/api/projects/periods/{period_id}"): Rule(PROJECT_READERS, READERS_OF_ALL),
    ("GET", "/api/projects/periods/{period_id}/report"): Rule(PROJECT_READERS, READERS_OF_ALL),
    ("POST", "/api/projects/periods/{period_id}/issuance"): Rule(ADMIN, ADMIN),
    ("POST", "/api/projects/periods/{period_id}/corrections"): Rule(ADMIN, ADMIN),
    # certificates: the holder's enterprise (or project developer) imports and claims
    ("GET", "/api/organisations/{organisation_id}/certificates"): Rule(
        ACCOUNTING_READERS, READERS_OF_ALL
    ),
    ("POST", "/api/organisations/{organisation_id}/certificates"): Rule(
        frozenset({"enterprise", "admin"}), ADMIN
    ),
    ("POST", "/api/organisations/{organisation_id}/certificates/claims"): Rule(
        frozenset({"enterprise", "admin"}), ADMIN
    ),
    # parks: the world has none (the park id is no park's), so only the listing answers 200 and
    # an administrator's creation its 422; tests/api/test_parks_api.py tries a real park
    ("GET", "/api/parks"): Rule(EVERYONE),
    ("POST", "/api/parks"): Rule(ADMIN),
    ("GET", "/api/parks/{park_id}"): Rule(frozenset()),
    ("PUT", "/api/parks/{park_id}/years/{year}"): Rule(frozenset()),
    ("GET", "/api/parks/{park_id}/years/{year}"): Rule(frozenset()),
    ("GET", "/api/parks/{park_id}/years/{year}/report"): Rule(frozenset()),
    ("PUT", "/api/organisations/{organisation_id}/parks/{park_id}/grant"): Rule(
        frozenset({"enterprise", "admin"}), ADMIN
    ),
    # CBAM: computed from the organisation's stored results, so read like them
    ("POST", "/api/organisations/{organisation_id}/cbam"): Rule(ACCOUNTING_READERS, READERS_OF_ALL),
    ("GET", "/api/organisations/{organisation_id}/disclosure/climate"): Rule(
        ACCOUNTING_READERS, READERS_OF_ALL
    ),
}


def _app() -> FastAPI:
    return create_app(settings_for("sqlite://"))


def api_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every API route, path as declared (``{factor_id:path}`` included).

    FastAPI ≥ 0.13x keeps included routers as one entry of ``app.routes``; its
    ``iter_route_contexts`` walks them (older versions list the routes themselves).
    """
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # pragma: no cover - older FastAPI
        contexts: Iterator[Any] = iter(app.routes)
    else:
        contexts = iter_route_contexts(app.routes)
    found = []
    for context in contexts:
        route = getattr(context, "original_route", context)
        if isinstance(route, APIRoute):
            found += [(method, str(context.path)) for method in sorted(context.methods or ())]
    return sorted(found)


def _plain(path: str) -> str:
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", path)


ROUTES = api_routes(_app())
PROTECTED = [(m, p) for m, p in ROUTES if (m, _plain(p)) not in PUBLIC]


def test_every_route_has_a_policy() -> None:
    app = _app()
    declared = {(m, _plain(p)) for m, p in ROUTES}
    documented = {
        (method.upper(), path) for path, item in app.openapi()["paths"].items() for method in item
    }
    assert declared == documented
    assert declared - PUBLIC == set(POLICY), "every route needs a line in POLICY"


# -- the world, once per module and backend ------------------------------------------------------


@pytest.fixture(scope="module")
def scoped(module_db_url: str) -> Iterator[tuple[TestClient, World]]:
    upgrade(module_db_url)
    with TestClient(create_app(settings_for(module_db_url))) as client:
        world = seed(client.app.state.engine)  # type: ignore[attr-defined]
        claim_periods(world)
        yield client, world


def _snapshot(world: World) -> dict[str, int]:
    counted = (
        Organisation,
        Facility,
        User,
        UserOrganisation,
        StoredInventory,
        StoredResult,
        ApiKey,
        ResultComment,
        ResultSignOff,
        StoredInstrument,
        StoredCalibration,
        StoredMeteringPoint,
        EvidenceEntry,
        VerificationAnswer,
        VerificationFinding,
        ProjectPeriod,
        ProjectIssuance,
        ElectricityClaim,
        CertificateBatchRecord,
        CertificateClaim,
        StoredPark,
        ParkMember,
        ParkYear,
    )
    with session_scope(world.engine) as session:
        counts = {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in counted
        }
        counts["revoked keys"] = (
            session.scalar(select(func.count()).where(ApiKey.revoked_at.is_not(None))) or 0
        )
        counts["assignments"] = hash(
            tuple(
                session.execute(select(UserOrganisation.user_id, UserOrganisation.organisation_id))
            )
        )
        counts["web_sessions"] = session.scalar(select(func.count()).select_from(WebSession)) or 0
    return counts


def _inventory_json(organisation: str) -> dict[str, Any]:
    return {
        "inventory": {
            "organisation": organisation,
            "facility": "二号电厂",
            "year": 2024,
            "methodology": "cn-mee-power-2022",
        },
        "fuel": [{"month": 3, "fuel": "coal", "consumption": 777.0, "ncv": 20.1}],
    }


def _request(world: World, method: str, path: str, target: str) -> tuple[str, Any, Any]:
    """URL, a valid body and an invalid body for calling ``path`` on organisation ``target``."""
    org = world.org_a if target == "甲" else world.org_b
    values = {
        "organisation_id": org,
        "result_id": world.result_a if target == "甲" else world.result_b,
        "key_id": world.key_ids["enterprise_b"],
        "user_id": world.users["verifier"],
        "factor_id": "gwp-ipcc-ar6/gwp/CH4",
        "sequence": 0,
        "code": "BS-101",
        "inventory_id": world.inventory_a if target == "甲" else world.inventory_b,
        "client_id": "pact_scope_test",  # none such: permitted roles are answered 422 first
        "log_id": f"org:{org}",
        "item": "method",
        "finding_id": 1,  # none such: permitted roles are answered 422 first (the body)
        "period_id": world.period_a if target == "甲" else world.period_b,
        "park_id": 987654,  # no park
        "year": 2024,
    }

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"no test value for path parameter {name!r}: add one"
        return str(values[name])

    url = re.sub(r"\{(\w+)(?::\w+)?\}", fill, path)
    if path.endswith("/disclosure/climate"):
        url += "?year=2024"  # the year of the world's stored inventories
    valid: dict[str, Any] = {
        "/api/keys": {"name": "scope test"},
        "/api/users": {
            "email": "scope.test@example.cn",
            "name": "x",
            "password": "a long enough password",
            "role": "regulator",
        },
        "/api/users/{user_id}/organisations": {"organisation_ids": [world.org_b]},
        "/api/users/{user_id}/deactivate": {"reason": "scope test"},
        "/api/users/{user_id}/activate": {"reason": "scope test"},
        "/api/users/{user_id}/role": {"role": "regulator", "reason": "scope test"},
        "/api/users/{user_id}/password": {"password": "a long enough password", "reason": "s"},
        "/api/users/{user_id}/revoke-sessions": {"reason": "scope test"},
        "/api/organisations": {"name": "丙电力有限公司"},
        "/api/results/{result_id}/comments": {"text": "请核对3月入炉煤量"},
        "/api/results/{result_id}/signoffs": {"decision": "approved", "note": "核查通过"},
        "/api/results/{result_id}/checklist/items/{item}": {"outcome": "conform"},
        "/api/results/{result_id}/checklist/findings": {"item": "method", "description": "x"},
        "/api/results/{result_id}/checklist/findings/{finding_id}/answer": {
            "corrective_action": "x"
        },
        "/api/results/{result_id}/checklist/findings/{finding_id}/close": {"note": "x"},
        # the CSV goes as a file; a JSON body is refused (422) once the caller may attach
        "/api/results/{result_id}/checklist/cems": {"rows": []},
        "/api/organisations/{organisation_id}/inventories": _inventory_json(
            ORG_A if target == "甲" else ORG_B
        ),
        "/api/organisations/{organisation_id}/facilities": {"name": "三号电厂"},
        "/api/organisations/{organisation_id}/inventories/{inventory_id}/corrections": {
            **_inventory_json(ORG_A if target == "甲" else ORG_B),
            "inventory": {
                "organisation": ORG_A if target == "甲" else ORG_B,
                "facility": "一号电厂",
                "year": 2024,
                "methodology": "cn-mee-power-2022",
            },
        },
        "/api/organisations/{organisation_id}/instruments": {
            "instruments": [
                {
                    "id": "SCOPE-1",
                    "name": "皮带秤",
                    "quantity": "入炉煤量",
                    "energy": "coal",
                    "unit": "#1",
                    "level": "secondary",
                    "kind": "weigher_dynamic",
                    "accuracy": "0.5",
                    "interval_months": 12,
                }
            ]
        },
        "/api/organisations/{organisation_id}/instruments/{code}/calibrations": {
            "date": "2026-01-05",
            "certificate": "SCOPE-CERT",
            "result": "pass",
        },
        "/api/organisations/{organisation_id}/footprints": {
            "publication": {
                "company_name": ORG_A if target == "甲" else ORG_B,
                "company_ids": ["urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"],
                "product_ids": ["urn:gtin:4712345060507"],
            },
            "product_system": PV_MODULE.read_text(encoding="utf-8").replace(
                "gwp_set: AR6", "gwp_set: AR6\nproduct: {mass: 11.5}"
            ),
        },
        "/api/organisations/{organisation_id}/pact-clients": {"name": "scope test partner"},
        "/api/organisations/{organisation_id}/projects/periods": {"project": {"id": "x"}},
        "/api/projects/periods/{period_id}/issuance": {"issued_tco2e": 1.0, "notice": "scope"},
        "/api/projects/periods/{period_id}/corrections": {"project": {"id": "x"}},
        "/api/organisations/{organisation_id}/certificates": {
            "certificates": [
                {
                    "serial_from": "SCOPE0001",
                    "serial_to": "SCOPE0010",
                    "quantity": 10,
                    "plant": "SCOPE-PLANT",
                    "technology": "wind",
                    "production_month": "2026-10",
                }
            ]
        },
        "/api/organisations/{organisation_id}/certificates/claims": {
            "quantity": 1,
            "purpose": "enterprise",
            "subject": "scope",
            "consumption_from": "2026-01-01",
            "consumption_to": "2026-12-31",
        },
        "/api/organisations/{organisation_id}/pact-clients/{client_id}/event-endpoint": {
            "event_url": "https://buyer.example/3/events"
        },
        "/api/parks": {"name": "scope park", "members": [{"organisation_id": world.org_a}]},
        "/api/parks/{park_id}/years/{year}": {"transfers": []},
        "/api/organisations/{organisation_id}/parks/{park_id}/grant": {"granted": True},
        "/api/organisations/{organisation_id}/cbam": {
            "installation": {"name": "scope works"},
            "year": 2026,
            "goods": [{"id": "clinker", "good": "clinker"}],
        },
    }
    body = valid.get(_plain(path)) if method != "GET" else None
    return url, body, ({} if body is not None else None)


CASES = [
    pytest.param(method, path, role, target, id=f"{method} {path} {role} {target}")
    for method, path in PROTECTED
    for role in ROLES
    for target in (
        ("甲", "乙")
        if any(f"{{{n}}}" in path for n in ("organisation_id", "result_id", "log_id", "period_id"))
        else ("—",)
    )
]


@pytest.mark.parametrize(("method", "path", "role", "target"), CASES)
def test_route_scope(
    scoped: tuple[TestClient, World], method: str, path: str, role: str, target: str
) -> None:
    client, world = scoped
    rule = POLICY[(method, _plain(path))]
    permitted = rule.other if target == "乙" and rule.other is not None else rule.own
    url, valid, invalid = _request(world, method, path, target)
    before = _snapshot(world)
    body = invalid if role in permitted else valid
    response = client.request(method, url, json=body, headers=world.bearer(role))
    if role in permitted:
        expected = 200 if method == "GET" else 422
        assert response.status_code == expected, response.text
    else:
        assert response.status_code in (403, 404), response.text
        assert response.json()["detail"]
    assert _snapshot(world) == before, "the request changed the store"


@pytest.mark.parametrize(("method", "path"), PROTECTED, ids=[f"{m} {p}" for m, p in PROTECTED])
def test_no_or_bad_credentials_is_401(
    scoped: tuple[TestClient, World], method: str, path: str
) -> None:
    client, world = scoped
    url, valid, _ = _request(world, method, path, "甲")
    before = _snapshot(world)
    attempts: list[dict[str, str]] = [
        {},
        {"Authorization": f"Bearer {world.revoked_key}"},
        {"Authorization": "Bearer dck_000000000000_guessed"},
        {"Cookie": f"{COOKIE_NAME}=forged"},
    ]
    for headers in attempts:
        response = client.request(method, url, json=valid, headers=headers)
        assert response.status_code == 401, (headers, response.text)
    assert _snapshot(world) == before


@pytest.mark.parametrize("role", ROLES)
def test_listings_are_filtered(scoped: tuple[TestClient, World], role: str) -> None:
    client, world = scoped
    organisations = client.get("/api/organisations", headers=world.bearer(role)).json()
    expected = {world.org_a, world.org_b} if role in READERS_OF_ALL else {world.org_a}
    assert {o["id"] for o in organisations} == expected
    if role in ACCOUNTING_READERS:
        results = client.get(
            f"/api/organisations/{world.org_a}/results", headers=world.bearer(role)
        ).json()
        assert [r["id"] for r in results] == [world.result_a]
        assert {r["organisation_id"] for r in results} == {world.org_a}
        document = client.get(f"/api/results/{world.result_a}", headers=world.bearer(role))
        assert document.json()["organisation_id"] == world.org_a
