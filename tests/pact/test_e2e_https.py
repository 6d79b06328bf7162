"""End to end over real HTTPS: uvicorn serves the app on loopback with a self-signed certificate,
httpx calls it as a partner system would, and a second loopback HTTPS server plays the partner's
event endpoint. Every response body is checked against the bundled PACT v3 OpenAPI schema.

The cases mirror the PACT conformance suite's V3 test cases (the official conformance tool,
https://github.com/wbcsd/pact-conformance-service, `docs/v3-test-cases-expected-results.md`: 40
numbered cases, TC1–17 and TC20–40 mandatory, TC18–19 on OIDC optional), cited as TC<n> in each
test.
"""

from __future__ import annotations

import base64
import json
import queue
import re
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from dualcarbon.api import Settings
from dualcarbon.io.product_yaml import dump_product_system
from dualcarbon.pact import repository
from dualcarbon.pact.schema import errors, response_errors, validate
from dualcarbon.pact.tokens import TOKEN_SALT
from dualcarbon.security import Passwords
from dualcarbon.server import create_app
from dualcarbon.store import session_scope, upgrade
from dualcarbon.store.models import Organisation, PactEvent
from postgres import BACKENDS, database

from .conftest import make_publication, pv_system
from .servers import https_server, self_signed, trust

SECRET_KEY = "pact-e2e-secret-key"
PASSWORDS = Passwords(memory_kib=64, time_cost=1)
CLOUDEVENTS = "application/cloudevents+json; charset=UTF-8"
GTIN_A, GTIN_B, GTIN_D, GTIN_OTHER = (
    "urn:gtin:4712345060507",
    "urn:gtin:4712345060514",
    "urn:gtin:4712345060521",
    "urn:gtin:6901234567892",
)
COMPANY_A = "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"
CPC = "urn:pact:productclassification:un-cpc:46420"
PARTNER_LOGIN = ("dualcarbon-at-partner", "partner-issued-secret")
"""Our client credentials at the partner's /auth/token (the partner checks them)."""
PARTNER_TOKEN = "partner-issued-token"


@dataclass
class Deployment:
    base: str
    context: Any
    client_id: str
    client_secret: str
    other_client_id: str
    other_client_secret: str
    ids: dict[str, str]
    partner_events: queue.Queue[tuple[str, dict[str, Any]]]
    engine: Any


def _publish(engine: Any, org: int, system_id: str, product: str, **changes: Any) -> str:
    system = pv_system(id=system_id, **changes.pop("system", {}))
    publication = make_publication(product_ids=[product], **changes)
    with session_scope(engine) as session:
        return repository.publish(session, org, system, dump_product_system(system), publication).id


