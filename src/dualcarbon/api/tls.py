"""A self-signed certificate for trying the server over HTTPS (``dualcarbon serve --self-signed``).

PACT v3 is HTTPS only (and its conformance suite calls over HTTPS), so a trial needs a
certificate even on a laptop. The pair made here is its own CA: a client trusts it by being given
the certificate file (``curl --cacert``, ``NODE_EXTRA_CA_CERTS`` for the Node.js conformance
suite, httpx's ``verify=``). It is for trials only: production certificates come from a CA
(RFC 8555 ACME or the organisation's own) and usually sit on a TLS-terminating proxy.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CERT_FILE = "cert.pem"
KEY_FILE = "key.pem"
DEFAULT_NAMES = ("localhost", "127.0.0.1", "::1")
VALID_DAYS = 90


def _alt_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def make_self_signed(
    cert_path: Path, key_path: Path, names: Sequence[str] = DEFAULT_NAMES, days: int = VALID_DAYS
) -> None:
    """Write a P-256 key (owner-readable only) and a certificate for ``names`` (host names or
    IP addresses, the subject alternative names RFC 6125 checks), valid ``days`` days."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, names[0]),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "dualcarbon self-signed (trial only)"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName([_alt_name(n) for n in names]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def self_signed_pair(folder: Path, names: Sequence[str] = DEFAULT_NAMES) -> tuple[Path, Path]:
    """``folder``'s certificate and key, made on first use (kept afterwards, so a client that
    trusts the certificate keeps trusting it across restarts)."""
    cert_path, key_path = folder / CERT_FILE, folder / KEY_FILE
    if not (cert_path.is_file() and key_path.is_file()):
        make_self_signed(cert_path, key_path, names)
    return cert_path, key_path


def fingerprint(cert_path: Path) -> str:
    """The certificate's SHA-256 fingerprint (``AB:CD:…``), to compare out of band."""
    certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return ":".join(f"{b:02X}" for b in certificate.fingerprint(hashes.SHA256()))
