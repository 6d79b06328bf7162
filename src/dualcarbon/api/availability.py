"""When the database is out of reach: 503 with ``Retry-After``, and one retry of a safe request
whose connection was lost (decision 0011).

A database connection can die under a request: PostgreSQL restarted or failed over, an
administrator ran ``pg_terminate_backend``, a proxy or firewall dropped an idle socket. Before,
the driver's error reached the client as a plain-text 500, or as no answer at all (issue 12: 45 ×
500 and 21 dropped answers under load). Now:

- The pool tests a connection before lending it (``pool_pre_ping``,
  :func:`dualcarbon.store.database.make_engine`), so a connection that died while idle in the pool
  is replaced unseen; when SQLAlchemy sees one disconnect it also retires every other pooled
  connection as old as it.
- A connection lost *during* a request (SQLAlchemy's ``DBAPIError.connection_invalidated``), a
  database that refuses connections (``OperationalError``), or a pool that stayed busy for its whole
  timeout answers **503 Service Unavailable with ``Retry-After``** (RFC 9110 §15.6.4, §10.2.3), in
  the error shape of the surface asked (API, PACT or page). Nothing was stored: a write runs in one
  transaction, which the lost connection rolled back (PostgreSQL aborts the transaction of a
  terminated backend); a write whose COMMIT was sent when the connection died may have been stored,
  and sending it again is answered 409 as a repeated submission.
- A **safe** request (GET, HEAD: RFC 9110 §9.2.1, they change nothing) whose connection was lost is
  run once more, on a fresh connection, before any answer is sent; only if that fails too does the
  client get the 503. Unsafe requests are never repeated by the server.

The handlers are registered on every FastAPI app of the server (API, web pages, PACT): each keeps
its own exception handling, so a handler on the outer app alone would not see an error of a mounted
one.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dualcarbon.api.refusals import refusal

RETRY_AFTER_SECONDS = 5
UNAVAILABLE = "the database is unavailable; nothing was stored, try again shortly"
UNAVAILABLE_ZH = "数据库暂时无法访问，本次操作未保存，请稍后重试。"
BUSY = "the server is busy; nothing was stored, try again shortly"
BUSY_ZH = "服务器繁忙，本次操作未保存，请稍后重试。"
LOST_KEY = "dualcarbon.database_lost"
"""Set in the request's scope when a connection was lost (not merely busy) under it."""
SAFE_METHODS = frozenset({"GET", "HEAD"})

UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    DisconnectionError,
    PoolTimeoutError,
)
"""Errors meaning the database could not be used, rather than that the request was wrong."""


def connection_lost(exc: BaseException) -> bool:
    """Whether ``exc`` says the connection under the request died (worth one more try)."""
    if isinstance(exc, DisconnectionError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


async def database_unavailable(request: Request, exc: Exception) -> Response:
    """503 with ``Retry-After`` (an exception handler for :data:`UNAVAILABLE_ERRORS`)."""
    if connection_lost(exc):
        request.scope[LOST_KEY] = True
    busy = isinstance(exc, PoolTimeoutError)  # every connection in use: overload, not an outage
    return refusal(
        request.scope,
        503,
        BUSY if busy else UNAVAILABLE,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        zh=BUSY_ZH if busy else UNAVAILABLE_ZH,
    )


def answer_unavailable(app: FastAPI) -> None:
    """Register :func:`database_unavailable` on ``app``."""
    for kind in UNAVAILABLE_ERRORS:
        app.add_exception_handler(kind, database_unavailable)


class RetryLostConnection:
    """Run a safe request once more when its database connection was lost before it answered.

    The answer's start is held back until it is known not to be such a 503; the request body
    (empty for a GET, but read it may be) is replayed to the second run.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        received: list[Message] = []

        async def recording() -> Message:
            message = await receive()
            received.append(message)
            return message

        first = dict(scope)
        retry = False

        async def holding(message: Message) -> None:
            nonlocal retry
            if message["type"] == "http.response.start":
                retry = message["status"] == 503 and bool(first.get(LOST_KEY))
            if not retry:
                await send(message)

        await self.app(first, recording, holding)
        if not retry:
            return
        replay = list(received)

        async def replaying() -> Message:
            return replay.pop(0) if replay else await receive()

        second = dict(scope)
        await self.app(second, replaying, send)
