"""The access list of the HJ 212 receiver: which loggers may upload, and with which password.

HJ 212-2017 (data-segment table) gives every packet an access password ``PW`` (访问密码, up to
6 characters) and the logger's unique identifier ``MN`` (设备唯一标识, up to 24 characters).
The standard leaves it to the upper computer to check them; with an access list the receiver
rejects a packet whose MN is not listed or whose PW differs from the listed one.

The list is a YAML file::

    loggers:
      TEST0001CEMS: "123456"
      TEST0002CEMS: "abc123"

Passwords must be quoted: unquoted, YAML reads ``123456`` as a number and ``012345`` as an
octal number (5349), so a password that is not a string is an error naming the entry, rather
than a silent mismatch.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from dualcarbon.cems.hj212.errors import AccessError, AccessListError
from dualcarbon.cems.hj212.packet import MN_PATTERN, PW_PATTERN, Packet
from dualcarbon.guards.safe_yaml import SafeLoader


class AccessList:
    """MN → expected PW. :meth:`check` raises :class:`.AccessError` for a packet not allowed."""

    def __init__(self, passwords: Mapping[str, str], *, source: str = "") -> None:
        self.passwords = dict(passwords)
        self.source = source

    def __len__(self) -> int:
        return len(self.passwords)

    def check(self, packet: Packet) -> None:
        expected = self.passwords.get(packet.mn)
        if expected is None:
            raise AccessError("MN", f"MN={packet.mn} is not on the access list")
        # constant-time comparison, so that timing does not reveal how much of a guess was right
        if not hmac.compare_digest(packet.pw.encode(), expected.encode()):
            raise AccessError("PW", f"wrong access password for MN={packet.mn}")


def load_access(path: str | Path) -> AccessList:
    """Read an access list file; every problem raises :class:`.AccessListError` naming the file
    and the entry."""
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise AccessListError(where, f"cannot be read: {error}") from None
    try:
        document = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass: safe
    except yaml.YAMLError as error:
        raise AccessListError(where, f"not valid YAML: {_yaml_problem(error)}") from None
    if not isinstance(document, dict) or not isinstance(document.get("loggers"), dict):
        raise AccessListError(where, "needs a 'loggers' mapping of MN: \"PW\"")
    unknown = sorted(str(key) for key in document if key != "loggers")
    if unknown:
        raise AccessListError(f"{where}: {unknown[0]}", "unknown key; only 'loggers' is read")
    passwords = {_mn(where, mn): _pw(where, mn, pw) for mn, pw in document["loggers"].items()}
    if not passwords:
        raise AccessListError(f"{where}: loggers", "is empty: no logger could upload")
    return AccessList(passwords, source=where)


def _mn(where: str, mn: Any) -> str:
    if not isinstance(mn, str) or not MN_PATTERN.fullmatch(mn):
        raise AccessListError(
            f"{where}: loggers.{mn}", "MN must be 1 to 24 letters, digits, '_' or '-' (quote it)"
        )
    return mn


def _pw(where: str, mn: str, pw: Any) -> str:
    if not isinstance(pw, str):
        raise AccessListError(
            f"{where}: loggers.{mn}",
            f"the password must be a quoted string (YAML read a {type(pw).__name__})",
        )
    if not PW_PATTERN.fullmatch(pw):
        # the value itself is not repeated: it is (meant to be) a secret
        raise AccessListError(
            f"{where}: loggers.{mn}", "the password must be 1 to 6 letters or digits"
        )
    return pw


def _yaml_problem(error: yaml.YAMLError) -> str:
    """What PyYAML found wrong and where, without the snippet of the file it would quote (the
    file holds passwords)."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        return f"{error.problem} (line {mark.line + 1}, column {mark.column + 1})"
    return type(error).__name__


class _UniqueKeyLoader(SafeLoader):
    """A SafeLoader that refuses a key given twice (PyYAML keeps the last one silently, which
    would let a stale password for an MN win or lose unnoticed)."""


def _construct_unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)

__all__ = ["AccessList", "load_access"]
