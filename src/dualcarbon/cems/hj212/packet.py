"""HJ 212-2017 communication packets: framing, data segment, command parameters (CP).

A packet on the wire (HJ 212-2017, table of the communication packet)::

    ##  LLLL  <data segment>  CCCC  \\r\\n

``##`` is the header; ``LLLL`` the length of the data segment in bytes, 4 decimal digits;
``CCCC`` the CRC of the data segment (:mod:`.crc`), 4 hexadecimal digits; ``\\r\\n`` the tail.
The standard limits the data segment to 0..1024 bytes; longer data are split into several
packets (Flag bit D, with PNUM/PNO).

The data segment (HJ 212-2017, table of the data segment) is a ``;``-separated list of
``key=value`` fields::

    QN=YYYYMMDDhhmmsszzz;ST=<2 digits>;CN=<4 digits>;PW=<≤6>;MN=<≤24>;Flag=<0..255>;
    PNUM=<≤4 digits>;PNO=<≤4 digits>;CP=&&<command parameters>&&

``CP`` comes last; inside it, groups are separated by ``;`` and items of a group by ``,``; an
item is ``DataTime=YYYYMMDDhhmmss`` or ``<code>-<field>=<value>`` (``a01012-Avg=135.2``,
``a01012-Flag=N``). ``Flag`` packs the protocol version in bits 7..2 (000001 = HJ 212-2017),
bit 1 ``D`` (the packet is one part of a split message, PNUM/PNO present) and bit 0 ``A``
(the sender wants an acknowledgement).

Every check raises an :class:`~.errors.HJ212Error` subclass naming the field it concerns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from dualcarbon.cems.hj212.crc import crc16_hex
from dualcarbon.cems.hj212.errors import (
    CrcError,
    FieldError,
    FramingError,
    HJ212Error,
    OversizeError,
    UnknownCommandError,
)

HEADER = b"##"
TAIL = b"\r\n"
STANDARD_MAX_DATA_LENGTH = 1024
"""HJ 212-2017 (communication packet table): the data segment holds 0..1024 bytes."""

FLAG_ACK = 0b01
"""Flag bit A: 1 = the command wants an acknowledgement (应答)."""
FLAG_SPLIT = 0b10
"""Flag bit D: 1 = the packet is part of a split message and carries PNUM and PNO (拆分包)."""
VERSION_2017 = 1
"""Flag bits 7..2: 000000 = HJ/T 212-2005, 000001 = HJ 212-2017."""
REPLY_SYSTEM = "91"
"""ST of packets exchanged between systems (系统交互), used by the responses 9011..9014."""

COMMANDS: dict[str, str] = {
    "1000": "set timeout and retries",
    "1011": "get field-machine time",
    "1012": "set field-machine time",
    "1013": "time calibration request",
    "1061": "get real-time data interval",
    "1062": "set real-time data interval",
    "1063": "get minute data interval",
    "1064": "set minute data interval",
    "1072": "set access password",
    "2011": "real-time data",
    "2012": "stop real-time data",
    "2021": "equipment running status",
    "2022": "stop running status",
    "2031": "daily data",
    "2041": "daily equipment running time",
    "2051": "minute data",
    "2061": "hourly data",
    "2081": "field-machine restart time",
    "3011": "zero/span calibration",
    "3012": "take a sample immediately",
    "3013": "clean / back-flush",
    "3014": "compare sampling",
    "3015": "over-limit sample retention",
    "3016": "set sampling interval",
    "3017": "get sampling interval",
    "3018": "get sampling time",
    "3019": "get instrument serial number",
    "3020": "get instrument information",
    "3021": "set instrument parameters",
    "9011": "request response (QnRtn)",
    "9012": "execution result (ExeRtn)",
    "9013": "notice response",
    "9014": "data response",
}
"""Command numbers (CN) of HJ 212-2017 (command code table) [verified against the command tables of
srdgame/lua-HJ212 ``hj212/types.lua`` and 1249993110/IceCoffee.HJ212 ``CommandNumber.cs``]."""

DATA_COMMANDS: dict[str, str] = {
    "2011": "realtime",
    "2051": "minute",
    "2061": "hourly",
    "2031": "daily",
}
"""The uploads this package stores, and the kind of record each carries."""

DATA_ACK_COMMAND = "9014"

_QN = re.compile(r"\d{17}")
_ST = re.compile(r"\d{2}")
_CN = re.compile(r"\d{4}")
PW_PATTERN = re.compile(r"[0-9A-Za-z]{1,6}")
"""PW, the access password (访问密码): 6 characters at most (HJ 212-2017 data-segment table)."""
MN_PATTERN = re.compile(r"[0-9A-Za-z_-]{1,24}")
"""MN, the logger's unique identifier (设备唯一标识): 24 characters at most; narrowed to what is
safe as a directory name."""
_FLAG = re.compile(r"\d{1,3}")
_PART = re.compile(r"\d{1,4}")
_HEADER_ORDER = ("QN", "ST", "CN", "PW", "MN", "Flag", "PNUM", "PNO")


@dataclass(frozen=True)
class Packet:
    """The data segment of one HJ 212 packet. ``cp`` is the text between ``CP=&&`` and ``&&``."""

    st: str
    cn: str
    pw: str
    mn: str
    cp: str = ""
    qn: str | None = None
    flag: int | None = None
    pnum: int | None = None
    pno: int | None = None

    @property
    def needs_ack(self) -> bool:
        """Flag bit A: the sender waits for an acknowledgement."""
        return self.flag is not None and bool(self.flag & FLAG_ACK)

    @property
    def is_split(self) -> bool:
        """Flag bit D: this packet is part PNO of PNUM of a split message."""
        return self.flag is not None and bool(self.flag & FLAG_SPLIT)

    @property
    def version(self) -> int | None:
        """Flag bits 7..2: 0 = HJ/T 212-2005, 1 = HJ 212-2017 (None when Flag is absent)."""
        return None if self.flag is None else self.flag >> 2

    def data_segment(self) -> str:
        """The data segment, fields in the order of the HJ 212-2017 data-segment table."""
        values = {
            "QN": self.qn,
            "ST": self.st,
            "CN": self.cn,
            "PW": self.pw,
            "MN": self.mn,
            "Flag": None if self.flag is None else str(self.flag),
            "PNUM": None if self.pnum is None else str(self.pnum),
            "PNO": None if self.pno is None else str(self.pno),
        }
        head = "".join(f"{key}={values[key]};" for key in _HEADER_ORDER if values[key] is not None)
        return f"{head}CP=&&{self.cp}&&"

    def encode(self) -> bytes:
        """The whole packet, framed, with its CRC."""
        return frame(self.data_segment().encode("utf-8"))


def frame(segment: bytes) -> bytes:
    """``##`` + length + ``segment`` + CRC + ``\\r\\n``."""
    if len(segment) > 9999:
        raise OversizeError(len(segment), 9999)
    return b"%s%04d%s%s%s" % (HEADER, len(segment), segment, crc16_hex(segment).encode(), TAIL)


