"""Partner credentials we must be able to read back (to fetch a token from a partner's
``/auth/token`` before POSTing it an event): sealed with Fernet (AES-128-CBC + HMAC-SHA256,
``cryptography``) under a key derived from the server's secret key.

Unlike our clients' secrets, which are only ever verified and so stored as Argon2id hashes, these
must be decrypted; the key never sits in the database. Changing ``DUALCARBON_SECRET_KEY`` makes
sealed credentials unreadable: enter them again.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

_LABEL = b"dualcarbon.pact.partner-credentials"


def _fernet(secret_key: str) -> Fernet:
    key = hashlib.sha256(_LABEL + b"\x00" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret_key: str, plaintext: str) -> str:
    return _fernet(secret_key).encrypt(plaintext.encode()).decode()


def unseal(secret_key: str, sealed: str) -> str | None:
    """The plaintext, or ``None`` when the server's secret key has changed since sealing."""
    try:
        return _fernet(secret_key).decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None
