"""Published footprints, PACT clients and received events in the store.

Publishing computes the footprint, maps it (:func:`dualcarbon.pact.mapping.product_footprint`),
and stores the document as a new immutable version: the earlier versions of the same product
system (same organisation, same ``ProductSystem.id``) become ``Deprecated`` and their ids go into
the new document's ``precedingPfIds`` (PACT v3: any change makes a new id).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dualcarbon.errors import NotFoundError
from dualcarbon.footprint.footprint import compute_footprint
from dualcarbon.footprint.model import ProductSystem
from dualcarbon.pact.mapping import product_footprint
from dualcarbon.pact.publication import Publication
from dualcarbon.pact.sealing import seal, unseal
from dualcarbon.security import Passwords
from dualcarbon.store.models import (
    PactClient,
    PactEvent,
    StoredProductFootprint,
    utcnow,
)

CLIENT_PREFIX = "pact_"


def served(row: StoredProductFootprint) -> dict[str, Any]:
    """The document as served: as published, with the row's current status."""
    document: dict[str, Any] = json.loads(row.document)
    document["status"] = row.status
    return document


def publish(
    session: Session,
    organisation_id: int,
    system: ProductSystem,
    system_yaml: str,
    publication: Publication,
    *,
    now: dt.datetime | None = None,
) -> StoredProductFootprint:
    """Compute, map, validate and store a new version; earlier versions are deprecated. The
    caller commits.

    The footprint is computed before the first query: a caller that holds no transaction when it
    calls this (:func:`dualcarbon.api.services.writable_organisation`) holds none while the
    product system is solved, which may take seconds (issue 12)."""
    result = compute_footprint(system)
    now = now or utcnow()
    earlier = list(
        session.scalars(
            select(StoredProductFootprint)
            .where(
                StoredProductFootprint.organisation_id == organisation_id,
                StoredProductFootprint.product_system_id == system.id,
            )
            .order_by(StoredProductFootprint.version)
        )
    )
    preceding = tuple(uuid.UUID(row.id) for row in earlier)
    if preceding:
        known = set(publication.preceding_ids)
        publication = publication.model_copy(
            update={
                "preceding_ids": publication.preceding_ids
                + tuple(i for i in preceding if i not in known)
            }
        )
    footprint_id = uuid.uuid4()
    document = product_footprint(
        system, result, publication, footprint_id=footprint_id, created=now
    )
    for row in earlier:
        if row.status == "Active":
            row.status = "Deprecated"
            row.deprecated_at = now
    stored = StoredProductFootprint(
        id=str(footprint_id),
        organisation_id=organisation_id,
        product_system_id=system.id,
        version=(earlier[-1].version + 1) if earlier else 1,
        status=publication.status,
        created_at=now,
        pcf_excluding_biogenic=result.components.excluding_biogenic_removals,
        system_yaml=system_yaml,
        document=json.dumps(document, ensure_ascii=False),
    )
    session.add(stored)
    session.flush()
    return stored


def organisation_footprints(session: Session, organisation_id: int) -> list[StoredProductFootprint]:
    """Every version the organisation published, oldest first."""
    return list(
        session.scalars(
            select(StoredProductFootprint)
            .where(StoredProductFootprint.organisation_id == organisation_id)
            .order_by(StoredProductFootprint.created_at, StoredProductFootprint.id)
        )
    )


def deprecate(session: Session, footprint_id: str, *, now: dt.datetime | None = None) -> None:
    """Mark a footprint ``Deprecated`` (its document stays as published). The caller commits."""
    row = session.get(StoredProductFootprint, footprint_id)
    if row is None:
        raise LookupError(f"no footprint {footprint_id}")
    row.status = "Deprecated"
    row.deprecated_at = now or utcnow()


@dataclass(frozen=True)
class NewClient:
    """A client just created: the secret is shown once and stored only as its hash."""

    id: int
    client_id: str
    client_secret: str


@dataclass(frozen=True)
class PartnerAuth:
    """How we get a token at the partner's ``/auth/token`` (``token_url``) before POSTing to
    its ``/3/events``: our client credentials there."""

    token_url: str
    client_id: str
    client_secret: str


