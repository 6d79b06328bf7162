"""PACT v3 events (CloudEvents 1.0, structured JSON mode): answering a partner's request.

A ``RequestCreatedEvent`` carries the ListFootprints filters in its ``data``. We answer with a
``RequestFulfilledEvent`` holding the matching footprints (of the organisation the client may
read), or a ``RequestRejectedEvent`` with error ``NotFound`` when none match. The answer is POSTed
to the event endpoint configured for the client, never to the event's ``source``: the spec asks
the data owner to validate ``source`` before answering, and a URL fixed when the client was
created cannot be pointed elsewhere by a request (no server-side request forgery).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from dualcarbon.pact.schema import validate

EVENT_TYPES = {
    "published": "org.wbcsd.pact.ProductFootprint.PublishedEvent.3",
    "request_created": "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3",
    "request_fulfilled": "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3",
    "request_rejected": "org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3",
}
CLOUDEVENTS_JSON = "application/cloudevents+json"


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _event(kind: str, source: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": EVENT_TYPES[kind],
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": source,
        "time": _now(),
        "data": data,
    }


def fulfilled_event(
    source: str, request_event_id: str, footprints: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """A ``RequestFulfilledEvent`` (validated against the v3 schema)."""
    event = _event(
        "request_fulfilled", source, {"requestEventId": request_event_id, "pfs": list(footprints)}
    )
    validate("RequestFulfilledEvent", event)
    return event


def rejected_event(source: str, request_event_id: str, code: str, message: str) -> dict[str, Any]:
    """A ``RequestRejectedEvent`` carrying a PACT ``Error`` (validated)."""
    event = _event(
        "request_rejected",
        source,
        {"requestEventId": request_event_id, "error": {"code": code, "message": message}},
    )
    validate("RequestRejectedEvent", event)
    return event


def published_event(source: str, footprint_ids: Sequence[str]) -> dict[str, Any]:
    """A ``PublishedEvent`` announcing ``footprint_ids`` (validated)."""
    event = _event("published", source, {"pfIds": list(footprint_ids)})
    validate("PublishedEvent", event)
    return event
