"""Events we owe partners, kept in the store until delivered (a transactional outbox).

PACT v3 asks a data owner to retry a failed event delivery with exponential back-off (a SHOULD
of the Technical Specifications' events section). Sending once from a background task loses
the event when the partner is down or the server restarts; here each PublishedEvent owed to a
client is a ``pact_deliveries`` row, committed with nothing else pending, then tried at once
and again after 30 s, 1 min, 2 min, … (doubling, at most 6 h apart) until 72 hours after it
was owed (the spec's SHOULD) or :data:`MAX_ATTEMPTS` attempts; then it is ``failed`` and stays
visible. The server
looks for due deliveries every ``pact_delivery_poll_seconds`` (decision 0012), so a restart
continues where the last process stopped.

Several server processes may poll the same store: a delivery is *claimed* by moving its
``next_attempt_at`` forward in one conditional UPDATE before it is sent, so only the process
whose UPDATE matched sends it (at-least-once: a process killed after sending but before
recording sends it again on the next claim; partners deduplicate by the event's id).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from dualcarbon.pact.delivery import DeliveryFailedError, send
from dualcarbon.pact.outbound import OutboundPolicy
from dualcarbon.store.models import PactClient, PactDelivery, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 25
GIVE_UP_AFTER = dt.timedelta(hours=72)
"""The spec: the owner SHOULD abandon sending the event after 72 hours."""
FIRST_DELAY = dt.timedelta(seconds=30)
MAX_DELAY = dt.timedelta(hours=6)
CLAIM = dt.timedelta(minutes=5)
"""How long a claimed delivery is hidden from other processes (longer than two time-outs)."""
BATCH = 100
"""Deliveries tried per poll at most (the rest wait for the next poll)."""


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed attempt: 30 s × 2^(n−1), at most 6 h."""
    delay: dt.timedelta = FIRST_DELAY * (2 ** max(attempts - 1, 0))
    return min(delay, MAX_DELAY)


def enqueue(
    session: Session,
    clients: Sequence[PactClient],
    event: dict[str, Any],
    *,
    now: dt.datetime | None = None,
) -> list[int]:
    """Owe ``event`` to each of ``clients``, due now; their delivery ids. The caller commits."""
    now = now or utcnow()
    rows = [
        PactDelivery(
            client_id=client.id,
            event_id=str(event["id"]),
            body=json.dumps(event, ensure_ascii=False),
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        for client in clients
    ]
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]


def _claim(engine: Engine, delivery_id: int, now: dt.datetime) -> bool:
    with Session(engine) as session:
        claimed = session.execute(
            update(PactDelivery)
            .where(
                PactDelivery.id == delivery_id,
                PactDelivery.status == "pending",
                PactDelivery.next_attempt_at <= now,
            )
            .values(next_attempt_at=now + CLAIM)
        )
        session.commit()
        return bool(getattr(claimed, "rowcount", 0) == 1)


def attempt(
    engine: Engine,
    delivery_id: int,
    *,
    secret_key: str,
    policy: OutboundPolicy,
    now: dt.datetime | None = None,
) -> str | None:
    """Try one due delivery (if this process can claim it); its status afterwards, or ``None``
    when it was not due or another process holds it."""
    now = now or utcnow()
    if not _claim(engine, delivery_id, now):
        return None
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(PactDelivery, delivery_id)
        client = session.get(PactClient, row.client_id) if row is not None else None
    if row is None or client is None:
        return None
    error: str | None = None
    if not client.active:
        error = "the client was deactivated"
    else:
        try:
            send(client, json.loads(row.body), secret_key=secret_key, policy=policy)
        except DeliveryFailedError as exc:
            error = str(exc)
    with Session(engine) as session:
        stored = session.get(PactDelivery, delivery_id)
        assert stored is not None
        stored.attempts += 1
        if error is None:
            stored.status, stored.delivered_at, stored.next_attempt_at = "delivered", now, None
            stored.last_error = None
        else:
            log.warning("PACT delivery %s (attempt %s): %s", delivery_id, stored.attempts, error)
            stored.last_error = error[:500]
            later = now + backoff(stored.attempts)
            if (
                stored.attempts >= MAX_ATTEMPTS
                or not client.active
                or later > stored.created_at + GIVE_UP_AFTER
            ):
                stored.status, stored.next_attempt_at = "failed", None
            else:
                stored.next_attempt_at = later
        session.commit()
        return stored.status


def due(engine: Engine, *, now: dt.datetime | None = None, limit: int = BATCH) -> list[int]:
    """The ids of pending deliveries whose time has come, oldest first."""
    now = now or utcnow()
    with Session(engine) as session:
        return list(
            session.scalars(
                select(PactDelivery.id)
                .where(PactDelivery.status == "pending", PactDelivery.next_attempt_at <= now)
                .order_by(PactDelivery.next_attempt_at, PactDelivery.id)
                .limit(limit)
            )
        )


def deliver_due(
    engine: Engine,
    *,
    secret_key: str,
    policy: OutboundPolicy,
    now: dt.datetime | None = None,
) -> int:
    """Try every due delivery once; how many were tried."""
    tried = 0
    for delivery_id in due(engine, now=now):
        if attempt(engine, delivery_id, secret_key=secret_key, policy=policy, now=now):
            tried += 1
    return tried


@asynccontextmanager
async def delivery_worker(
    engine: Engine, *, secret_key: str, policy: OutboundPolicy, every_seconds: float
) -> AsyncIterator[None]:
    """While the server runs, try due deliveries every ``every_seconds`` (in a worker thread:
    deliveries block on the network)."""

    async def loop() -> None:
        while True:
            await asyncio.sleep(every_seconds)
            try:
                await run_in_threadpool(deliver_due, engine, secret_key=secret_key, policy=policy)
            except Exception:  # a lost database must not end the loop
                log.exception("PACT delivery poll failed")

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
