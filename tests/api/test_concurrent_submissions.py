"""50 concurrent clients submitting inventories over HTTP against PostgreSQL: none lost, none
duplicated, every log verifies (issue 4).

``tests/store/test_evidence_concurrency.py`` drives the ledger's append directly; this file sends
full imports through the real server: the app of ``create_app`` served by uvicorn on 127.0.0.1,
and 50 client threads, each with an API key of its own enterprise user, POSTing JSON inventories
to ``/api/organisations/{id}/inventories`` with httpx. The clients are 10 per organisation on 5
organisations, so every organisation's log (and the platform log) is appended to by 10 clients at
once, and the clients of an organisation share its two facilities. Every submission is a distinct
monthly inventory (its own month and coal consumption). Besides them, two clients of each
organisation submit one and the same inventory at the same moment: exactly one of the two must be
stored (201), the other refused (409).

Afterwards: every 201 has its inventory (with the figures sent) and its result stored, no
inventory is stored twice, each organisation's log and the platform log hold exactly one entry per
stored inventory with sequences 0..n-1 and one signed head per append, ``audit_store`` finds no
problem, and the latest signed tree heads (the organisations' as served over HTTP, the platform's
from the store) verify against the public key and commit to the stored entries.

**A facility new to the store.** The facilities exist before the run above. The last test has
clients submit at once for a facility the store does not know yet: they race to create it, and
every one of their (distinct) inventories must still be stored. (Before ``get_or_create_facility``
inserted with ``ON CONFLICT DO NOTHING``, all but the first got a 409, "the request conflicts with
stored data".)

**Per-client count.** Issue 4 asks for 200 submissions per client; through HTTP that is 10 000
imports, which take about 13 minutes on a 2-core machine (about 13 imports/s with client and
server in one process: every import waits for the platform log's lock), too slow for the suite.
The default is 4 per client (200 imports, plus the duplicates; about 20 s); set
``DUALCARBON_CONCURRENCY_PER_CLIENT`` for more, e.g. the issue's figure::

    DUALCARBON_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
    DUALCARBON_CONCURRENCY_PER_CLIENT=200 \\
    .venv/bin/pytest -q -s tests/api/test_concurrent_submissions.py -k lose

At 200 some requests wait longer for a database connection than the app's pool allows and are
answered 503 ("the server is busy; nothing was stored"); a client retries those after their
Retry-After (up to 5 times), as a real one would. A submission still refused is named at the end,
after the checks that everything answered 201 is stored and every log verifies.

**PostgreSQL only.** The test runs only when ``DUALCARBON_TEST_POSTGRES_URL`` is set. SQLite
serialises writers on the file lock, so concurrent clients there prove little about the row
locks that order a server's appends.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select

from dualcarbon.ledger import merkle
from dualcarbon.ledger.lodging import PLATFORM, audit_store, latest_head, organisation_log
from dualcarbon.ledger.signing import SignedTreeHead, TreeHead, verify_head
from dualcarbon.security import Passwords, new_api_key, sha256
from dualcarbon.server import create_app
from dualcarbon.store import make_engine, session_scope, upgrade
from dualcarbon.store.models import (
    ApiKey,
    EvidenceEntry,
    EvidenceHead,
    Facility,
    Organisation,
    StoredInventory,
    StoredResult,
    User,
)
from dualcarbon.store.repository import load_inventory, sync_factors

from .test_robustness import serving
from .world import PASSWORD, POSTGRES_ENV, TEST_SIGNER, database, settings_for

PER_CLIENT_ENV = "DUALCARBON_CONCURRENCY_PER_CLIENT"
ORGANISATIONS = (
    "丙电力有限公司",
    "丁电力有限公司",
    "戊电力有限公司",
    "己电力有限公司",
    "庚电力有限公司",
)
CLIENTS_PER_ORGANISATION = 10
CLIENTS = len(ORGANISATIONS) * CLIENTS_PER_ORGANISATION
PER_CLIENT = int(os.environ.get(PER_CLIENT_ENV) or 4)
assert 1 <= PER_CLIENT < 1000, f"{PER_CLIENT_ENV} must be 1..999"
FACILITIES = ("一号机组", "二号机组")
"""The facilities every organisation has before the run."""
NEW_FACILITY = "三号机组"
"""A facility no organisation has before the run."""
BUSY_ATTEMPTS = 5
"""Times a client sends a submission answered 503 ("the server is busy; nothing was stored")."""
REQUEST_TIMEOUT = 300.0
"""Seconds one request may take: with 50 clients at once, a request waits for the others'."""

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get(POSTGRES_ENV),
        reason=f"needs PostgreSQL: set {POSTGRES_ENV} (SQLite serialises writers on its file "
        "lock, so concurrent submissions there prove little)",
    ),
]


