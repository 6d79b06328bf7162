"""POSTing our events to a partner's ``/3/events`` (CloudEvents structured JSON over HTTPS).

When the client record holds our credentials at the partner (:mod:`dualcarbon.pact.sealing`),
a bearer token is fetched from the partner's ``/auth/token`` first (OAuth2 client credentials,
HTTP Basic), as PACT protects ``/3/events`` on both sides. Standard library only (urllib), so
the server needs no HTTP client package at run time.
"""

from __future__ import annotations

import base64
import json
import logging
import ssl
import urllib.request
from typing import Any

from dualcarbon.pact.events import CLOUDEVENTS_JSON
from dualcarbon.pact.repository import PartnerAuth, partner_auth
from dualcarbon.store.models import PactClient

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10.0


def ssl_context(verify: bool | str) -> ssl.SSLContext:
    """Certificate checking as httpx's ``verify``: True (system CAs), a CA file, or False."""
    context = (
        ssl.create_default_context(cafile=verify)
        if isinstance(verify, str)
        else ssl.create_default_context()
    )
    if verify is False:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def partner_token(auth: PartnerAuth, context: ssl.SSLContext) -> str | None:
    """A bearer token from the partner's /auth/token, or ``None``."""
    basic = base64.b64encode(f"{auth.client_id}:{auth.client_secret}".encode()).decode()
    asking = urllib.request.Request(
        auth.token_url,
        data=b"grant_type=client_credentials",
        headers={
            "Authorization": f"Basic {basic}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(asking, timeout=TIMEOUT_SECONDS, context=context) as answer:
            token = json.loads(answer.read()).get("access_token")
    except (OSError, ValueError, AttributeError):
        return None
    return token if isinstance(token, str) and token else None


def deliver(
    client: PactClient, event: dict[str, Any], *, secret_key: str, verify: bool | str = True
) -> bool:
    """POST ``event`` to the client's ``event_url``; whether the partner accepted it (2xx)."""
    url = client.event_url
    if not url:
        log.warning("PACT client %s has no event endpoint; %s not sent", client.id, event["id"])
        return False
    context = ssl_context(verify)
    headers = {"Content-Type": f"{CLOUDEVENTS_JSON}; charset=UTF-8"}
    auth = partner_auth(client, secret_key)
    if auth is not None:
        token = partner_token(auth, context)
        if token is None:
            log.warning("no token from %s; event %s not sent", auth.token_url, event["id"])
            return False
        headers["Authorization"] = f"Bearer {token}"
    outgoing = urllib.request.Request(
        url, data=json.dumps(event).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(outgoing, timeout=TIMEOUT_SECONDS, context=context) as answer:
            return 200 <= int(answer.status) < 300
    except (OSError, ValueError):
        log.warning("PACT event %s could not be delivered to %s", event["id"], url)
        return False
