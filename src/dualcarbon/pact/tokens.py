"""Bearer access tokens of the PACT API (OAuth2 client credentials, RFC 6749 §4.4).

A token is the client id signed with the server's secret key and a timestamp (itsdangerous), so
any instance can check it without a table, and it expires after ``lifetime_seconds``. An expired
token answers PACT's ``TokenExpired`` (401); a forged or garbled one ``BadRequest`` (400), as the
PACT conformance cases 6, 7 and 16 expect for an invalid token.
"""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from dualcarbon.errors import DualcarbonError

TOKEN_SALT = "dualcarbon.pact.access-token"
"""The itsdangerous salt of access tokens (separates them from session cookies)."""

DEFAULT_LIFETIME_SECONDS = 3600


class TokenExpiredError(DualcarbonError, ValueError):
    """The token was ours but is older than its lifetime."""


class InvalidTokenError(DualcarbonError, ValueError):
    """The token is not one we issued."""


class AccessTokens:
    def __init__(self, secret: str, lifetime_seconds: int = DEFAULT_LIFETIME_SECONDS) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt=TOKEN_SALT)
        self.lifetime_seconds = lifetime_seconds

    def issue(self, client_id: str) -> str:
        return self._serializer.dumps(client_id)

    def client_of(self, token: str) -> str:
        """The client id the token was issued to; raises when it expired or is not ours."""
        try:
            value = self._serializer.loads(token, max_age=self.lifetime_seconds)
        except SignatureExpired as exc:
            raise TokenExpiredError from exc
        except BadSignature as exc:
            raise InvalidTokenError from exc
        if not isinstance(value, str):
            raise InvalidTokenError
        return value