def unframe(packet: bytes, *, max_data_length: int = STANDARD_MAX_DATA_LENGTH) -> bytes:
    """Check the framing and the CRC of one complete packet; return its data segment."""
    if not packet.startswith(HEADER):
        raise FramingError("header", f"packet must start with '##', got {packet[:2]!r}")
    digits = packet[2:6]
    if len(digits) < 4 or not digits.isdigit():
        raise FramingError("length", f"expected 4 decimal digits after '##', got {digits!r}")
    length = int(digits)
    if length > max_data_length:
        raise OversizeError(length, max_data_length)
    expected = 2 + 4 + length + 4 + 2
    if len(packet) != expected:
        raise FramingError(
            "length",
            f"length field says {length} bytes of data, so the packet should be {expected} "
            f"bytes long; it is {len(packet)}",
        )
    if packet[-2:] != TAIL:
        raise FramingError("tail", f"packet must end with '\\r\\n', got {packet[-2:]!r}")
    segment = packet[6 : 6 + length]
    received = packet[6 + length : 10 + length].decode("ascii", errors="replace")
    computed = crc16_hex(segment)
    if received.upper() != computed:
        raise CrcError(received, computed)
    return segment


def parse(packet: bytes, *, max_data_length: int = STANDARD_MAX_DATA_LENGTH) -> Packet:
    """Parse one complete packet (framing, CRC, data segment)."""
    segment = unframe(packet, max_data_length=max_data_length)
    try:
        text = segment.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FieldError("data segment", f"not valid UTF-8 at byte {error.start}") from None
    return parse_segment(text)


