"""The CRC of HJ 212-2017 communication packets.

HJ 212-2017 (packet structure, and the CRC routine printed in an appendix) gives the check as
a 16-bit CRC over the data segment (the bytes between the 4-digit length and the CRC itself),
written as 4 hexadecimal digits. The algorithm the standard prints (and the open
implementations copy) is a *reflected* CRC with polynomial 0xA001 and initial value 0xFFFF,
but it folds each byte in with
``crc = (crc >> 8) ^ byte`` -- not the ``crc ^= byte`` of CRC-16/MODBUS -- so the two give
different results and a MODBUS routine must not be used.

References
----------
HJ 212-2017 污染物在线监控（监测）系统数据传输标准, CRC routine and the example
``##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;
CP=&&RtdInterval=30&&1C80``, quoted with the C routine at https://whycan.com/viewtopic.php?id=3594
(the routine reproduces 1C80).
"""

from __future__ import annotations

POLYNOMIAL = 0xA001
"""The reflected generator polynomial of the HJ 212-2017 CRC routine."""


def _table() -> tuple[int, ...]:
    # the eight shift-and-xor steps of the routine, done once for every value of a byte
    table = []
    for index in range(256):
        register = index
        for _ in range(8):
            register = (register >> 1) ^ POLYNOMIAL if register & 1 else register >> 1
        table.append(register)
    return tuple(table)


_TABLE = _table()


def crc16(data: bytes) -> int:
    """The HJ 212-2017 CRC of ``data`` (the data segment, as sent on the wire).

    The standard's routine sets ``register = (register >> 8) ^ byte`` (a value below 256) and
    then shifts it eight times; eight shifts of a value below 256 are one look-up in a
    256-entry table, so each byte costs one look-up (the routine as printed is kept in the
    tests and gives the same result for every input tried there).

    >>> f"{crc16(b'QN=20160801085857223;ST=32;CN=1062;PW=100000;'
    ...          b'MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&'):04X}"
    '1C80'
    """
    register = 0xFFFF
    table = _TABLE
    for byte in data:
        register = table[(register >> 8) ^ byte]
    return register


def crc16_hex(data: bytes) -> str:
    """The CRC as the packet carries it: 4 upper-case hexadecimal digits."""
    return f"{crc16(data):04X}"
