"""Deliveries to partners (decision 0012): the SSRF guard on event endpoints, the event endpoint
of an existing client, and PublishedEvents kept until delivered, retried with back-off."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.world import World, seed, settings_for
from dualcarbon.api.settings import Settings
from dualcarbon.pact import outbound, outbox
from dualcarbon.pact.outbound import OutboundPolicy, TargetRefusedError, check_url
from dualcarbon.pact.schema import validate
from dualcarbon.server import create_app
from dualcarbon.store import session_scope, upgrade
from dualcarbon.store.models import PactClient, PactDelivery

from .conftest import pv_mapping
from .servers import https_server, self_signed
from .test_publish_api import PUBLICATION, as_json

# -- the SSRF guard ------------------------------------------------------------------------------

REFUSED = [
    "https://127.0.0.1/3/events",
    "https://127.9.9.9:8443/3/events",
    "https://localhost/3/events",
    "https://[::1]/3/events",
    "https://10.1.2.3/3/events",
    "https://172.16.0.1/3/events",
    "https://192.168.1.1/3/events",
    "https://169.254.169.254/latest/meta-data",  # cloud metadata
    "https://100.64.0.1/3/events",  # shared address space (RFC 6598)
    "https://0.0.0.0/3/events",
    "https://[::ffff:127.0.0.1]/3/events",  # IPv4-mapped loopback
    "https://[fd00::1]/3/events",  # unique local (RFC 4193)
    "https://[fe80::1]/3/events",
    "https://224.0.0.1/3/events",
    "http://buyer.example/3/events",  # not HTTPS
    "https://user:pw@buyer.example/3/events",
    "https://[",  # an unclosed IPv6 literal: urlsplit's ValueError was a 500 (schemathesis)
    "https://[::1/3/events",
]


@pytest.mark.parametrize("url", REFUSED)
def test_non_public_targets_are_refused(url: str) -> None:
    with pytest.raises(TargetRefusedError):
        check_url(url, allow_private=False)


def test_the_administrator_may_allow_private_targets() -> None:
    check_url("https://127.0.0.1:8443/3/events", allow_private=True)
    check_url("https://10.1.2.3/3/events", allow_private=True)
    with pytest.raises(TargetRefusedError):  # HTTPS stays required
        check_url("http://127.0.0.1/3/events", allow_private=True)


def test_public_and_unresolvable_hosts_pass() -> None:
    check_url("https://8.8.8.8/3/events", allow_private=False)
    check_url("https://[2001:4860:4860::8888]/3/events", allow_private=False)
    check_url("https://buyer.example/3/events", allow_private=False)  # checked on connection


def _resolving_to(monkeypatch: pytest.MonkeyPatch, *answers: list[str]) -> list[str]:
    """Make getaddrinfo answer each call with the next list of addresses; the calls seen."""
    calls: list[str] = []
    queue = list(answers)

    def fake(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        calls.append(host)
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        return [
            (
                socket.AF_INET6 if ":" in a else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (a, port),
            )
            for a in addresses
        ]

    monkeypatch.setattr(outbound.socket, "getaddrinfo", fake)
    return calls


def test_every_resolved_address_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """One private address among public ones refuses the name."""
    _resolving_to(monkeypatch, ["93.184.215.14", "10.0.0.7"])
    with pytest.raises(TargetRefusedError, match=r"10\.0\.0\.7"):
        check_url("https://partner.example.com/3/events", allow_private=False)


def test_dns_rebinding_is_caught_at_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """The name resolved to a public address when the client was made, and to loopback when
    the event is sent: the connection re-checks and connects only to what it checked."""
    calls = _resolving_to(monkeypatch, ["93.184.215.14"], ["127.0.0.1"])
    check_url("https://rebind.example.com/3/events", allow_private=False)  # at creation: fine
    connected: list[Any] = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, address: connected.append(address))
    with pytest.raises(TargetRefusedError, match=r"127\.0\.0\.1"):
        outbound.post("https://rebind.example.com/3/events", b"{}", {}, OutboundPolicy())
    assert calls == ["rebind.example.com", "rebind.example.com"]
    assert connected == []  # no socket was ever pointed at it


def test_redirects_are_not_followed(tmp_path: Path) -> None:
    """A partner answering 307 to an internal address gets no second request: a 3xx is a
    failed delivery."""
    hits: list[str] = []

    async def redirect(request: Request) -> Response:
        hits.append(request.url.path)
        return Response(status_code=307, headers={"Location": "https://10.0.0.1/internal"})

    partner = Starlette(routes=[Route("/3/events", redirect, methods=["POST"])])
    cert, key = self_signed(tmp_path, "partner")
    policy = OutboundPolicy(verify=str(cert), allow_private=True)
    with https_server(partner, cert, key) as url:
        status, _ = outbound.post(f"{url}/3/events", b"{}", {}, policy)
    assert status == 307 and hits == ["/3/events"]


def test_an_untrusted_certificate_fails(tmp_path: Path) -> None:
    """Without the CA bundle the partner's self-signed certificate is not trusted."""
    partner = Starlette(routes=[Route("/3/events", lambda r: Response(), methods=["POST"])])
    cert, key = self_signed(tmp_path, "partner")
    with https_server(partner, cert, key) as url, pytest.raises(OSError):
        outbound.post(f"{url}/3/events", b"{}", {}, OutboundPolicy(allow_private=True))


