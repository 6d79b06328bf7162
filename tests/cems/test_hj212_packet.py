"""HJ 212-2017 packets: CRC on published examples, build/parse round trips, every malformed
case rejected for the right reason, and the code table's unit conversions."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dualcarbon.cems.hj212 import packet as hp
from dualcarbon.cems.hj212.codes import CO2_MG_PER_M3_PER_PERCENT, load_codes
from dualcarbon.cems.hj212.crc import crc16, crc16_hex
from dualcarbon.cems.hj212.errors import (
    CrcError,
    FieldError,
    FramingError,
    OversizeError,
    UnknownCommandError,
)

# HJ 212-2017's own example of a packet and its CRC (with its CRC routine), quoted with the C CRC
# routine of the standard at https://whycan.com/viewtopic.php?id=3594 ("和文件的示例对上了").
STANDARD_EXAMPLE = (
    b"##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;"
    b"Flag=5;CP=&&RtdInterval=30&&1C80\r\n"
)

# Real logger packets (HJ/T 212-2005 style: no QN/Flag) from the test data of the open Java
# parser xiaoyao9184/hj-t212-parser, file
# hj-h212-parser/src/test/resources/AllData/2016-08-24 00.h212 (lines 1, 2 and a CN=2051 line).
REAL_PACKETS = [
    (
        b"##0139ST=32;CN=2011;PW=123456;MN=LD130133000015;CP=&&DataTime=20160824003817000;"
        b"B01-Rtd=36.91;011-Rtd=231.0,011-Flag=N;060-Rtd=1.803,060-Flag=N&&4980\r\n"
    ),
    (
        b"##0375ST=31;CN=2011;PW=123456;MN=LD130182000052;CP=&&DataTime=20160823234320000;"
        b"S01-Rtd=20.4,S01-Flag=N;S02-Rtd=0.00,S02-Flag=N;S03-Rtd=31.4,S03-Flag=N;S05-Rtd=0.0,"
        b"S05-Flag=N;S07-Rtd=0.00,S07-Flag=N;S08-Rtd=0.000000,S08-Flag=N;01-Rtd=0.00,01-Flag=N;"
        b"01-ZsRtd=0.00,01-Flag=N;02-Rtd=0.00,02-Flag=N;02-ZsRtd=0.00,02-Flag=N;03-Rtd=0.000,"
        b"03-Flag=N;03-ZsRtd=0.000,03-Flag=N;B02-Rtd=0.00&&F9C1\r\n"
    ),
    (
        b"##0671ST=31;CN=2051;PW=123456;MN=LD130131000117;CP=&&DataTime=20160823234000000;"
        b"B02-Cou=228363.64,B02-Min=356.48,B02-Avg=380.60,B02-Max=401.29;S01-Min=1.46,"
        b"S01-Avg=3.54,S01-Max=4.64;S02-Min=9.90,S02-Avg=10.57,S02-Max=11.14;S03-Min=53.27,"
        b"S03-Avg=53.41,S03-Max=53.51;S05-Min=15.00,S05-Avg=15.00,S05-Max=15.00;S07-Min=36.00,"
        b"S07-Avg=36.00,S07-Max=36.00;S08-Min=-75.37,S08-Avg=-72.55,S08-Max=-69.44;01-Cou=1.42,"
        b"01-Min=6.04,01-Avg=6.25,01-Max=6.46;02-Cou=2.85,02-Min=10.45,02-Avg=12.49,"
        b"02-Max=13.77;03-Cou=8.915,03-Min=34.68,03-Avg=39.04,03-Max=43.77;01-ZsMin=4.77,"
        b"01-ZsAvg=5.39,01-ZsMax=5.79;02-ZsMin=9.59,02-ZsAvg=10.78,02-ZsMax=12.34;"
        b"03-ZsMin=28.44,03-ZsAvg=33.77,03-ZsMax=39.60&&C5C1\r\n"
    ),
]


def segment_of(raw: bytes) -> bytes:
    return raw[6 : 6 + int(raw[2:6])]


# --- CRC -------------------------------------------------------------------------------------


def test_crc_of_the_standard_example() -> None:
    assert crc16(segment_of(STANDARD_EXAMPLE)) == 0x1C80
    assert crc16_hex(segment_of(STANDARD_EXAMPLE)) == "1C80"


@pytest.mark.parametrize("raw", REAL_PACKETS, ids=["4980", "F9C1", "C5C1"])
def test_crc_of_real_logger_packets(raw: bytes) -> None:
    assert crc16_hex(segment_of(raw)) == raw[-6:-2].decode()


def test_crc_is_not_crc16_modbus() -> None:
    # CRC-16/MODBUS folds a byte in with crc ^= byte; HJ 212 with crc = (crc >> 8) ^ byte.
    # Check value of CRC-16/MODBUS for "123456789" is 0x4B37 (Greg Cook's CRC catalogue).
    assert crc16(b"123456789") != 0x4B37
    assert crc16(b"") == 0xFFFF


def crc16_as_printed(data: bytes) -> int:
    """The routine as the standard prints it (bit by bit), against which the table is checked."""
    register = 0xFFFF
    for byte in data:
        register = (register >> 8) ^ byte
        for _ in range(8):
            carry = register & 0x0001
            register >>= 1
            if carry:
                register ^= 0xA001
    return register


@given(st.binary(max_size=1100))
def test_the_table_crc_is_the_printed_routine(data: bytes) -> None:
    assert crc16(data) == crc16_as_printed(data)


# --- parsing published packets ---------------------------------------------------------------


def test_parse_the_standard_example() -> None:
    packet = hp.parse(STANDARD_EXAMPLE)
    assert packet == hp.Packet(
        st="32",
        cn="1062",
        pw="100000",
        mn="010000A8900016F000169DC0",
        cp="RtdInterval=30",
        qn="20160801085857223",
        flag=5,
    )
    assert packet.needs_ack and not packet.is_split and packet.version == 1
    assert packet.encode() == STANDARD_EXAMPLE
    assert hp.parse_cp(packet.cp).params == {"RtdInterval": "30"}


def test_parse_a_real_minute_packet() -> None:
    packet = hp.parse(REAL_PACKETS[2])
    assert (packet.cn, packet.mn, packet.qn, packet.flag) == ("2051", "LD130131000117", None, None)
    assert not packet.needs_ack
    cp = hp.parse_cp(packet.cp)
    assert cp.data_time == datetime(2016, 8, 23, 23, 40)
    assert cp.items["B02"] == {
        "Cou": "228363.64",
        "Min": "356.48",
        "Avg": "380.60",
        "Max": "401.29",
    }
    assert cp.items["S08"]["Avg"] == "-72.55"
    assert cp.items["01"]["ZsAvg"] == "5.39"


def test_repeated_identical_items_are_accepted() -> None:
    # REAL_PACKETS[1] repeats "01-Flag=N" (once after 01-Rtd, once after 01-ZsRtd)
    cp = hp.parse_cp(hp.parse(REAL_PACKETS[1]).cp)
    assert cp.items["01"] == {"Rtd": "0.00", "Flag": "N", "ZsRtd": "0.00"}
    with pytest.raises(FieldError) as caught:
        hp.parse_cp("DataTime=20240101000000;a01012-Flag=N;a01012-Flag=D")
    assert caught.value.field == "a01012-Flag"


# --- build → parse ---------------------------------------------------------------------------


def test_round_trip_of_a_minute_upload() -> None:
    items = {
        "a05001": {"Avg": "235767.8", "Min": "230000.0", "Max": "240000.5", "Flag": "N"},
        "a01012": {"Avg": "135.2", "Flag": "C"},
    }
    cp = hp.build_cp(items, data_time=datetime(2026, 3, 1, 8, 40))
    packet = hp.Packet(
        st="31", cn="2051", pw="123456", mn="MN0001", cp=cp, qn="20260301084012345", flag=5
    )
    raw = packet.encode()
    assert raw.startswith(b"##") and raw.endswith(b"\r\n")
    assert int(raw[2:6]) == len(packet.data_segment().encode())
    again = hp.parse(raw)
    assert again == packet
    parsed = hp.parse_cp(again.cp)
    assert parsed.data_time == datetime(2026, 3, 1, 8, 40)
    assert parsed.items == items


names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
values = st.text(alphabet="0123456789.-NFMSDCTBab", min_size=0, max_size=12)


@given(st.dictionaries(names, st.dictionaries(names, values, min_size=1), max_size=6))
def test_cp_round_trip(items: dict[str, dict[str, str]]) -> None:
    cp = hp.build_cp(items, data_time=datetime(2026, 1, 2, 3, 4, 5))
    parsed = hp.parse_cp(cp)
    assert parsed.items == items
    assert parsed.data_time == datetime(2026, 1, 2, 3, 4, 5)


def test_data_ack_as_the_standard_prescribes() -> None:
    # HJ 212-2017 data response: CN=9014, ST=91, the upload's QN/PW/MN echoed, Flag=4 (version
    # 2017, no acknowledgement wanted), empty CP "&&&&" (same form in srdgame/lua-HJ212
    # hj212/server/client.lua send_ack and the 2017 examples of several open implementations).
    upload = hp.parse(STANDARD_EXAMPLE)
    ack = hp.data_ack(upload)
    assert ack.data_segment() == (
        "QN=20160801085857223;ST=91;CN=9014;PW=100000;MN=010000A8900016F000169DC0;Flag=4;CP=&&&&"
    )
    assert not ack.needs_ack
    assert hp.parse(ack.encode()) == ack


@pytest.mark.parametrize("flag", [5, 7, 1])
def test_the_fast_data_ack_is_the_packet_built_answer(flag: int) -> None:
    request = hp.Packet(
        st="31", cn="2051", pw="ab12", mn="X-1_Y", cp="DataTime=20260101000000",
        qn="20260101000000123", flag=flag, pnum=2 if flag == 7 else None,
        pno=1 if flag == 7 else None,
    )  # fmt: skip
    assert hp.data_ack_bytes(request) == hp.data_ack(request).encode()


def test_flag_bits() -> None:
    base: dict[str, Any] = {
        "st": "31",
        "cn": "2051",
        "pw": "1",
        "mn": "M",
        "qn": "20260101000000000",
    }
    assert not hp.Packet(**base, flag=4).needs_ack
    split = hp.Packet(**base, flag=7, pnum=2, pno=1)
    assert split.needs_ack and split.is_split and split.version == 1
    assert hp.Packet(**base, flag=1).version == 0  # HJ/T 212-2005


# --- malformed packets -----------------------------------------------------------------------


def framed(segment: str) -> bytes:
    return hp.frame(segment.encode())


GOOD_SEGMENT = (
    "QN=20260301084012345;ST=31;CN=2051;PW=123456;MN=MN0001;Flag=5;"
    "CP=&&DataTime=20260301084000;a01012-Avg=135.2,a01012-Flag=N&&"
)


def test_bad_length_is_rejected() -> None:
    raw = framed(GOOD_SEGMENT)
    wrong = b"##%04d" % (int(raw[2:6]) + 1) + raw[6:]
    with pytest.raises(FramingError) as caught:
        hp.parse(wrong)
    assert caught.value.field == "length"
    with pytest.raises(FramingError) as caught:
        hp.parse(b"##01A1" + raw[6:])
    assert caught.value.field == "length"


def test_bad_crc_is_rejected() -> None:
    raw = framed(GOOD_SEGMENT)
    crc = raw[-6:-2].decode()
    bad = raw[:-6] + (b"0000" if crc != "0000" else b"FFFF") + b"\r\n"
    with pytest.raises(CrcError) as caught:
        hp.parse(bad)
    assert caught.value.field == "CRC"
    assert caught.value.computed == crc
    # one flipped bit in the data segment
    flipped = raw.replace(b"135.2", b"135.3")
    with pytest.raises(CrcError):
        hp.parse(flipped)


def test_lower_case_crc_is_accepted() -> None:
    raw = framed(GOOD_SEGMENT)
    assert hp.parse(raw[:-6] + raw[-6:-2].lower() + b"\r\n") == hp.parse(raw)


def test_missing_header_and_tail_are_rejected() -> None:
    raw = framed(GOOD_SEGMENT)
    with pytest.raises(FramingError) as caught:
        hp.parse(b"$$" + raw[2:])
    assert caught.value.field == "header"
    with pytest.raises(FramingError) as caught:
        hp.parse(raw[:-2] + b"\n\r")
    assert caught.value.field == "tail"


@pytest.mark.parametrize(
    ("segment", "field"),
    [
        (GOOD_SEGMENT.replace("CP=&&", "CP=&"), "CP"),
        (GOOD_SEGMENT[:-2], "CP"),
        (GOOD_SEGMENT.replace(";CP=&&", ";XX=1;CP=&&"), "XX"),
        (GOOD_SEGMENT.replace("CP=&&", "CP=&&&&a01012-Avg=1;"), "CP"),
        (GOOD_SEGMENT.replace("a01012-Avg=135.2", "a01012-Avg"), "CP"),
        (GOOD_SEGMENT.replace("ST=31;", ""), "ST"),
        (GOOD_SEGMENT.replace("QN=20260301084012345", "QN=2026030108401234"), "QN"),
        (GOOD_SEGMENT.replace("QN=20260301084012345", "QN=20261301084012345"), "QN"),
        (GOOD_SEGMENT.replace("MN=MN0001", "MN=../etc"), "MN"),
        (GOOD_SEGMENT.replace("PW=123456", "PW=1234567"), "PW"),
        (GOOD_SEGMENT.replace("Flag=5", "Flag=300"), "Flag"),
        (GOOD_SEGMENT.replace("Flag=5", "Flag=7"), "PNUM"),
        (GOOD_SEGMENT.replace("Flag=5", "Flag=7;PNUM=2;PNO=3"), "PNO"),
        (GOOD_SEGMENT.replace("CN=2051;", "CN=2051;CN=2051;"), "CN"),
    ],
)
def test_bad_fields_are_rejected_naming_the_field(segment: str, field: str) -> None:
    with pytest.raises(FieldError) as caught:
        cp = hp.parse(framed(segment)).cp
        hp.parse_cp(cp)
    assert caught.value.field == field


def test_bad_data_time_in_cp() -> None:
    with pytest.raises(FieldError) as caught:
        hp.parse_cp("DataTime=2026030108;a01012-Avg=1")
    assert caught.value.field == "DataTime"
    with pytest.raises(FieldError) as caught:
        hp.parse_cp("DataTime=20260230084000;a01012-Avg=1")  # 30 February
    assert caught.value.field == "DataTime"


def test_unknown_command_is_rejected() -> None:
    with pytest.raises(UnknownCommandError) as caught:
        hp.parse(framed(GOOD_SEGMENT.replace("CN=2051", "CN=2999")))
    assert caught.value.field == "CN"
    assert caught.value.cn == "2999"


def test_oversize_is_rejected() -> None:
    segment = GOOD_SEGMENT.replace("a01012-Avg=135.2", "a01012-Avg=" + "1" * 1100)
    raw = framed(segment)
    with pytest.raises(OversizeError) as caught:
        hp.parse(raw)
    assert caught.value.field == "length"
    assert caught.value.limit == 1024
    assert hp.parse(raw, max_data_length=9999).mn == "MN0001"


# --- the byte stream -------------------------------------------------------------------------


def test_frame_decoder_reassembles_split_reads_and_skips_garbage() -> None:
    one, two = framed(GOOD_SEGMENT), STANDARD_EXAMPLE
    stream = b"noise" + one + b"\x00\xff#" + two + b"#" + one
    for size in (1, 2, 3, 7, 64, len(stream)):
        decoder = hp.FrameDecoder()
        out: list[object] = []
        for start in range(0, len(stream), size):
            out.extend(decoder.feed(stream[start : start + size]))
        assert out == [one, two, one], size
        assert decoder.garbage_bytes == len(b"noise") + len(b"\x00\xff#") + 1
        assert decoder.pending == 0


def test_frame_decoder_resynchronises_after_a_bad_header() -> None:
    good = framed(GOOD_SEGMENT)
    decoder = hp.FrameDecoder()
    out = decoder.feed(b"##12x4" + good + b"##9999" + good + b"##0005abc" + good)
    kinds = [type(item).__name__ if not isinstance(item, bytes) else "packet" for item in out]
    assert kinds == ["FramingError", "packet", "OversizeError", "packet", "FramingError", "packet"]
    assert [item.field for item in out if not isinstance(item, bytes)] == [
        "length",
        "length",
        "tail",
    ]


# --- codes → columns -------------------------------------------------------------------------


def test_code_table_maps_the_co2_relevant_codes() -> None:
    table = load_codes()
    assert table.columns() == {
        "a05001": "co2",
        "a19001": "o2",
        "a00000": "flow",
        "a01012": "temperature",
        "a01013": "pressure",
        "a01014": "moisture",
    }


def test_unit_conversions_to_the_schema() -> None:
    table = load_codes()
    items = {
        "a05001": {"Avg": "235767.8", "Flag": "N"},
        "a19001": {"Avg": "6.2", "Flag": "N"},
        "a00000": {"Avg": "150.25", "Flag": "C"},
        "a01012": {"Avg": "135.2", "Flag": "N"},
        "a01013": {"Avg": "-0.35", "Flag": "N"},
        "a01006": {"Avg": "101.2", "Flag": "N"},
        "a01014": {"Avg": "8.5", "Flag": "N"},
        "zzz": {"Avg": "1"},
    }
    row = table.minute_row("MN1", datetime(2026, 1, 1), items, "Avg")
    # 1 % vol CO2 = 44.01 g/mol / 22.4 L/mol × 10⁴ = 19 647.3 mg/m³ (HJ 75-2017 molar volume)
    assert pytest.approx(19647.32, abs=0.01) == CO2_MG_PER_M3_PER_PERCENT
    assert row["co2"] == pytest.approx(235767.8 / (44.01 / 22.4 * 1e4), rel=1e-12)
    assert row["co2"] == pytest.approx(12.0, abs=0.001)
    assert (row["co2_sent"], row["co2_sent_unit"]) == (235767.8, "mg/m3")  # kept as sent
    assert row["o2"] == 6.2
    assert row["flow"] == pytest.approx(150.25 * 3600)  # m³/s → m³/h
    assert row["flow_flag"] == "C"
    assert row["temperature"] == 135.2
    assert row["pressure"] == pytest.approx(101.2 - 0.35)  # gauge + ambient → absolute
    assert row["moisture"] == 8.5


def test_flow_from_velocity_and_area_and_pressure_without_ambient(
    caplog: pytest.LogCaptureFixture,
) -> None:
    table = load_codes()
    items = {
        "a01011": {"Rtd": "12.5", "Flag": "N"},
        "a01016": {"Rtd": "7.07", "Flag": "D"},
        "a01013": {"Rtd": "-0.2", "Flag": "N"},
    }
    row = table.minute_row("MN2", datetime(2026, 1, 1), items, "Rtd")
    assert row["flow"] == pytest.approx(3600 * 7.07 * 12.5)  # Q_s = 3600 F V_s (HJ 75-2017)
    assert row["flow_flag"] == "D"
    assert row["pressure"] is None and row["pressure_flag"] is None
    assert "no ambient pressure" in caplog.text
    with_config = table.minute_row("MN2", datetime(2026, 1, 1), items, "Rtd", ambient_kpa=95.0)
    assert with_config["pressure"] == pytest.approx(94.8)


def test_bad_values_and_flags_are_rejected() -> None:
    table = load_codes()
    with pytest.raises(FieldError) as caught:
        table.minute_row("M", datetime(2026, 1, 1), {"a19001": {"Avg": "x"}}, "Avg")
    assert caught.value.field == "a19001-Avg"
    with pytest.raises(FieldError) as caught:
        table.minute_row("M", datetime(2026, 1, 1), {"a19001": {"Avg": "nan"}}, "Avg")
    assert caught.value.field == "a19001-Avg"
    with pytest.raises(FieldError) as caught:
        table.minute_row("M", datetime(2026, 1, 1), {"a19001": {"Avg": "6", "Flag": "Q"}}, "Avg")
    assert caught.value.field == "a19001-Flag"


def test_a_corrected_code_table(tmp_path: Path) -> None:
    path = tmp_path / "codes.yaml"
    path.write_text('codes:\n  a05001: {column: co2, unit: "%"}\n', encoding="utf-8")
    row = load_codes(path).minute_row("M", datetime(2026, 1, 1), {"a05001": {"Avg": "12.5"}}, "Avg")
    assert row["co2"] == 12.5 and row["o2"] is None
    path.write_text("codes:\n  a05001: {column: co2, unit: ppm}\n", encoding="utf-8")
    with pytest.raises(FieldError, match="no conversion"):
        load_codes(path)
