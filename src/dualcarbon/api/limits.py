"""Upload size limits applied while a body streams in, not once it has all arrived.

Checking the finished body comes too late. Starlette writes a multipart file part to a temporary
file as it arrives. A chunked body (no Content-Length) gives nothing to judge by in advance. So a
client could make the server store an upload of any size before it got its 413. :func:`limited`
checks the declared length first, then counts the bytes as they are received. Past the limit it
raises :class:`~dualcarbon.api.services.PayloadTooLargeError` from the receive channel itself.

Starlette's ``MultiPartParser.parse`` catches any error from the stream, closes the files it has
spooled, and raises the error again unchanged (``Request.form`` only converts its own
``MultiPartException``). So the 413 reaches the handler and no temporary file is left open.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import Message

from dualcarbon.api.body_limit import allow_body
from dualcarbon.api.services import PayloadTooLargeError

MULTIPART_SLACK = 64 * 1024
"""Room for the multipart envelope around a file of the allowed size."""


def limited(request: Request, limit: int, slack: int = 0) -> Request:
    """``request`` again, but reading its body through a counter.

    Raises ``PayloadTooLargeError(limit)`` (HTTP 413) at once if the declared Content-Length is
    over ``limit + slack``. Otherwise it raises as soon as more than that many body bytes have
    been received. ``slack`` leaves room for an envelope, such as multipart's boundaries and part
    headers, around content of the allowed size. The caller still checks the content itself
    against ``limit``.

    Read the body only through the returned request (``.form()``, ``.body()``, ``.stream()``):
    the original request's receive channel does not count.
    """
    allowed = limit + slack
    allow_body(request, limit, slack)  # past the server-wide limit of BodyLimit
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            too_big = int(declared) > allowed
        except ValueError:
            too_big = False
        if too_big:
            raise PayloadTooLargeError(limit)
    receive = request.receive
    received = 0

    async def counted() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > allowed:
                raise PayloadTooLargeError(limit)
        return message

    return Request(request.scope, receive=counted)
