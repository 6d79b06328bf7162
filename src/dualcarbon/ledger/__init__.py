"""Tamper-evident evidence: an append-only Merkle log (RFC 6962 / RFC 9162) with signed heads."""
