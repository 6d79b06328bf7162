"""HJ 212-2017 (污染物在线监控（监测）系统数据传输标准) intake: packets, codes, a TCP receiver and
a Parquet sink. See docs/cems-hj212.md."""

from dualcarbon.cems.hj212.access import AccessList, load_access
from dualcarbon.cems.hj212.crc import crc16, crc16_hex
from dualcarbon.cems.hj212.errors import (
    AccessError,
    AccessListError,
    CrcError,
    FieldError,
    FramingError,
    HJ212Error,
    OversizeError,
    RootInUseError,
    UnknownCommandError,
)
from dualcarbon.cems.hj212.packet import Packet, data_ack, parse, parse_cp
from dualcarbon.cems.hj212.receiver import Receiver, run, serve
from dualcarbon.cems.hj212.sink import ParquetSink

__all__ = [
    "AccessError",
    "AccessList",
    "AccessListError",
    "CrcError",
    "FieldError",
    "FramingError",
    "HJ212Error",
    "OversizeError",
    "Packet",
    "ParquetSink",
    "Receiver",
    "RootInUseError",
    "UnknownCommandError",
    "crc16",
    "crc16_hex",
    "data_ack",
    "load_access",
    "parse",
    "parse_cp",
    "run",
    "serve",
]