# -- the platform API ----------------------------------------------------------------------------


@pytest.fixture
def platform(db_url: str) -> Iterator[tuple[TestClient, World]]:
    upgrade(db_url)
    with TestClient(create_app(settings_for(db_url))) as client:
        yield client, seed(client.app.state.engine)  # type: ignore[attr-defined]


def _clients(world: World, org: int | None = None) -> str:
    return f"/api/organisations/{org or world.org_a}/pact-clients"


@pytest.mark.parametrize(
    ("field", "url"),
    [
        ("event_url", "https://127.0.0.1:9443/3/events"),
        ("event_url", "https://169.254.169.254/3/events"),
        ("event_auth_url", "https://192.168.0.10/auth/token"),
    ],
)
def test_a_client_cannot_point_at_private_addresses(
    platform: tuple[TestClient, World], field: str, url: str
) -> None:
    """An enterprise user pointed event_url at loopback and the server connected there
    (accepted with 201 before)."""
    client, world = platform
    body: dict[str, Any] = {"name": "x", "event_url": "https://buyer.example/3/events"}
    body[field] = url
    if field == "event_auth_url":
        body |= {"event_client_id": "us", "event_client_secret": "s"}
    response = client.post(_clients(world), json=body, headers=world.bearer("enterprise"))
    assert response.status_code == 422, response.text
    problem = response.json()["problems"][0]
    assert problem["field"] == field and "address" in problem["rule"]
    listed = client.get(_clients(world), headers=world.bearer("enterprise"))
    assert listed.json() == []


def test_the_owner_sets_the_event_endpoint_of_an_existing_client(
    platform: tuple[TestClient, World],
) -> None:
    client, world = platform
    owner = world.bearer("enterprise")
    made = client.post(_clients(world), json={"name": "buyer"}, headers=owner)
    assert made.status_code == 201 and made.json()["event_url"] is None
    client_id = made.json()["client_id"]
    where = f"{_clients(world)}/{client_id}/event-endpoint"
    body = {
        "event_url": "https://buyer.example/3/events",
        "event_auth_url": "https://buyer.example/auth/token",
        "event_client_id": "us-at-buyer",
        "event_client_secret": "their-secret-for-us",
    }
    response = client.put(where, json=body, headers=owner)
    assert response.status_code == 200, response.text
    assert response.json()["event_url"] == "https://buyer.example/3/events"
    assert "their-secret-for-us" not in response.text
    listed = client.get(_clients(world), headers=owner).json()
    assert [(c["client_id"], c["event_url"]) for c in listed] == [
        (client_id, "https://buyer.example/3/events")
    ]
    assert "secret" not in json.dumps(listed)
    refused = client.put(where, json={"event_url": "https://10.0.0.1/3/events"}, headers=owner)
    assert refused.status_code == 422
    cleared = client.put(where, json={"event_url": None}, headers=owner)
    assert cleared.status_code == 200 and cleared.json()["event_auth_url"] is None
    # another organisation's user, or another organisation's path: not found / forbidden
    other = client.put(where, json=body, headers=world.bearer("enterprise_b"))
    assert other.status_code in (403, 404)
    wrong_org = f"{_clients(world, world.org_b)}/{client_id}/event-endpoint"
    assert client.put(wrong_org, json=body, headers=world.bearer("admin")).status_code == 404