def create_client(
    session: Session,
    passwords: Passwords,
    organisation_id: int,
    name: str,
    event_url: str | None = None,
    *,
    partner: PartnerAuth | None = None,
    secret_key: str | None = None,
    credentials: tuple[str, str] | None = None,
) -> NewClient:
    """A PACT client allowed to read ``organisation_id``'s footprints; ``partner`` credentials
    are sealed with ``secret_key`` (the server's). ``credentials`` (client id, secret) are
    drawn at random unless given — the demo gives known ones. The caller commits."""
    client_id, secret = credentials or (
        CLIENT_PREFIX + secrets.token_hex(8),
        secrets.token_urlsafe(32),
    )
    client = PactClient(
        client_id=client_id,
        secret_hash=passwords.hash(secret),
        name=name,
        organisation_id=organisation_id,
        event_url=event_url,
        active=True,
    )
    if partner is not None:
        if secret_key is None:
            raise ValueError("sealing partner credentials needs the server's secret key")
        client.event_auth_url = partner.token_url
        client.event_client_id = partner.client_id
        client.event_secret_sealed = seal(secret_key, partner.client_secret)
    session.add(client)
    session.flush()
    return NewClient(client.id, client_id, secret)


def authenticate_client(
    session: Session, passwords: Passwords, client_id: str, secret: str
) -> PactClient | None:
    """The active client with these credentials, else ``None`` (an unknown client costs the same
    hashing work as a wrong secret, as logins do)."""
    client = session.scalar(select(PactClient).where(PactClient.client_id == client_id))
    ok = passwords.verify(client.secret_hash if client is not None else None, secret)
    if client is None or not ok or not client.active:
        return None
    return client


def partner_auth(client: PactClient, secret_key: str) -> PartnerAuth | None:
    """The client's partner credentials, unsealed; ``None`` if none (or no longer readable)."""
    if not (client.event_auth_url and client.event_client_id and client.event_secret_sealed):
        return None
    secret = unseal(secret_key, client.event_secret_sealed)
    if secret is None:
        return None
    return PartnerAuth(client.event_auth_url, client.event_client_id, secret)


def clients_to_notify(session: Session, organisation_id: int) -> list[PactClient]:
    """The organisation's active clients that gave an event endpoint."""
    return list(
        session.scalars(
            select(PactClient)
            .where(
                PactClient.organisation_id == organisation_id,
                PactClient.active.is_(True),
                PactClient.event_url.is_not(None),
            )
            .order_by(PactClient.id)
        )
    )


def client_by_id(session: Session, client_id: str) -> PactClient | None:
    return session.scalar(select(PactClient).where(PactClient.client_id == client_id))


def record_event(
    session: Session, client: PactClient, event: dict[str, Any], outcome: str
) -> PactEvent:
    """Keep a received CloudEvent. The caller commits."""
    row = PactEvent(
        client_id=client.id,
        event_type=str(event.get("type", "")),
        event_id=str(event.get("id", "")),
        source=str(event.get("source", "")),
        body=json.dumps(event, ensure_ascii=False),
        outcome=outcome,
    )
    session.add(row)
    session.flush()
    return row


def event_seen(session: Session, client: PactClient, event: dict[str, Any]) -> bool:
    """Whether this client already sent an event with this ``source`` and ``id`` (CloudEvents
    1.0: the pair identifies an event; the table's unique constraint settles races)."""
    found = session.scalar(
        select(PactEvent.id).where(
            PactEvent.client_id == client.id,
            PactEvent.source == str(event.get("source", "")),
            PactEvent.event_id == str(event.get("id", "")),
        )
    )
    return found is not None


def organisation_client(session: Session, organisation_id: int, client_id: str) -> PactClient:
    """The organisation's client ``client_id``; NotFoundError (404) if it has none of that id."""
    client = client_by_id(session, client_id)
    if client is None or client.organisation_id != organisation_id:
        raise NotFoundError("PACT client", client_id)
    return client


def organisation_clients(session: Session, organisation_id: int) -> list[PactClient]:
    return list(
        session.scalars(
            select(PactClient)
            .where(PactClient.organisation_id == organisation_id)
            .order_by(PactClient.id)
        )
    )


def set_event_endpoint(
    client: PactClient,
    event_url: str | None,
    *,
    partner: PartnerAuth | None = None,
    secret_key: str | None = None,
) -> None:
    """Point the client's answers at ``event_url`` (``None``: none), with the partner's token
    credentials or none. The caller checks the URLs (SSRF policy) and commits."""
    client.event_url = event_url
    client.event_auth_url = client.event_client_id = client.event_secret_sealed = None
    if partner is not None:
        if secret_key is None:
            raise ValueError("sealing partner credentials needs the server's secret key")
        client.event_auth_url = partner.token_url
        client.event_client_id = partner.client_id
        client.event_secret_sealed = seal(secret_key, partner.client_secret)


def count_events(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(PactEvent)) or 0
