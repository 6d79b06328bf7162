"""Outgoing HTTPS requests of PACT deliveries, guarded against server-side request forgery.

An enterprise user chooses a client's ``event_url`` (and ``event_auth_url``), and the server
POSTs there: without a guard, a URL naming ``127.0.0.1``, ``169.254.169.254`` (cloud metadata)
or an address of the internal network makes the server a proxy into places the user cannot
reach (OWASP Server-Side Request Forgery Prevention Cheat Sheet,
https://cheatsheetseries.owasp.org/cheatsheets/Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html).

The rules (decision 0012):

- only ``https://`` URLs, no user info, and redirects are never followed (a 3xx is a failure);
- the host is resolved and *every* address it resolves to must be a public one
  (:func:`refusal`); a name with one private address among public ones is refused whole;
- the check is made again when connecting, and the connection goes to an address just checked
  (:class:`GuardedConnection`): a name whose DNS answer changes between the check and the
  connection (DNS rebinding) cannot slip through, because no second look-up happens;
- environment proxies (``HTTPS_PROXY``) are not used: the connection is made directly;
- an administrator may allow non-public targets (setting
  ``DUALCARBON_PACT_ALLOW_PRIVATE_EVENT_URLS``), e.g. for a closed network or tests.

Certificates are checked against the system's CAs or a CA bundle (``DUALCARBON_PACT_CA_BUNDLE``).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from dualcarbon.errors import DualcarbonError

TIMEOUT_SECONDS = 10.0
MAX_ANSWER_BYTES = 1024 * 1024
"""Read at most this much of a partner's answer (a token answer is a few hundred bytes)."""

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefusedError(DualcarbonError, ValueError):
    """A delivery target the server must not connect to; the message says why."""


@dataclass(frozen=True)
class OutboundPolicy:
    """How deliveries connect: ``verify`` is True (system CAs), a CA bundle path, or False (tests
    only); ``allow_private`` lets them reach non-public addresses."""

    verify: bool | str = True
    allow_private: bool = False
    timeout: float = TIMEOUT_SECONDS


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


def refusal(address: IPAddress) -> str | None:
    """Why ``address`` is no public Internet address (``None`` if it is one): loopback, private
    (RFC 1918, RFC 4193), link-local, shared (RFC 6598), reserved, multicast, unspecified — all
    that the IANA special-purpose registries do not mark globally reachable (``is_global``).
    An IPv4-mapped IPv6 address is judged as the IPv4 address it carries."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for name in ("loopback", "private", "link_local", "multicast", "reserved", "unspecified"):
        if getattr(address, f"is_{name}"):
            return f"{address} is a {name.replace('_', '-')} address"
    if not address.is_global:
        return f"{address} is not a public address"
    return None


def _checked(address: str, host: str, allow_private: bool) -> None:
    reason = refusal(ipaddress.ip_address(address.split("%", 1)[0]))
    if reason is not None and not allow_private:
        raise TargetRefusedError(f"{host} resolves to {address}: {reason}")


def resolve(host: str, port: int, allow_private: bool) -> list[tuple[int, tuple[str, int]]]:
    """Every address ``host`` resolves to, each checked (any refused one refuses the host)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise OSError(f"{host} does not resolve: {exc}") from exc
    found: list[tuple[int, tuple[str, int]]] = []
    for family, _, _, _, sockaddr in infos:
        address = str(sockaddr[0])
        _checked(address, host, allow_private)
        found.append((family, (address, int(sockaddr[1]))))
    if not found:
        raise OSError(f"{host} has no address")
    return found


def check_url(url: str, *, allow_private: bool, resolve_host: bool = True) -> None:
    """Refuse (:class:`TargetRefusedError`) a URL the server would not deliver to. A host that
    does not resolve now is let through (it is checked again at every connection)."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # "https://[" : an unclosed IPv6 literal
        raise TargetRefusedError(f"{url!r}: {exc}") from None
    if parts.scheme.lower() != "https":
        raise TargetRefusedError(f"{url!r}: only https:// URLs are delivered to")
    if not parts.hostname or parts.username is not None or parts.password is not None:
        raise TargetRefusedError(f"{url!r}: give a host and no user name or password")
    try:
        port = parts.port or 443
    except ValueError as exc:
        raise TargetRefusedError(f"{url!r}: {exc}") from None
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        literal = None
    if literal is not None:
        _checked(str(literal), parts.hostname, allow_private)
    elif resolve_host:
        try:
            resolve(parts.hostname, port, allow_private)
        except TargetRefusedError:
            raise
        except OSError:
            pass


class GuardedConnection(http.client.HTTPSConnection):
    """An HTTPS connection that resolves its host once, checks every address and connects to a
    checked one; TLS then verifies the certificate against the host *name* (SNI)."""

    def __init__(
        self, host: str, port: int, *, policy: OutboundPolicy, context: ssl.SSLContext
    ) -> None:
        super().__init__(host, port, timeout=policy.timeout, context=context)
        self._policy = policy
        self._tls = context

    def connect(self) -> None:
        errors: list[str] = []
        for family, sockaddr in resolve(self.host, self.port, self._policy.allow_private):
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.settimeout(self.timeout)
                sock.connect(sockaddr)
            except OSError as exc:
                sock.close()
                errors.append(f"{sockaddr[0]}: {exc}")
                continue
            self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)
            return
        raise OSError(f"cannot connect to {self.host}: {'; '.join(errors)}")


def post(
    url: str, body: bytes, headers: dict[str, str], policy: OutboundPolicy
) -> tuple[int, bytes]:
    """POST ``body`` to ``url`` under ``policy``: the status and (up to 1 MiB of) the answer.
    Raises :class:`TargetRefusedError` for a refused target, ``OSError`` when it fails."""
    check_url(url, allow_private=policy.allow_private, resolve_host=False)
    parts = urlsplit(url)
    assert parts.hostname is not None  # check_url refused a URL without one
    connection = GuardedConnection(
        parts.hostname, parts.port or 443, policy=policy, context=ssl_context(policy.verify)
    )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.read(MAX_ANSWER_BYTES)
    except http.client.HTTPException as exc:
        raise OSError(f"{url}: {exc}") from exc
    finally:
        connection.close()
