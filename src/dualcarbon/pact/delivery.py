"""POSTing our events to a partner's ``/3/events`` (CloudEvents structured JSON over HTTPS).

When the client record holds our credentials at the partner (:mod:`dualcarbon.pact.sealing`),
a bearer token is fetched from the partner's ``/auth/token`` first (OAuth2 client credentials,
HTTP Basic), as PACT protects ``/3/events`` on both sides. Connections go through
:mod:`dualcarbon.pact.outbound` (HTTPS only, no private targets unless allowed, no redirects).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from dualcarbon.errors import DualcarbonError
from dualcarbon.pact.events import CLOUDEVENTS_JSON
from dualcarbon.pact.outbound import OutboundPolicy, TargetRefusedError, post
from dualcarbon.pact.repository import PartnerAuth, partner_auth
from dualcarbon.store.models import PactClient


class DeliveryFailedError(DualcarbonError, RuntimeError):
    """An event did not reach the partner; the message says why (kept with the delivery)."""


def partner_token(auth: PartnerAuth, policy: OutboundPolicy) -> str:
    """A bearer token from the partner's /auth/token; raises :class:`DeliveryFailedError`."""
    basic = base64.b64encode(f"{auth.client_id}:{auth.client_secret}".encode()).decode()
    headers = {
        "Authorization": f"Basic {basic}",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    try:
        status, answer = post(auth.token_url, b"grant_type=client_credentials", headers, policy)
        token = json.loads(answer).get("access_token") if 200 <= status < 300 else None
    except TargetRefusedError as exc:
        raise DeliveryFailedError(f"token endpoint refused: {exc}") from None
    except (OSError, ValueError, AttributeError) as exc:
        raise DeliveryFailedError(f"no token from {auth.token_url}: {exc}") from None
    if not isinstance(token, str) or not token:
        raise DeliveryFailedError(f"no token from {auth.token_url} (HTTP {status})")
    return token


def send(
    client: PactClient, event: dict[str, Any], *, secret_key: str, policy: OutboundPolicy
) -> None:
    """POST ``event`` to the client's ``event_url``; raises :class:`DeliveryFailedError` unless
    the partner accepted it (2xx)."""
    url = client.event_url
    if not url:
        raise DeliveryFailedError(f"PACT client {client.client_id} has no event endpoint")
    headers = {"Content-Type": f"{CLOUDEVENTS_JSON}; charset=UTF-8"}
    auth = partner_auth(client, secret_key)
    if auth is not None:
        headers["Authorization"] = f"Bearer {partner_token(auth, policy)}"
    try:
        status, _ = post(url, json.dumps(event).encode(), headers, policy)
    except TargetRefusedError as exc:
        raise DeliveryFailedError(f"event endpoint refused: {exc}") from None
    except OSError as exc:
        raise DeliveryFailedError(f"{url}: {exc}") from None
    if not 200 <= status < 300:
        raise DeliveryFailedError(f"{url} answered HTTP {status}")
