"""Security headers on every answer (decision 0011), following the OWASP HTTP Headers Cheat
Sheet (https://cheatsheetseries.owasp.org/cheatsheets/HTTP_Headers_Cheat_Sheet.html).

- ``Content-Security-Policy`` (CSP Level 3): only this server's own resources; scripts only
  those whose SHA-256 is listed — the inline scripts of the packaged templates (the reports' "open
  every section before printing"), hashed from the templates themselves when the server starts,
  so a page cannot run a script that an attacker slipped into its data. Inline *styles* are
  allowed: every page and self-contained report carries its stylesheet and SVG charts inline, and
  a style cannot run code. ``frame-ancestors 'none'`` forbids framing (clickjacking);
  ``form-action 'self'`` keeps forms posting here; ``base-uri 'none'`` and ``object-src 'none'``
  close the remaining ways to load code.
- ``X-Frame-Options: DENY`` for browsers without ``frame-ancestors``;
  ``X-Content-Type-Options: nosniff``; ``Referrer-Policy: same-origin`` (no URL, with its ids,
  leaves for another site; this site's own forms keep their ``Referer``, which the CSRF check can
  fall back on); ``Cross-Origin-Opener-Policy: same-origin``.
- ``Strict-Transport-Security`` (RFC 6797) only on an answer sent over HTTPS (§7.2: never over
  plain HTTP), for a year, without ``includeSubDomains`` (other hosts of the domain are not ours).

The interactive API docs (``/docs``, ``/redoc``) are FastAPI's pages, which load Swagger UI and
ReDoc from a CDN with an inline start-up script; they get a policy allowing that and nothing
more. A header a route set itself is left as it is.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from importlib import resources

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TEMPLATE_PACKAGES = ("dualcarbon.web", "dualcarbon.reports", "dualcarbon.metrology")
"""Packages whose ``templates/`` folder holds pages the server answers."""

_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
DOCS_PATHS = ("/docs", "/redoc")
DOCS_CDN = "https://cdn.jsdelivr.net"
HSTS = "max-age=31536000"


def inline_script_hashes() -> list[str]:
    """``'sha256-…'`` of every inline ``<script>`` in the packaged templates (CSP Level 3,
    §8.2 "hash-source"): the script's text between its tags, byte for byte."""
    found = []
    for package in TEMPLATE_PACKAGES:
        folder = resources.files(package).joinpath("templates")
        if not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if not entry.name.endswith(".j2"):
                continue
            for script in _SCRIPT.findall(entry.read_text(encoding="utf-8")):
                digest = hashlib.sha256(script.encode("utf-8")).digest()
                found.append(f"'sha256-{base64.b64encode(digest).decode()}'")
    return sorted(set(found))


@cache
def page_policy() -> str:
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' {' '.join(inline_script_hashes())}".rstrip(),
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


DOCS_POLICY = "; ".join(
    (
        "default-src 'self'",
        f"script-src 'self' 'unsafe-inline' {DOCS_CDN}",
        f"style-src 'self' 'unsafe-inline' {DOCS_CDN}",
        "img-src 'self' data: https://fastapi.tiangolo.com",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)


def security_headers(scope: Scope) -> dict[str, str]:
    """The headers for the answer to ``scope``."""
    path = scope.get("path", "/")
    docs = path in DOCS_PATHS or path.startswith("/docs/")
    headers = {
        "Content-Security-Policy": DOCS_POLICY if docs else page_policy(),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if scope.get("scheme") == "https":
        headers["Strict-Transport-Security"] = HSTS
    return headers


class SecurityHeaders:
    """Add :func:`security_headers` to every HTTP answer (those a route set stay)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in security_headers(scope).items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