# -- PublishedEvents kept until delivered --------------------------------------------------------


class Partner:
    """A loopback HTTPS partner whose /3/events can be made to fail."""

    def __init__(self) -> None:
        self.up = False
        self.received: list[dict[str, Any]] = []
        self.attempts = 0

    async def events(self, request: Request) -> Response:
        self.attempts += 1
        if not self.up:
            return Response(status_code=503)
        self.received.append(json.loads(await request.body()))
        return Response(status_code=200)


def _deliveries(engine: Any) -> list[tuple[str, int, dt.datetime | None]]:
    with session_scope(engine) as session:
        rows = session.scalars(select(PactDelivery).order_by(PactDelivery.id)).all()
        return [(row.status, row.attempts, row.next_attempt_at) for row in rows]


def test_failed_published_events_are_retried_with_backoff(db_url: str, tmp_path: Path) -> None:
    """A partner down when a footprint is published gets the PublishedEvent later: the delivery
    is kept in the store, tried again after the back-off, also by another process over the same
    store (a restart), and once only (it was tried once and lost before)."""
    partner = Partner()
    cert, key = self_signed(tmp_path, "partner")
    upgrade(db_url)
    settings: Settings = settings_for(db_url).model_copy(
        update={"pact_allow_private_event_urls": True, "pact_ca_bundle": str(cert)}
    )
    app = Starlette(routes=[Route("/3/events", partner.events, methods=["POST"])])
    with https_server(app, cert, key) as partner_url:
        with TestClient(create_app(settings)) as client:
            world = seed(client.app.state.engine)  # type: ignore[attr-defined]
            made = client.post(
                _clients(world),
                json={"name": "buyer", "event_url": f"{partner_url}/3/events"},
                headers=world.bearer("enterprise"),
            )
            assert made.status_code == 201
            before = dt.datetime.now(dt.UTC)
            published = client.post(
                f"/api/organisations/{world.org_a}/footprints",
                json={"publication": PUBLICATION, "product_system": as_json(pv_mapping())},
                headers=world.bearer("enterprise"),
            )
            assert published.status_code == 201
        # the first attempt ran after the response and failed (503)
        [(status, attempts, next_at)] = _deliveries(world.engine)
        assert (status, attempts, partner.attempts) == ("pending", 1, 1)
        assert next_at is not None and next_at >= before + outbox.FIRST_DELAY
        # "a restart": a new process over the same store; nothing is due yet
        policy = OutboundPolicy(verify=str(cert), allow_private=True)
        secret = settings.secret
        assert outbox.deliver_due(world.engine, secret_key=secret, policy=policy) == 0
        later = next_at + dt.timedelta(seconds=1)
        assert outbox.deliver_due(world.engine, secret_key=secret, policy=policy, now=later) == 1
        [(status, attempts, again)] = _deliveries(world.engine)
        assert (status, attempts) == ("pending", 2)
        assert again is not None and again - later >= outbox.backoff(2) - dt.timedelta(seconds=1)
        partner.up = True
        when = again + dt.timedelta(seconds=1)
        assert outbox.deliver_due(world.engine, secret_key=secret, policy=policy, now=when) == 1
        assert _deliveries(world.engine) == [("delivered", 3, None)]
        assert outbox.deliver_due(world.engine, secret_key=secret, policy=policy, now=when) == 0
    assert len(partner.received) == 1
    validate("PublishedEvent", partner.received[0])
    assert partner.received[0]["data"]["pfIds"] == [published.json()["id"]]


def test_backoff_doubles_and_is_capped() -> None:
    waits = [outbox.backoff(n) for n in range(1, 12)]
    assert waits[:3] == [dt.timedelta(seconds=s) for s in (30, 60, 120)]
    assert all(b >= a for a, b in itertools.pairwise(waits))
    assert max(waits) == outbox.MAX_DELAY


