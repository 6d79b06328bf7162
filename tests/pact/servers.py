"""Real HTTPS servers on loopback for the end-to-end tests: a self-signed certificate made with
``cryptography``, and uvicorn run in a thread."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from dualcarbon.api.tls import make_self_signed


def self_signed(folder: Path, name: str) -> tuple[Path, Path]:
    """A certificate for ``localhost`` and 127.0.0.1 (its own CA) and its key, as PEM files: the
    pair ``dualcarbon serve --self-signed`` makes, valid for a day."""
    cert_path = folder / f"{name}.crt"
    key_path = folder / f"{name}.key"
    make_self_signed(cert_path, key_path, ("localhost", "127.0.0.1"), days=1)
    return cert_path, key_path


def trust(cert_path: Path) -> ssl.SSLContext:
    """A client context that trusts exactly this self-signed certificate."""
    return ssl.create_default_context(cafile=str(cert_path))


@contextmanager
def https_server(app: Any, cert_path: Path, key_path: Path) -> Iterator[str]:
    """Serve ``app`` over HTTPS on 127.0.0.1 (a free port) in a thread; yields its base URL."""
    with served(app, ssl_certfile=str(cert_path), ssl_keyfile=str(key_path)) as url:
        yield url


@contextmanager
def served(app: Any, **options: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn ``options`` on 127.0.0.1 (a free port) in a thread; yields
    its base URL (https when a certificate is given)."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", **options
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    scheme = "https" if options.get("ssl_certfile") else "http"
    try:
        yield f"{scheme}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