@dataclass(frozen=True)
class Client:
    number: int
    organisation: str
    organisation_id: int
    key: str


Body = dict[str, Any]
Plan = list[tuple[Client, list[tuple[Body, bool]]]]
"""Each client's bodies in the order it sends them, each flagged if it is a deliberate duplicate."""


@dataclass(frozen=True)
class Sent:
    """One request and its answer."""

    client: int
    organisation_id: int
    body: Body
    duplicate: bool
    status: int
    answer: dict[str, Any]


def inventory_body(organisation: str, facility: str, month: int, coal_t: float) -> Body:
    """A one-month inventory as the JSON body of ``POST …/inventories``."""
    return {
        "inventory": {
            "organisation": organisation,
            "facility": facility,
            "year": 2024,
            "methodology": "cn-mee-power-2022",
        },
        "fuel": [
            {
                "month": month,
                "fuel": "coal",
                "consumption": coal_t,
                "consumption_ref": "皮带秤 BS-101",
                "ncv": 20.1,
                "ncv_ref": f"热值报告 2024-{month:02d}",
            }
        ],
    }


def distinct_body(client: Client, i: int, facility: str | None = None) -> Body:
    """Submission ``i`` of ``client``: coal ``10 000 + 1 000·client + i`` t, unique platform-wide
    for ``i`` < 1000, for one of its organisation's facilities."""
    facility = facility or FACILITIES[client.number % len(FACILITIES)]
    coal = 10_000.0 + 1000 * client.number + i
    return inventory_body(client.organisation, facility, i % 12 + 1, coal)


def duplicate_body(client: Client) -> Body:
    """The inventory two clients of an organisation submit at once (coal below any distinct
    submission's)."""
    return inventory_body(client.organisation, FACILITIES[0], 12, 5_000.0 + client.organisation_id)