@pytest.fixture(scope="module", params=BACKENDS)
def deployment(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    folder = tmp_path_factory.mktemp("pact-e2e")
    db = database(request.param, folder)
    url = next(db)
    partner_cert, partner_key = self_signed(folder, "partner")
    try:
        upgrade(url)
        app = create_app(
            Settings(
                database_url=url,
                secret_key=SECRET_KEY,  # type: ignore[arg-type]
                cookie_secure=False,
                password_memory_kib=64,
                password_time_cost=1,
                # the partner is a loopback server: allowed here only (decision 0012), and
                # trusted through the CA bundle setting
                pact_allow_private_event_urls=True,
                pact_ca_bundle=str(partner_cert),
            )
        )
        engine = app.state.engine
        with session_scope(engine) as session:
            own, other = (
                Organisation(name="示例光伏科技有限公司"),
                Organisation(name="乙组件有限公司"),
            )
            session.add_all([own, other])
            session.flush()
            own_id, other_id = own.id, other.id
        ids = {
            "a1": _publish(engine, own_id, "pv-a", GTIN_A),
            "b": _publish(
                engine, own_id, "pv-b", GTIN_B, system={"geography": "CN-JS"}, classifications=[]
            ),
            "a2": _publish(engine, own_id, "pv-a", GTIN_A),  # supersedes a1
            "d": _publish(
                engine,
                own_id,
                "pv-d",
                GTIN_D,
                validity_start="2030-01-01T00:00:00Z",
                validity_end="2031-01-01T00:00:00Z",
            ),
            "other": _publish(engine, other_id, "pv-x", GTIN_OTHER),
        }
        partner_events: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue()

        async def partner_token(request: Request) -> Response:
            # the partner's own /auth/token: our credentials there, client credentials grant
            expected = base64.b64encode(f"{PARTNER_LOGIN[0]}:{PARTNER_LOGIN[1]}".encode())
            form = await request.form()
            if request.headers.get("authorization") != f"Basic {expected.decode()}" or (
                form.get("grant_type") != "client_credentials"
            ):
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            return JSONResponse(
                {"access_token": PARTNER_TOKEN, "token_type": "Bearer", "expires_in": 60}
            )

        async def receive(request: Request) -> Response:
            if request.headers.get("authorization") != f"Bearer {PARTNER_TOKEN}":
                return JSONResponse({"code": "BadRequest", "message": "token"}, status_code=400)
            partner_events.put((request.headers["content-type"], json.loads(await request.body())))
            return Response(status_code=200)

        partner = Starlette(
            routes=[
                Route("/auth/token", partner_token, methods=["POST"]),
                Route("/3/events", receive, methods=["POST"]),
            ]
        )
        cert, key = self_signed(folder, "dualcarbon")
        with https_server(partner, partner_cert, partner_key) as partner_url:
            with session_scope(engine) as session:
                mine = repository.create_client(
                    session,
                    PASSWORDS,
                    own_id,
                    "partner",
                    f"{partner_url}/3/events",
                    partner=repository.PartnerAuth(f"{partner_url}/auth/token", *PARTNER_LOGIN),
                    secret_key=SECRET_KEY,
                )
                theirs = repository.create_client(session, PASSWORDS, other_id, "other", None)
            with https_server(app, cert, key) as base:
                yield Deployment(
                    base=base,
                    context=trust(cert),
                    client_id=mine.client_id,
                    client_secret=mine.client_secret,
                    other_client_id=theirs.client_id,
                    other_client_secret=theirs.client_secret,
                    ids=ids,
                    partner_events=partner_events,
                    engine=engine,
                )
        engine.dispose()
    finally:
        db.close()


@pytest.fixture
def http(deployment: Deployment) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=deployment.base, verify=deployment.context, timeout=20) as client:
        yield client


