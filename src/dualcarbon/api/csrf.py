"""Cross-site request forgery: an unsafe request that a browser sent from another site is
refused before it reaches a route (decision 0011).

Follows the OWASP Cross-Site Request Forgery Prevention Cheat Sheet
(https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html),
"Fetch Metadata headers" with its mandatory fallback to "Verifying Origin with standard headers":

1. ``Sec-Fetch-Site`` (W3C Fetch Metadata Request Headers, §2.4), sent by every current browser:
   ``same-origin`` or ``none`` (the user typed or bookmarked it) passes; ``same-site`` and
   ``cross-site`` are refused — a sibling sub-domain is not this server.
2. Without it, ``Origin`` (RFC 6454 §7): it must be this server's origin (or one the administrator
   lists in ``trusted_origins``); ``null`` is refused.
3. Without either, the origin of ``Referer`` (RFC 9110 §10.1.3), likewise.
4. With none of the three the request did not come from a browser (every browser that matters
   sends ``Origin`` on a POST, and ``Sec-Fetch-Site`` besides), so it cannot be a forgery riding a
   browser's cookie: it passes. This is where the cheat sheet leaves a choice ("accept or
   block"); blocking would refuse scripts and tests that post with a cookie, and would protect
   no browser.

What is checked: every request whose method is not safe (RFC 9110 §9.2.1: anything but GET, HEAD,
OPTIONS, TRACE) that carries the session cookie, and the two login forms whether or not it does
(a forged login would sign the victim into the attacker's account: "login CSRF"). A request with
an API key (``Authorization: Bearer``) and no cookie is not checked: a browser never attaches a
key by itself, and a page of another site cannot add the header without a CORS preflight, which
this server does not grant. The session cookie is also ``SameSite=Lax``, so a current browser does
not send it with a cross-site POST in the first place; this check is the second wall.

No per-form token is added: the checks above need no change to any form or template, so pages
added later are covered as they are written (the cheat sheet allows Fetch Metadata, with the
Origin/Referer fallback, in place of tokens for software used with current browsers).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from dualcarbon.api.refusals import refusal

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
LOGIN_PATHS = frozenset({"/login", "/api/auth/login"})
REFUSED = "cross-site request refused: send it from this site's own pages"
REFUSED_ZH = "已拒绝来自其他网站的请求：请在本站页面上操作。"


def _origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of ``url``, lower-cased, default ports dropped; None if it has no
    scheme or host (such as ``null``)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal
    default = {"http": 80, "https": 443}[parts.scheme]
    return (
        f"{parts.scheme}://{host}" if port in (None, default) else f"{parts.scheme}://{host}:{port}"
    )


def own_origins(scope: Scope, headers: Headers) -> set[str]:
    """This server's origin as the request reached it: its scheme and ``Host``. Behind a proxy
    that ends TLS the server may see ``http`` while the browser is on ``https``, so the https
    origin of the same host is this server too (the reverse is not: a page served over plain
    http could have been altered on the way)."""
    host = headers.get("host")
    if not host:
        server = scope.get("server")
        if not server:
            return set()
        host = f"{server[0]}:{server[1]}"
    scheme = scope.get("scheme", "http")
    found = {_origin_of(f"{scheme}://{host}"), _origin_of(f"https://{host}")}
    return {origin for origin in found if origin is not None}


def is_cross_site(scope: Scope, trusted: Iterable[str] = ()) -> bool:
    """Whether the request shows it was sent by a browser from a page of another origin."""
    headers = Headers(scope=scope)
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site.strip().lower() not in ("same-origin", "none")
    ours = own_origins(scope, headers) | {o for o in map(_origin_of, trusted) if o is not None}
    origin = headers.get("origin")
    if origin is not None:
        return _origin_of(origin) not in ours
    referer = headers.get("referer")
    if referer is not None:
        return _origin_of(referer) not in ours
    return False


def _has_cookie(headers: Headers, name: str) -> bool:
    for line in headers.getlist("cookie"):
        for pair in line.split(";"):
            if pair.strip().split("=", 1)[0].strip() == name:
                return True
    return False


def checked(scope: Scope, cookie_name: str) -> bool:
    """Whether the request is one this guard judges (an unsafe method with the session cookie,
    or a login)."""
    if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
        return False
    if scope.get("path") in LOGIN_PATHS:
        return True
    return _has_cookie(Headers(scope=scope), cookie_name)


class CrossOriginGuard:
    """Refuse (403) an unsafe cookie-authenticated request, or a login, sent from another site."""

    def __init__(self, app: ASGIApp, cookie_name: str, trusted_origins: Iterable[str] = ()) -> None:
        self.app = app
        self.cookie_name = cookie_name
        self.trusted_origins = tuple(trusted_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if checked(scope, self.cookie_name) and is_cross_site(scope, self.trusted_origins):
            response = refusal(scope, 403, REFUSED, field="origin", zh=REFUSED_ZH)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