def seed_clients(engine: Engine) -> list[Client]:
    """The organisations, each with its :data:`FACILITIES` and ``CLIENTS_PER_ORGANISATION``
    enterprise users with a key each; no inventory yet."""
    password_hash = Passwords(memory_kib=64, time_cost=1).hash(PASSWORD)
    clients: list[Client] = []
    with session_scope(engine) as session:
        sync_factors(session)
        for name in ORGANISATIONS:
            organisation = Organisation(name=name)
            session.add(organisation)
            session.flush()
            session.add_all(
                Facility(organisation_id=organisation.id, name=plant, region="CN")
                for plant in FACILITIES
            )
            for _ in range(CLIENTS_PER_ORGANISATION):
                number = len(clients)
                user = User(
                    email=f"client{number}@example.cn",
                    name=f"client {number}",
                    password_hash=password_hash,
                    role="enterprise",
                    organisation_id=organisation.id,
                    active=True,
                )
                session.add(user)
                session.flush()
                token, prefix = new_api_key()
                session.add(
                    ApiKey(user_id=user.id, name="load", prefix=prefix, key_hash=sha256(token))
                )
                clients.append(Client(number, name, organisation.id, token))
    return clients


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty PostgreSQL schema of its own, migrated to head."""
    urls = database("postgresql", tmp_path)
    url = next(urls)
    try:
        upgrade(url)
        engine = make_engine(url)
        yield engine
        engine.dispose()
    finally:
        urls.close()  # drops the schema


@contextlib.contextmanager
def served(engine: Engine) -> Iterator[int]:
    """The real app on the store of ``engine``, served by uvicorn on 127.0.0.1; the port."""
    app = create_app(settings_for(engine.url.render_as_string(hide_password=False)))
    try:
        with serving(app) as port:
            yield port
    finally:
        app.state.engine.dispose()


def submit(port: int, plan: Plan, *, path: str | None = None) -> tuple[list[Sent], float, int]:
    """Each client sends its bodies one after the other, all clients at once (released together
    by a barrier), retrying a 503 ("busy, nothing stored") as a client would, after its
    Retry-After; what was sent and finally answered (status 0: no answer, the connection
    failed), the seconds it took, and the number of 503s retried."""
    start = threading.Barrier(len(plan))
    sent: list[Sent] = []
    busy: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(client: Client, bodies: list[tuple[Body, bool]]) -> None:
        url = path or f"/api/organisations/{client.organisation_id}/inventories"
        try:
            with httpx.Client(
                base_url=f"http://127.0.0.1:{port}",
                headers={"Authorization": f"Bearer {client.key}"},
                timeout=REQUEST_TIMEOUT,
            ) as http:
                start.wait(REQUEST_TIMEOUT)
                for body, duplicate in bodies:
                    for attempt in range(1, BUSY_ATTEMPTS + 1):
                        try:
                            response = http.post(url, json=body)
                            status, answer = response.status_code, _json(response)
                        except httpx.TransportError as exc:  # no answer: counted as refused
                            status, answer = 0, {"transport_error": repr(exc)}
                            break
                        if status != 503 or attempt == BUSY_ATTEMPTS:
                            break
                        with lock:
                            busy.append(client.number)
                        time.sleep(float(response.headers.get("Retry-After", "1")))
                    with lock:
                        sent.append(
                            Sent(
                                client.number,
                                client.organisation_id,
                                body,
                                duplicate,
                                status,
                                answer,
                            )
                        )
        except BaseException as exc:  # reported below
            with lock:
                errors.append(exc)
            start.abort()

    threads = [
        threading.Thread(target=run, args=(client, bodies), name=f"client {client.number}")
        for client, bodies in plan
    ]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    assert not errors, errors[:3]
    return sent, elapsed, len(busy)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        document = response.json()
    except ValueError:
        return {"text": response.text[:500]}
    return document if isinstance(document, dict) else {"json": document}


def _coal(body: Body) -> float:
    return float(body["fuel"][0]["consumption"])


def _signed(document: dict[str, Any]) -> SignedTreeHead:
    fields = {k: v for k, v in document.items() if k != "signature"}
    return SignedTreeHead(TreeHead(**fields), document["signature"])


def _get(port: int, path: str, key: str) -> Any:
    response = httpx.get(
        f"http://127.0.0.1:{port}{path}",
        headers={"Authorization": f"Bearer {key}"},
        timeout=REQUEST_TIMEOUT,
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_concurrent_clients_lose_and_duplicate_nothing(engine: Engine) -> None:
    clients = seed_clients(engine)
    # the first two clients of each organisation first send its duplicate, at the same moment
    plan: Plan = [
        (
            client,
            (
                [(duplicate_body(client), True)]
                if client.number % CLIENTS_PER_ORGANISATION < 2
                else []
            )
            + [(distinct_body(client, i), False) for i in range(PER_CLIENT)],
        )
        for client in clients
    ]
    with served(engine) as port:
        sent, elapsed, retried = submit(port, plan)
        keys = {c.organisation_id: c.key for c in clients}
        served_logs = {
            org: _get(port, f"/api/organisations/{org}/evidence", key) for org, key in keys.items()
        }
        public_key = _get(port, "/api/evidence/public-key", clients[0].key)["public_key"]
    print(f"\n{len(sent)} imports by {CLIENTS} clients in {elapsed:.1f} s", end=" ")
    print(f"({len(sent) / elapsed:.1f}/s), {retried} answers 503 (busy) retried")

    # -- the answers: each duplicate pair one 201 and one 409 (distinct ones are checked last)
    distinct = [s for s in sent if not s.duplicate]
    assert len(distinct) == CLIENTS * PER_CLIENT
    refused = [(s.client, _coal(s.body), s.status, s.answer) for s in distinct if s.status != 201]
    pairs: dict[int, list[Sent]] = defaultdict(list)
    for s in sent:
        if s.duplicate:
            pairs[s.organisation_id].append(s)
    assert len(pairs) == len(ORGANISATIONS)
    for org, pair in pairs.items():
        assert sorted(s.status for s in pair) == [201, 409], (org, [s.answer for s in pair])
    accepted = [s for s in sent if s.status == 201]
    ids = [s.answer["inventory_id"] for s in accepted]
    assert len(set(ids)) == len(ids), "two submissions answered with the same inventory"

    with session_scope(engine) as session:
        # -- every 201's inventory (as sent) and result stored; nothing else, nothing twice
        rows = {row.id: row for row in session.scalars(select(StoredInventory))}
        assert sorted(rows) == sorted(ids), "inventories stored without a 201, or 201s without one"
        stored_twice = Counter((row.facility_id, row.year, row.digest) for row in rows.values())
        assert max(stored_twice.values()) == 1
        results = Counter(session.scalars(select(StoredResult.inventory_id)))
        assert results == Counter(ids), "not exactly one result per stored inventory"
        facility_of = {f.id: (f.organisation_id, f.name) for f in session.scalars(select(Facility))}
        for s in accepted:
            row = rows[s.answer["inventory_id"]]
            assert facility_of[row.facility_id] == (
                s.organisation_id,
                s.body["inventory"]["facility"],
            )
            fuel = load_inventory(row).tables["fuel"]
            assert fuel["consumption"].to_list() == [_coal(s.body)]
            assert fuel["month"].to_list() == [s.body["fuel"][0]["month"]]
            result = session.get(StoredResult, s.answer["result"]["id"])
            assert result is not None
            assert result.inventory_id == row.id

        # -- the logs: exactly one entry per stored inventory and one per its result (issue 12)
        # in its organisation's log and in the platform log, sequences 0..n-1, one signed head
        # per append
        entries: dict[str, list[EvidenceEntry]] = defaultdict(list)
        for entry in session.scalars(
            select(EvidenceEntry).order_by(EvidenceEntry.log_id, EvidenceEntry.sequence)
        ):
            entries[entry.log_id].append(entry)
        expected: dict[str, list[int]] = defaultdict(list)
        for s in accepted:
            expected[organisation_log(s.organisation_id)].append(s.answer["inventory_id"])
            expected[PLATFORM].append(s.answer["inventory_id"])
        assert set(entries) == set(expected)
        assert sum(len(log) for log in entries.values()) == 4 * len(rows)
        for log_id, inventories in expected.items():
            log = entries[log_id]
            assert [e.sequence for e in log] == list(range(2 * len(inventories))), log_id
            lodged = Counter(e.inventory_id for e in log if e.inventory_id is not None)
            assert lodged == Counter(inventories), f"{log_id}: an entry lost or duplicated"
            results_lodged = Counter(
                e.subject for e in log if (e.subject or "").startswith("result:")
            )
            assert sorted(results_lodged.values()) == [1] * len(inventories), log_id
            sizes = sorted(
                session.scalars(select(EvidenceHead.tree_size).where(EvidenceHead.log_id == log_id))
            )
            assert sizes == list(range(1, len(log) + 1)), f"{log_id}: not one head per append"
        for s in accepted:  # the evidence each 201 named is what is stored
            assert {(e["log_id"], e["sequence"], e["leaf_hash"]) for e in s.answer["evidence"]} == {
                (e.log_id, e.sequence, e.leaf_hash)
                for log in entries.values()
                for e in log
                if e.inventory_id == s.answer["inventory_id"]
            }

        # -- the offline audit of the whole store
        reports = audit_store(session, TEST_SIGNER.public_key)
        assert sorted(r.log_id for r in reports) == sorted(expected)
        for report in reports:
            assert report.ok, (report.log_id, report.problems[:5])
            assert report.entries == report.heads == 2 * len(expected[report.log_id])
        platform_head = latest_head(session, PLATFORM)

    # -- the latest signed heads: the organisations' as served, the platform's as stored
    assert public_key == TEST_SIGNER.public_key
    assert platform_head is not None
    heads = {organisation_log(org): _signed(log["head"]) for org, log in served_logs.items()}
    heads[PLATFORM] = platform_head
    for log_id, head in heads.items():
        leaves = [bytes.fromhex(e.leaf_hash) for e in entries[log_id]]
        assert verify_head(head, public_key), log_id
        assert head.head.log_id == log_id
        assert head.head.tree_size == len(leaves)
        assert head.head.root_hash == merkle.root(leaves).hex(), log_id
    for org, log in served_logs.items():
        assert [e["leaf_hash"] for e in log["entries"]] == [
            e.leaf_hash for e in entries[organisation_log(org)]
        ]

    # -- last, so that a refusal is reported after the checks of what was stored
    assert not refused, f"{len(refused)} distinct submissions refused: {refused[:3]}"


def test_concurrent_first_submissions_for_a_new_facility_are_all_stored(engine: Engine) -> None:
    """All 50 clients at once, each with one distinct inventory for its organisation's
    :data:`NEW_FACILITY`: 10 clients create each new facility at the same moment, and each
    organisation ends with one such facility holding all 10 inventories."""
    clients = seed_clients(engine)
    plan: Plan = [(client, [(distinct_body(client, 0, NEW_FACILITY), False)]) for client in clients]
    with served(engine) as port:
        sent, _, _ = submit(port, plan)
    refused = [(s.client, s.status, s.answer) for s in sent if s.status != 201]
    assert not refused, f"{len(refused)} of {len(sent)} distinct submissions refused: {refused[:3]}"
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(StoredInventory)) == len(sent)
        new = list(session.scalars(select(Facility).where(Facility.name == NEW_FACILITY)))
        assert sorted(f.organisation_id for f in new) == sorted(
            {c.organisation_id for c in clients}
        )
        for facility in new:
            count = (
                select(func.count())
                .select_from(StoredInventory)
                .where(StoredInventory.facility_id == facility.id)
            )
            assert session.scalar(count) == CLIENTS_PER_ORGANISATION
        reports = audit_store(session, TEST_SIGNER.public_key)
        assert len(reports) == len(ORGANISATIONS) + 1
        assert all(r.ok for r in reports), [r.problems[:3] for r in reports if not r.ok]
