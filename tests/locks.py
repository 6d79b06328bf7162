"""Probing the SQLite write turn from a test (``dualcarbon.store.writelock``)."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


def lock_is_free(lock_file: Path | str) -> bool:
    """Whether another open file description could take the lock now (as another process)."""
    descriptor = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(descriptor)
    return True
