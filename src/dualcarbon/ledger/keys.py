"""The log's signing key: ``$DUALCARBON_LEDGER_KEY`` (base64 of the raw Ed25519 private key), else
``ledger.key`` in the data folder, created readable by its owner only on first use.

Several server instances must share one key (set the variable, or share the data folder); the
public key is what verifiers pin.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from dualcarbon.ledger.signing import Signer
from dualcarbon.store.database import data_dir

ENV_KEY = "DUALCARBON_LEDGER_KEY"
KEY_FILE = "ledger.key"


def load_signer(folder: Path | None = None) -> Signer:
    explicit = os.environ.get(ENV_KEY, "").strip()
    if explicit:
        return Signer.from_private_bytes(base64.b64decode(explicit, validate=True))
    path = (folder or data_dir()) / KEY_FILE
    if path.exists():
        return Signer.from_private_bytes(base64.b64decode(path.read_text().strip()))
    path.parent.mkdir(parents=True, exist_ok=True)
    signer = Signer.generate()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(base64.b64encode(signer.private_bytes()).decode())
    return signer