def _basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def _token(http: httpx.Client, deployment: Deployment) -> str:
    response = http.post(
        "/auth/token",
        data={"grant_type": "client_credentials"},
        headers=_basic(deployment.client_id, deployment.client_secret),
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


@pytest.fixture
def bearer(http: httpx.Client, deployment: Deployment) -> dict[str, str]:
    return {"Authorization": f"Bearer {_token(http, deployment)}"}


def _checked(response: httpx.Response, path: str, method: str = "get") -> Any:
    """The JSON body, after checking it against the OpenAPI response schema for its status."""
    body = response.json()
    assert response_errors(path, method, response.status_code, body) == [], body
    return body


# -- authentication (TC1, TC2) -----------------------------------------------------------------


def test_tc1_token_with_valid_credentials(http: httpx.Client, deployment: Deployment) -> None:
    response = http.post(
        "/auth/token",
        data={"grant_type": "client_credentials"},
        headers=_basic(deployment.client_id, deployment.client_secret),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert isinstance(body["expires_in"], int) and body["expires_in"] > 0
    assert body["access_token"]
    assert response.headers["cache-control"] == "no-store"  # RFC 6749 §5.1


@pytest.mark.parametrize(
    "credentials",
    [("known", "wrong-secret"), ("pact_0000000000000000", "anything"), None],
    ids=["wrong secret", "unknown client", "no credentials"],
)
def test_tc2_token_with_invalid_credentials(
    http: httpx.Client, deployment: Deployment, credentials: tuple[str, str] | None
) -> None:
    headers = {}
    if credentials is not None:
        client_id = deployment.client_id if credentials[0] == "known" else credentials[0]
        headers = _basic(client_id, credentials[1])
    response = http.post("/auth/token", data={"grant_type": "client_credentials"}, headers=headers)
    assert response.status_code in (400, 401)  # TC2 accepts either
    assert response.json()["error"] == "invalid_client"
    assert "access_token" not in response.json()


def test_token_needs_client_credentials_grant(http: httpx.Client, deployment: Deployment) -> None:
    headers = _basic(deployment.client_id, deployment.client_secret)
    wrong = http.post("/auth/token", data={"grant_type": "password"}, headers=headers)
    assert (wrong.status_code, wrong.json()["error"]) == (400, "unsupported_grant_type")
    missing = http.post("/auth/token", data={}, headers=headers)
    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_request")


# -- ListFootprints and GetFootprint (TC3–8, TC20–37) -------------------------------------------


def _ids(body: dict[str, Any]) -> set[str]:
    return {document["id"] for document in body["data"]}


def test_tc4_list_shows_own_footprints_only(
    http: httpx.Client, deployment: Deployment, bearer: dict[str, str]
) -> None:
    response = http.get("/3/footprints", headers=bearer)
    assert response.status_code == 200
    body = _checked(response, "/3/footprints")
    ids = deployment.ids
    assert _ids(body) == {ids["a1"], ids["a2"], ids["b"], ids["d"]}  # not the other company's
    status = {d["id"]: d["status"] for d in body["data"]}
    assert status[ids["a1"]] == "Deprecated"  # superseded, still listed (spec: SHOULD include)
    assert status[ids["a2"]] == "Active"
    newest = next(d for d in body["data"] if d["id"] == ids["a2"])
    assert newest["precedingPfIds"] == [ids["a1"]]


def test_tc5_pagination_follows_link_headers(
    http: httpx.Client, deployment: Deployment, bearer: dict[str, str]
) -> None:
    seen: list[str] = []
    url: str | None = "/3/footprints?limit=1"
    pages = 0
    while url is not None:
        response = http.get(url, headers=bearer)
        body = _checked(response, "/3/footprints")
        assert len(body["data"]) <= 1  # MUST NOT return more than limit
        seen += [d["id"] for d in body["data"]]
        link = response.headers.get("link")
        if link is None:
            url = None
            continue
        match = re.fullmatch(r'<([^>]+)>; rel="next"', link)
        assert match, link
        url = match.group(1)
        assert url.startswith(f"{deployment.base}/3/footprints?")  # absolute, same host
        again = http.get(url, headers=bearer)  # a link may be called more than once
        assert again.json() == http.get(url, headers=bearer).json()
        pages += 1
    assert pages == 3
    assert sorted(seen) == sorted(deployment.ids[k] for k in ("a1", "a2", "b", "d"))


def test_pagination_keeps_the_filters(
    http: httpx.Client, deployment: Deployment, bearer: dict[str, str]
) -> None:
    response = http.get("/3/footprints", params={"productId": GTIN_A, "limit": 1}, headers=bearer)
    assert _ids(response.json()) == {deployment.ids["a1"]}
    link = response.headers["link"]
    follow = http.get(link[1 : link.index(">")], headers=bearer)
    assert _ids(follow.json()) == {deployment.ids["a2"]}
    assert "link" not in follow.headers


def test_tc3_get_footprint(
    http: httpx.Client, deployment: Deployment, bearer: dict[str, str]
) -> None:
    response = http.get(f"/3/footprints/{deployment.ids['a2']}", headers=bearer)
    assert response.status_code == 200
    body = _checked(response, "/3/footprints/{id}")
    assert body["data"]["id"] == deployment.ids["a2"]
    assert body["data"]["productIds"] == [GTIN_A]


@pytest.mark.parametrize("missing", ["0b6c7d5e-3f1a-4c2b-9e8d-7a6f5e4d3c2b", "non-existent-id"])
def test_tc8_unknown_footprint_is_404(
    http: httpx.Client, bearer: dict[str, str], missing: str
) -> None:
    response = http.get(f"/3/footprints/{missing}", headers=bearer)
    assert response.status_code == 404
    assert _checked(response, "/3/footprints/{id}")["code"] == "NotFound"


def test_footprint_of_another_company_answers_as_an_unknown_one(
    http: httpx.Client, deployment: Deployment, bearer: dict[str, str]
) -> None:
    """403 for another organisation's id but 404 for an unknown one told ids apart (it
    answered 403 before)."""
    theirs = http.get(f"/3/footprints/{deployment.ids['other']}", headers=bearer)
    unknown = http.get(f"/3/footprints/{uuid.uuid4()}", headers=bearer)
    assert theirs.status_code == unknown.status_code == 404
    assert _checked(theirs, "/3/footprints/{id}") == _checked(unknown, "/3/footprints/{id}")


def test_upper_case_uuid_finds_the_footprint(
    http: httpx.Client, deployment: Deployment, bearer: dict[str, str]
) -> None:
    """RFC 9562 §4: UUIDs are case-insensitive on input (upper case answered 404 before)."""
    wanted = deployment.ids["a2"]
    for spelling in (wanted.upper(), f"urn:uuid:{wanted.upper()}", wanted.replace("-", "")):
        response = http.get(f"/3/footprints/{spelling}", headers=bearer)
        assert response.status_code == 200, spelling
        assert _checked(response, "/3/footprints/{id}")["data"]["id"] == wanted


@pytest.mark.parametrize(
    ("path", "template"),
    [("/3/footprints", "/3/footprints"), ("/3/footprints/x", "/3/footprints/{id}")],
)
@pytest.mark.parametrize("authorization", ["Bearer invalid-access-token", "", "Basic eDp5"])
def test_tc6_tc7_invalid_token_is_400(
    http: httpx.Client, path: str, template: str, authorization: str
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = http.get(path, headers=headers)
    assert response.status_code == 400
    assert _checked(response, template)["code"] == "BadRequest"


def test_expired_token_is_401(http: httpx.Client, deployment: Deployment) -> None:
    class TwoHoursAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return super().get_timestamp() - 7200

    # signed with the server's key two hours ago: genuine, but past the 1 h lifetime
    old = URLSafeTimedSerializer(SECRET_KEY, salt=TOKEN_SALT, signer=TwoHoursAgo)
    headers = {"Authorization": f"Bearer {old.dumps(deployment.client_id)}"}
    for path, template in (
        ("/3/footprints", "/3/footprints"),
        (f"/3/footprints/{deployment.ids['a2']}", "/3/footprints/{id}"),
    ):
        response = http.get(path, headers=headers)
        assert response.status_code == 401
        assert _checked(response, template)["code"] == "TokenExpired"
        # RFC 6750 §3: a 401 names the scheme and the error (it had no header before)
        challenge = response.headers["www-authenticate"]
        assert challenge.startswith("Bearer ") and 'error="invalid_token"' in challenge


FILTER_CASES = [
    ("TC20 productId", {"productId": GTIN_A}, {"a1", "a2"}),
    ("productId, other case", {"productid": GTIN_A.upper()}, {"a1", "a2"}),
    ("productId OR", [("productId", GTIN_A), ("productId", GTIN_B)], {"a1", "a2", "b"}),
    ("TC21 companyId", {"companyId": COMPANY_A}, {"a1", "a2", "b", "d"}),
    (
        "TC29 companyId OR",
        [("companyId", COMPANY_A), ("companyId", "urn:uuid:other-company")],
        {"a1", "a2", "b", "d"},
    ),
    ("TC22 geography country", {"geography": "CN"}, {"a1", "a2", "b", "d"}),
    ("geography subdivision", {"geography": "cn-js"}, {"b"}),
    ("TC23 classification", {"classification": CPC}, {"a1", "a2", "d"}),
    # TC23 with a first footprint that has no classification sends an empty value: every
    # filter ignores an empty value, as validOn= already did (it found nothing before)
    ("TC23 empty classification", {"classification": ""}, {"a1", "a2", "b", "d"}),
    ("empty productId", {"productId": ""}, {"a1", "a2", "b", "d"}),
    ("empty and given", [("productId", ""), ("productId", GTIN_B)], {"b"}),
    ("empty geography and status", {"geography": " ", "status": ""}, {"a1", "a2", "b", "d"}),
    # a1, a2: reference period 2024 → valid 2025-01-01 … 2028-01-01 (3 years, spec default)
    ("TC24 validOn", {"validOn": "2026-06-01T00:00:00Z"}, {"a1", "a2", "b"}),
    ("TC25 validAfter", {"validAfter": "2029-01-01T00:00:00Z"}, {"d"}),
    ("TC26 validBefore", {"validBefore": "2029-01-01T00:00:00Z"}, {"a1", "a2", "b"}),
    ("TC27 status", {"status": "Active"}, {"a2", "b", "d"}),
    ("status Deprecated", {"status": "Deprecated"}, {"a1"}),
    ("TC28 status and productId", {"status": "Active", "productId": GTIN_A}, {"a2"}),
    ("TC30 productId none", {"productId": "urn:bogus:product:nonexistent123"}, set()),
    ("TC31 companyId none", {"companyId": "urn:bogus:company:nonexistent456"}, set()),
    ("TC32 geography none", {"geography": "XX"}, set()),
    ("TC33 classification none", {"classification": "urn:bogus:classification:x"}, set()),
    ("TC34 validOn none", {"validOn": "1900-01-01T00:00:00Z"}, set()),
    ("TC35 validAfter none", {"validAfter": "2099-12-31T23:59:59Z"}, set()),
    ("TC36 validBefore none", {"validBefore": "1900-01-01T00:00:00Z"}, set()),
    ("TC37 status bogus", {"status": "BogusStatusValue"}, set()),
]


@pytest.mark.parametrize(
    ("name", "params", "expected"), FILTER_CASES, ids=[c[0] for c in FILTER_CASES]
)
def test_filters(
    http: httpx.Client,
    deployment: Deployment,
    bearer: dict[str, str],
    name: str,
    params: Any,
    expected: set[str],
) -> None:
    response = http.get("/3/footprints", params=params, headers=bearer)
    assert response.status_code == 200
    body = _checked(response, "/3/footprints")
    assert _ids(body) == {deployment.ids[key] for key in expected}


@pytest.mark.parametrize("params", [{"limit": "ten"}, {"validOn": "yesterday"}, {"limit": "-1"}])
def test_bad_parameters_are_400(
    http: httpx.Client, bearer: dict[str, str], params: dict[str, str]
) -> None:
    response = http.get("/3/footprints", params=params, headers=bearer)
    assert response.status_code == 400
    assert _checked(response, "/3/footprints")["code"] == "BadRequest"


def test_limit_zero_is_an_empty_page_with_a_link(
    http: httpx.Client, deployment: Deployment, bearer: dict[str, str]
) -> None:
    """The schema's ``limit`` has ``minimum: 0`` (400 before): an empty page, and a Link to the
    rest (without the limit, so following it cannot loop)."""
    response = http.get("/3/footprints", params={"limit": 0, "status": "Active"}, headers=bearer)
    assert response.status_code == 200
    assert _checked(response, "/3/footprints")["data"] == []
    link = response.headers["link"]
    follow = http.get(link[1 : link.index(">")], headers=bearer)
    assert _ids(follow.json()) == {deployment.ids[k] for k in ("a2", "b", "d")}
    assert "link" not in follow.headers


# -- events (TC12–16) ----------------------------------------------------------------------------


def _event(kind: str, data: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": event_id or str(uuid.uuid4()),
        "source": "https://webhook.example.com",
        "time": "2025-05-19T10:30:00Z",
        "type": f"org.wbcsd.pact.ProductFootprint.{kind}.3",
        "data": data,
    }


def _post_event(
    http: httpx.Client, headers: dict[str, str], event: dict[str, Any]
) -> httpx.Response:
    return http.post(
        "/3/events",
        content=json.dumps(event).encode(),
        headers={**headers, "Content-Type": CLOUDEVENTS},
    )


def _partner_received(deployment: Deployment) -> tuple[str, dict[str, Any]]:
    try:
        return deployment.partner_events.get(timeout=20)
    except queue.Empty:
        pytest.fail("the partner received no event")


def _stored(deployment: Deployment, event_id: str) -> PactEvent:
    with session_scope(deployment.engine) as session:
        row = session.scalar(select(PactEvent).where(PactEvent.event_id == event_id))
        assert row is not None
        return row


def _outcome(deployment: Deployment, event_id: str) -> str:
    """The stored event's outcome once the background answer has finished (≤ 10 s)."""
    deadline = time.monotonic() + 10
    while (outcome := _stored(deployment, event_id).outcome) == "received":
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return outcome


def test_tc12_request_is_fulfilled_at_the_partner(
    http: httpx.Client, deployment: Deployment, bearer: dict[str, str]
) -> None:
    event = _event("RequestCreatedEvent", {"productId": [GTIN_A], "status": ["Active"]})
    response = _post_event(http, bearer, event)
    assert response.status_code == 200
    assert response.content == b""  # SHOULD be empty
    media, reply = _partner_received(deployment)
    assert media.startswith("application/cloudevents+json")
    validate("RequestFulfilledEvent", reply)
    assert reply["type"] == "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3"
    assert reply["data"]["requestEventId"] == event["id"]
    assert [pf["id"] for pf in reply["data"]["pfs"]] == [deployment.ids["a2"]]
    for pf in reply["data"]["pfs"]:
        assert errors("ProductFootprint", pf) == []
    assert reply["source"] == f"{deployment.base}/3/events"
    assert _outcome(deployment, event["id"]) == "fulfilled"
    assert json.loads(_stored(deployment, event["id"]).reply or "{}") == reply


def test_request_without_match_is_rejected(
    http: httpx.Client, deployment: Deployment, bearer: dict[str, str]
) -> None:
    event = _event("RequestCreatedEvent", {"productId": [GTIN_OTHER]})  # another company's
    assert _post_event(http, bearer, event).status_code == 200
    _, reply = _partner_received(deployment)
    validate("RequestRejectedEvent", reply)
    assert reply["data"]["requestEventId"] == event["id"]
    assert reply["data"]["error"]["code"] == "NotFound"
    assert _outcome(deployment, event["id"]) == "rejected"


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("RequestFulfilledEvent", "fulfilled"),  # TC13
        (
            "RequestRejectedEvent",
            {"requestEventId": "r-1", "error": {"code": "NotFound", "message": "x"}},
        ),  # TC14
        (
            "PublishedEvent",
            {"pfIds": ["3a6c14a7-4deb-498a-b5ea-16ce2535b576"]},
        ),  # TC15: pfIds as the suite sends them (UUIDs)
    ],
    ids=["TC13", "TC14", "TC15"],
)
def test_tc13_to_tc15_incoming_events_are_accepted_and_stored(
    http: httpx.Client, deployment: Deployment, bearer: dict[str, str], kind: str, data: Any
) -> None:
    if data == "fulfilled":
        pf = http.get(f"/3/footprints/{deployment.ids['b']}", headers=bearer).json()["data"]
        data = {"requestEventId": "r-1", "pfs": [pf]}
    event = _event(kind, data)
    response = _post_event(http, bearer, event)
    assert response.status_code == 200
    assert response.content == b""
    stored = _stored(deployment, event["id"])
    assert stored.outcome == "stored"
    assert json.loads(stored.body) == event


def test_tc16_events_with_invalid_token_are_400(http: httpx.Client, deployment: Deployment) -> None:
    with session_scope(deployment.engine) as session:
        before = session.scalar(select(func.count()).select_from(PactEvent))
    response = _post_event(
        http,
        {"Authorization": "Bearer invalid-access-token"},
        _event("PublishedEvent", {"pfIds": [str(uuid.uuid4())]}),
    )
    assert response.status_code == 400
    assert _checked(response, "/3/events", "post")["code"] == "BadRequest"
    with session_scope(deployment.engine) as session:
        assert session.scalar(select(func.count()).select_from(PactEvent)) == before


def test_tc40_published_event_with_urn_pf_ids_is_400(
    http: httpx.Client, deployment: Deployment, bearer: dict[str, str]
) -> None:
    """TC40: pfIds must be UUIDs (``format: uuid``); a URN is a malformed event (200 before)."""
    event = _event("PublishedEvent", {"pfIds": ["urn:gtin:4712345060507"]})
    response = _post_event(http, bearer, event)
    assert response.status_code == 400
    body = _checked(response, "/3/events", "post")
    assert body["code"] == "BadRequest" and "uuid" in body["message"]
    with session_scope(deployment.engine) as session:
        assert session.scalar(select(PactEvent).where(PactEvent.event_id == event["id"])) is None


def test_request_with_a_bad_date_is_400(http: httpx.Client, bearer: dict[str, str]) -> None:
    event = _event("RequestCreatedEvent", {"productId": [GTIN_A], "validOn": "next week"})
    assert _post_event(http, bearer, event).status_code == 400


def test_a_repeated_event_is_processed_once(
    http: httpx.Client, deployment: Deployment, bearer: dict[str, str]
) -> None:
    """CloudEvents: source + id identify an event. The same request sent twice (a partner's
    retry) is acknowledged twice but answered once and stored once (it was processed twice
    before)."""
    event = _event("RequestCreatedEvent", {"productId": [GTIN_B]})
    assert _post_event(http, bearer, event).status_code == 200
    _, reply = _partner_received(deployment)
    assert reply["data"]["requestEventId"] == event["id"]
    assert _outcome(deployment, event["id"]) == "fulfilled"
    assert _post_event(http, bearer, event).status_code == 200
    # another event from another source may reuse the id: a different event
    other = {**event, "source": "https://other.example.com"}
    assert _post_event(http, bearer, other).status_code == 200
    _, second = _partner_received(deployment)
    assert second["data"]["requestEventId"] == event["id"]
    with pytest.raises(queue.Empty):
        deployment.partner_events.get(timeout=1)  # nothing more came
    with session_scope(deployment.engine) as session:
        rows = session.scalars(select(PactEvent).where(PactEvent.event_id == event["id"])).all()
        assert sorted(row.source for row in rows) == sorted([event["source"], other["source"]])


def test_concurrent_repeats_of_an_event_are_stored_once(
    deployment: Deployment, bearer: dict[str, str]
) -> None:
    """Eight copies of one event at once: each acknowledged, one stored, one answer (the
    unique constraint settles the race, not a check-then-insert)."""
    event = _event("RequestCreatedEvent", {"productId": [GTIN_D]})

    def post(_: int) -> int:
        with httpx.Client(base_url=deployment.base, verify=deployment.context, timeout=30) as c:
            return _post_event(c, bearer, event).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(post, range(8))) == [200] * 8
    _, reply = _partner_received(deployment)
    assert reply["data"]["requestEventId"] == event["id"]
    with pytest.raises(queue.Empty):
        deployment.partner_events.get(timeout=1)
    with session_scope(deployment.engine) as session:
        count = session.scalar(
            select(func.count()).select_from(PactEvent).where(PactEvent.event_id == event["id"])
        )
    assert count == 1


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", _event("PublishedEvent", {"pfIds": []})),  # wrong media type
        (CLOUDEVENTS, {k: v for k, v in _event("PublishedEvent", {}).items() if k != "source"}),
        (CLOUDEVENTS, {**_event("PublishedEvent", {}), "specversion": "0.3"}),
        (CLOUDEVENTS, "not json"),
    ],
    ids=["media type", "no source", "specversion", "not JSON"],
)
def test_invalid_events_are_400(
    http: httpx.Client, bearer: dict[str, str], content_type: str, body: Any
) -> None:
    content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    response = http.post(
        "/3/events", content=content, headers={**bearer, "Content-Type": content_type}
    )
    assert response.status_code == 400
    assert _checked(response, "/3/events", "post")["code"] == "BadRequest"


