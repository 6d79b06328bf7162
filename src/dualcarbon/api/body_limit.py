"""A limit on every request body, counted as it streams in (ASGI middleware).

Without it, any route that reads a body reads all of it: a 200 MB body to the unauthenticated
login route was parsed before its answer, and a 30 MB PACT event was stored. OWASP's REST
Security Cheat Sheet asks to "reject requests exceeding" a size limit "with HTTP response status
413 Request Entity Too Large" (https://cheatsheetseries.owasp.org/cheatsheets/
REST_Security_Cheat_Sheet.html#input-validation).

:class:`BodyLimit` wraps the ASGI ``receive`` channel of each HTTP request. The first time the
application reads the body it compares the declared ``Content-Length`` with the request's
allowance; then it counts the bytes actually received, since a chunked body (RFC 9112 §7.1)
declares no length and a declared one is only the client's word. Past the allowance it raises
:class:`BodyTooLargeError`, an ``HTTPException`` with status 413 (RFC 9110 §15.5.14): FastAPI
passes it on as it is, and each application answers it in its own error shape — the API's
``{detail, problems}``, PACT's ``{code, message}``. Nothing past the allowance is read.

The allowance is ``max_body_bytes`` (settings) for every route. A route that receives a file
raises it for its own request with :func:`allow_body` before it reads (``api/limits.py`` does,
to ``max_upload_bytes`` plus the multipart envelope), so only the upload routes take uploads.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOO_LARGE = 413
SCOPE_KEY = "dualcarbon.body_allowance"
"""Where a request's :class:`Allowance` lives in its ASGI scope."""


class BodyTooLargeError(HTTPException):
    """A request body past its allowance (413); the rest of it was not read."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(
            TOO_LARGE,
            f"request body larger than {limit:,} bytes, the limit of this route; "
            "nothing was stored",
        )


@dataclass
class Allowance:
    """How many body bytes one request may send, and how many it has sent so far."""

    limit: int
    shown: int
    """The limit named in the 413 (an upload's, without the multipart envelope around it)."""
    received: int = 0
    declared_checked: bool = False


def allow_body(connection: HTTPConnection, limit: int, slack: int = 0) -> None:
    """Let this request's body grow to ``limit`` bytes, plus ``slack`` for an envelope such as
    multipart's (for a route that receives a file). Call it before reading the body."""
    allowance = connection.scope.get(SCOPE_KEY)
    if isinstance(allowance, Allowance) and limit + slack > allowance.limit:
        allowance.limit, allowance.shown = limit + slack, limit


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length before the app runs
    return None


class BodyLimit:
    """ASGI middleware giving every HTTP request a body allowance of ``limit`` bytes."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        allowance = Allowance(self.limit, self.limit)
        scope[SCOPE_KEY] = allowance
        declared = _declared_length(scope)

        async def counted() -> Message:
            if not allowance.declared_checked:
                # Checked on the first read, not on arrival: an upload route raises the
                # allowance before it reads.
                allowance.declared_checked = True
                if declared is not None and declared > allowance.limit:
                    raise BodyTooLargeError(allowance.shown)
            message = await receive()
            if message["type"] == "http.request":
                allowance.received += len(message.get("body", b""))
                if allowance.received > allowance.limit:
                    raise BodyTooLargeError(allowance.shown)
            return message

        await self.app(scope, counted, send)