def test_a_delivery_is_abandoned_after_72_hours(db_url: str) -> None:
    """The spec: abandon after 72 hours. A target that never answers (refused here) ends as
    ``failed`` with its reason, after a bounded number of attempts."""
    upgrade(db_url)
    settings = settings_for(db_url)
    with TestClient(create_app(settings)) as client:
        world = seed(client.app.state.engine)  # type: ignore[attr-defined]
    with session_scope(world.engine) as session:
        buyer = PactClient(
            client_id="pact_test",
            secret_hash="x",
            name="buyer",
            organisation_id=world.org_a,
            event_url="https://127.0.0.1:9/3/events",  # refused: private targets not allowed
            active=True,
        )
        session.add(buyer)
        session.flush()
        start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        event = {"id": "e-1", "type": "org.wbcsd.pact.ProductFootprint.PublishedEvent.3"}
        outbox.enqueue(session, [buyer], event, now=start)
    policy = OutboundPolicy()
    now, rounds = start, 0
    while _deliveries(world.engine)[0][0] == "pending" and rounds < 100:
        outbox.deliver_due(world.engine, secret_key=settings.secret, policy=policy, now=now)
        next_at = _deliveries(world.engine)[0][2]
        now = (next_at or now) + dt.timedelta(seconds=1)
        rounds += 1
    [(status, attempts, _)] = _deliveries(world.engine)
    assert status == "failed"
    assert 5 < attempts <= outbox.MAX_ATTEMPTS
    assert now - start <= outbox.GIVE_UP_AFTER + outbox.MAX_DELAY
    with session_scope(world.engine) as session:
        row = session.scalars(select(PactDelivery)).one()
        assert row.last_error is not None and "127.0.0.1" in row.last_error


def test_an_answer_to_a_request_is_retried_too(db_url: str, tmp_path: Path) -> None:
    """The RequestFulfilledEvent for a partner that is down is owed like a PublishedEvent (it was
    sent once and recorded as reply_failed before)."""
    partner = Partner()
    cert, key = self_signed(tmp_path, "partner")
    upgrade(db_url)
    settings: Settings = settings_for(db_url).model_copy(
        update={"pact_allow_private_event_urls": True, "pact_ca_bundle": str(cert)}
    )
    app = Starlette(routes=[Route("/3/events", partner.events, methods=["POST"])])
    with https_server(app, cert, key) as partner_url, TestClient(create_app(settings)) as client:
        world = seed(client.app.state.engine)  # type: ignore[attr-defined]
        published = client.post(
            f"/api/organisations/{world.org_a}/footprints",
            json={"publication": PUBLICATION, "product_system": as_json(pv_mapping())},
            headers=world.bearer("enterprise"),
        )
        assert published.status_code == 201
        made = client.post(
            _clients(world),
            json={"name": "buyer", "event_url": f"{partner_url}/3/events"},
            headers=world.bearer("enterprise"),
        ).json()
        token = client.post(
            "/auth/token",
            data={"grant_type": "client_credentials"},
            auth=(made["client_id"], made["client_secret"]),
        ).json()["access_token"]
        request = {
            "specversion": "1.0",
            "id": "request-1",
            "source": "https://buyer.example",
            "time": "2026-12-01T00:00:00Z",
            "type": "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3",
            "data": {"productId": PUBLICATION["product_ids"]},
        }
        answered = client.post(
            "/3/events",
            content=json.dumps(request),
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/cloudevents+json",
            },
        )
        assert answered.status_code == 200
    [(status, attempts, next_at)] = _deliveries(world.engine)
    assert (status, attempts, partner.attempts) == ("pending", 1, 1)
    assert next_at is not None
    partner.up = True
    policy = OutboundPolicy(verify=str(cert), allow_private=True)
    with https_server(app, cert, key) as partner_url:
        with session_scope(world.engine) as session:  # the partner came back elsewhere
            buyer = session.scalars(select(PactClient)).one()
            buyer.event_url = f"{partner_url}/3/events"
        later = next_at + dt.timedelta(seconds=1)
        tried = outbox.deliver_due(
            world.engine, secret_key=settings.secret, policy=policy, now=later
        )
    assert tried == 1
    assert _deliveries(world.engine)[0][:2] == ("delivered", 2)
    [reply] = partner.received
    validate("RequestFulfilledEvent", reply)
    assert reply["data"]["requestEventId"] == "request-1"
    assert [pf["id"] for pf in reply["data"]["pfs"]] == [published.json()["id"]]