# -- HTTPS only (TC9–11, TC17) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/auth/token"), ("GET", "/3/footprints"), ("POST", "/3/events")],
    ids=["TC9", "TC10", "TC17"],
)
def test_plain_http_gets_no_data(deployment: Deployment, method: str, path: str) -> None:
    plain = deployment.base.replace("https://", "http://")
    try:
        response = httpx.request(
            method,
            plain + path,
            headers=_basic(deployment.client_id, deployment.client_secret),
            data={"grant_type": "client_credentials"},
            timeout=10,
        )
    except httpx.HTTPError:
        return  # the connection is refused: what the suite expects
    assert "access_token" not in response.text
    assert '"data"' not in response.text


def test_client_of_another_company_sees_only_its_own(
    http: httpx.Client, deployment: Deployment
) -> None:
    response = http.post(
        "/auth/token",
        data={"grant_type": "client_credentials"},
        headers=_basic(deployment.other_client_id, deployment.other_client_secret),
    )
    token = response.json()["access_token"]
    listed = http.get("/3/footprints", headers={"Authorization": f"Bearer {token}"})
    assert _ids(listed.json()) == {deployment.ids["other"]}


def test_request_from_a_client_without_event_endpoint_is_refused(
    http: httpx.Client, deployment: Deployment
) -> None:
    """The spec: a request the owner can tell at once it cannot handle gets a 4xx. Without an
    event endpoint no answer could ever be delivered (it was accepted with 200 before)."""
    response = http.post(
        "/auth/token",
        data={"grant_type": "client_credentials"},
        headers=_basic(deployment.other_client_id, deployment.other_client_secret),
    )
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    event = _event("RequestCreatedEvent", {"productId": [GTIN_OTHER]})
    refused = _post_event(http, headers, event)
    assert refused.status_code == 400
    assert "event_url" in _checked(refused, "/3/events", "post")["message"]
    with session_scope(deployment.engine) as session:
        assert session.scalar(select(PactEvent).where(PactEvent.event_id == event["id"])) is None
    # other events from that client are still accepted
    published = _event("PublishedEvent", {"pfIds": [str(uuid.uuid4())]})
    assert _post_event(http, headers, published).status_code == 200
