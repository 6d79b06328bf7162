"""The canonical encoding that entries and tree heads are hashed and signed over.

JSON with keys sorted, no insignificant whitespace, UTF-8 text as is, and no NaN or infinity: the
same object always gives the same bytes, whatever the order in which it was built. (A subset of
the JSON Canonicalization Scheme, RFC 8785: the objects hashed here hold only strings, integers,
booleans, null and numbers that Python prints in their shortest round-trip form.)
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_bytes(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sha256_hex(value: Any) -> str:
    return hashlib.sha256(canonical_bytes(value)).hexdigest()