def parse_segment(text: str) -> Packet:
    """Parse a data segment (without framing)."""
    marker = text.find("CP=&&")
    if marker < 0:
        raise FieldError("CP", "missing: the data segment must end with 'CP=&&...&&'")
    if not text.endswith("&&") or len(text) < marker + 7:
        raise FieldError("CP", "must be closed by '&&' at the end of the data segment")
    cp = text[marker + 5 : -2]
    if "&&" in cp:
        raise FieldError("CP", "contains '&&' inside the command parameters")
    head = text[:marker]
    if head and not head.endswith(";"):
        raise FieldError("CP", "must be separated from the previous field by ';'")
    fields: dict[str, str] = {}
    for item in head.split(";")[:-1]:
        key, sep, value = item.partition("=")
        if not sep:
            raise FieldError(key or "data segment", f"field {item!r} has no '='")
        if key not in _HEADER_ORDER:
            raise FieldError(key, "not a field of the HJ 212-2017 data segment")
        if key in fields:
            raise FieldError(key, "appears twice")
        fields[key] = value

    def required(key: str, pattern: re.Pattern[str], rule: str) -> str:
        if key not in fields:
            raise FieldError(key, "missing")
        return checked(key, pattern, rule)

    def checked(key: str, pattern: re.Pattern[str], rule: str) -> str:
        value = fields[key]
        if not pattern.fullmatch(value):
            # the message is logged: a password, even a malformed one, stays out of it
            shown = f"a value of {len(value)} characters" if key == "PW" else repr(value)
            raise FieldError(key, f"{shown} is not {rule}")
        return value

    st = required("ST", _ST, "2 digits")
    cn = required("CN", _CN, "4 digits")
    pw = required("PW", PW_PATTERN, "1 to 6 letters or digits")
    mn = required("MN", MN_PATTERN, "1 to 24 letters, digits, '_' or '-'")
    qn = checked("QN", _QN, "17 digits YYYYMMDDhhmmsszzz") if "QN" in fields else None
    if qn is not None:
        _timestamp("QN", qn[:14])
    flag = None
    if "Flag" in fields:
        flag = int(checked("Flag", _FLAG, "an integer 0..255"))
        if flag > 255:
            raise FieldError("Flag", f"{flag} is not an integer 0..255")
    pnum = int(checked("PNUM", _PART, "1 to 4 digits")) if "PNUM" in fields else None
    pno = int(checked("PNO", _PART, "1 to 4 digits")) if "PNO" in fields else None
    if flag is not None and flag & FLAG_SPLIT and (pnum is None or pno is None):
        raise FieldError("PNUM" if pnum is None else "PNO", "missing although Flag bit D is set")
    if (pnum is None) != (pno is None):
        raise FieldError("PNO" if pno is None else "PNUM", "PNUM and PNO must come together")
    if pnum is not None and pno is not None and not 1 <= pno <= pnum:
        raise FieldError("PNO", f"{pno} is not between 1 and PNUM={pnum}")
    if cn not in COMMANDS:
        raise UnknownCommandError(cn)
    return Packet(st=st, cn=cn, pw=pw, mn=mn, cp=cp, qn=qn, flag=flag, pnum=pnum, pno=pno)


def data_ack(request: Packet) -> Packet:
    """The data response (数据应答, CN=9014) the standard prescribes to an upload whose Flag
    asks for one: the request's QN, PW and MN echoed, ST=91, Flag=4 (HJ 212-2017, no
    acknowledgement wanted), empty CP (HJ 212-2017 data-upload interaction; the form used
    by the open implementations listed in docs/cems-hj212.md)."""
    if request.qn is None:
        raise FieldError("QN", "missing: a data response must echo the request's QN")
    return Packet(
        st=REPLY_SYSTEM,
        cn=DATA_ACK_COMMAND,
        pw=request.pw,
        mn=request.mn,
        cp="",
        qn=request.qn,
        flag=VERSION_2017 << 2,
    )


def data_ack_bytes(request: Packet) -> bytes:
    """``data_ack(request).encode()``, framed, without building the packet (once per packet
    received; the test checks that both give the same bytes)."""
    if request.qn is None:
        raise FieldError("QN", "missing: a data response must echo the request's QN")
    segment = (
        f"QN={request.qn};ST={REPLY_SYSTEM};CN={DATA_ACK_COMMAND};PW={request.pw};"
        f"MN={request.mn};Flag={VERSION_2017 << 2};CP=&&&&"
    )
    return frame(segment.encode("utf-8"))


# --- command parameters ---------------------------------------------------------------------


@dataclass(frozen=True)
class CommandParameters:
    """The CP of a data upload: ``DataTime``, per-code items (``{"a01012": {"Avg": "135.2",
    "Flag": "N"}}``) and any other top-level parameters (``RtdInterval=30``)."""

    data_time: datetime | None = None
    items: dict[str, dict[str, str]] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)


def parse_cp(cp: str) -> CommandParameters:
    """Split a CP into its items. Repeated items must repeat the same value (real loggers send
    ``01-Flag=N`` once per value of code 01)."""
    items: dict[str, dict[str, str]] = {}
    params: dict[str, str] = {}
    data_time: datetime | None = None
    for group in cp.split(";"):
        if not group:
            continue
        for item in group.split(","):
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise FieldError("CP", f"item {item!r} is not key=value")
            if key == "DataTime":
                if data_time is not None:
                    raise FieldError("DataTime", "appears twice")
                data_time = _data_time(value)
                continue
            code, dash, name = key.partition("-")
            target = items.setdefault(code, {}) if dash and code and name else params
            slot = name if dash and code and name else key
            previous = target.get(slot)
            if previous is not None and previous != value:
                raise FieldError(key, f"given twice with different values {previous!r}, {value!r}")
            target[slot] = value
    return CommandParameters(data_time=data_time, items=items, params=params)


