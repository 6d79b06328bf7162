"""Errors of the HJ 212-2017 intake.

Each error names the part of the packet that broke the rule (``field``) and the rule itself
(``reason``), so that the receiver can log a precise line and a test can check *why* a packet
was rejected, not only *that* it was.
"""

from __future__ import annotations

from dualcarbon.errors import DualcarbonError


class HJ212Error(DualcarbonError, ValueError):
    """A packet, or a part of it, breaks HJ 212-2017."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"HJ 212 {field}: {reason}")


class FramingError(HJ212Error):
    """The communication packet around the data segment is wrong: header ``##``, the 4-digit
    length, the packet tail ``\\r\\n``, or the size limit (HJ 212-2017 communication packet)."""


class OversizeError(FramingError):
    """The data segment is longer than the receiver accepts."""

    def __init__(self, length: int, limit: int) -> None:
        self.length = length
        self.limit = limit
        super().__init__("length", f"data segment of {length} bytes exceeds the limit of {limit}")


class CrcError(HJ212Error):
    """The CRC at the end of the packet does not match the data segment."""

    def __init__(self, received: str, computed: str) -> None:
        self.received = received
        self.computed = computed
        super().__init__("CRC", f"received {received!r}, computed {computed!r} from the data")


class FieldError(HJ212Error):
    """A field of the data segment (QN, ST, CN, PW, MN, Flag, PNUM, PNO, CP or a CP item) is
    missing or malformed."""


class UnknownCommandError(FieldError):
    """The command number CN is not one HJ 212-2017 defines (or not one this receiver handles)."""

    def __init__(self, cn: str, detail: str = "not a command of HJ 212-2017") -> None:
        self.cn = cn
        super().__init__("CN", f"{cn!r}: {detail}")


class AccessError(HJ212Error):
    """The packet's MN is not on the receiver's access list, or its PW (访问密码) is not the one
    listed for that MN. The message names the MN, never a password."""


class AccessListError(HJ212Error):
    """The access list file (MN → PW) is malformed; ``field`` names the file and the entry."""


class RootInUseError(DualcarbonError, RuntimeError):
    """Another receiver (sink) holds the storage root: two would replay and delete each other's
    write-ahead log and rewrite the same day files."""

    def __init__(self, root: str, lock: str) -> None:
        self.root = root
        self.lock = lock
        super().__init__(
            f"HJ 212 storage root {root} is in use by another receiver (lock {lock} is held); "
            "only one receiver may write to a root"
        )