def build_cp(
    items: dict[str, dict[str, str]], *, data_time: datetime | None = None, **params: str
) -> str:
    """The inverse of :func:`parse_cp`: one ``;`` group per code, its fields joined by ``,``."""
    groups: list[str] = []
    if data_time is not None:
        groups.append(f"DataTime={data_time:%Y%m%d%H%M%S}")
    groups.extend(f"{key}={value}" for key, value in params.items())
    groups.extend(
        ",".join(f"{code}-{name}={value}" for name, value in fields.items())
        for code, fields in items.items()
    )
    return ";".join(groups)


def _data_time(value: str) -> datetime:
    # HJ 212-2017: DataTime=YYYYMMDDhhmmss. Some loggers append milliseconds (17 digits, as in
    # the test data of xiaoyao9184/hj-t212-parser); they are dropped.
    if not value.isdigit() or len(value) not in (14, 17):
        raise FieldError("DataTime", f"{value!r} is not YYYYMMDDhhmmss")
    return _timestamp("DataTime", value[:14])


def _timestamp(name: str, value: str) -> datetime:
    # value is 14 digits (checked by the caller); datetime() checks the calendar, at a tenth
    # of the cost of strptime (this runs twice per packet)
    try:
        return datetime(
            int(value[0:4]),
            int(value[4:6]),
            int(value[6:8]),
            int(value[8:10]),
            int(value[10:12]),
            int(value[12:14]),
        )
    except ValueError:
        raise FieldError(name, f"{value!r} is not a valid date and time") from None


# --- a byte stream into packets --------------------------------------------------------------


class FrameDecoder:
    """Cut a TCP byte stream into packets.

    Bytes before a ``##`` are garbage and are skipped; a packet may arrive over several reads
    and one read may carry several packets. A header with a bad length, an oversize length or a
    missing tail is reported as a :class:`~.errors.FramingError` and the decoder resynchronises
    on the next ``##``, so one bad packet does not take the good ones after it down.

    :meth:`feed` returns, in stream order, complete packets (``bytes``, framing checked, CRC not
    yet) and framing errors.
    """

    def __init__(self, *, max_data_length: int = STANDARD_MAX_DATA_LENGTH) -> None:
        self.max_data_length = max_data_length
        self._buffer = bytearray()
        self.garbage_bytes = 0

    @property
    def pending(self) -> int:
        """Bytes held back waiting for the rest of a packet."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[bytes | HJ212Error]:
        # The buffer is scanned with a position and cut once at the end: cutting it after every
        # packet or skipped byte moved the rest of the buffer each time, which made a read
        # full of garbage ('##xx#' repeated) cost the square of its length.
        buffer = self._buffer
        buffer += data
        out: list[bytes | HJ212Error] = []
        size = len(buffer)
        position = 0
        while True:
            start = buffer.find(HEADER, position)
            if start < 0:
                # keep a trailing '#': it may be the first half of the next header
                keep = 1 if size > position and buffer[size - 1] == 0x23 else 0
                self.garbage_bytes += size - position - keep
                position = size - keep
                break
            while buffer[start + 2 : start + 3] == b"#":
                start += 1  # '###…': only the last two '#' can open a packet
            self.garbage_bytes += start - position
            position = start
            if size - position < 6:
                break
            digits = bytes(buffer[position + 2 : position + 6])
            if not digits.isdigit():
                out.append(FramingError("length", f"expected 4 decimal digits, got {digits!r}"))
                position += 1
                continue
            length = int(digits)
            if length > self.max_data_length:
                out.append(OversizeError(length, self.max_data_length))
                position += 1
                continue
            total = 2 + 4 + length + 4 + 2
            if size - position < total:
                break
            if buffer[position + total - 2 : position + total] != TAIL:
                out.append(
                    FramingError(
                        "tail",
                        f"no '\\r\\n' where the length field ({length}) puts the end of the packet",
                    )
                )
                position += 1
                continue
            out.append(bytes(buffer[position : position + total]))
            position += total
        del buffer[:position]
        return out


__all__ = [
    "COMMANDS",
    "DATA_COMMANDS",
    "HEADER",
    "MN_PATTERN",
    "PW_PATTERN",
    "STANDARD_MAX_DATA_LENGTH",
    "TAIL",
    "CommandParameters",
    "FrameDecoder",
    "Packet",
    "build_cp",
    "data_ack",
    "data_ack_bytes",
    "frame",
    "parse",
    "parse_cp",
    "parse_segment",
    "unframe",
]
