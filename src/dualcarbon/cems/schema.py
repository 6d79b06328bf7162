"""The minute data of a CEMS: one row per stack (``source``) and minute, each measured
parameter with its HJ 212-2017 data flag — the layout the HJ 212 receiver, the bulk import and
the batch pipeline share.

On disk the rows are Parquet files partitioned by source and month (hive style)::

    <root>/source=<MN>/month=<YYYY-MM>/<file>.parquet

``time`` is the minute's start in China Standard Time (UTC+8, naive), as HJ 212 ``DataTime``
states it. Units are fixed here, so every reader agrees without a unit column:

============  ==========================================================================
column        meaning [unit]
============  ==========================================================================
source        the stack: the data logger's HJ 212 ``MN`` (or a name for imported data)
time          minute start, China Standard Time
co2           CO2 concentration, dry basis [% vol]
o2            O2 concentration, dry basis [% vol]
flow          flue-gas flow at stack conditions, wet [m³/h]
temperature   flue-gas temperature [°C]
pressure      flue-gas absolute pressure [kPa]
moisture      flue-gas moisture (water vapour volume fraction) [% vol]
<x>_flag      the HJ 212-2017 flag of parameter <x>: N normal, F stopped, M maintenance,
              S manual setting, D fault, C calibration, T over range, B abnormal
============  ==========================================================================

A value is null where the logger sent none; its flag is then null too.
"""

from __future__ import annotations

import pyarrow as pa

PARAMETERS = ("co2", "o2", "flow", "temperature", "pressure", "moisture")
"""The measured parameters, in column order."""

UNITS = {
    "co2": "% vol dry",
    "o2": "% vol dry",
    "flow": "m3/h wet, stack conditions",
    "temperature": "degC",
    "pressure": "kPa absolute",
    "moisture": "% vol",
}

FLAGS = {
    "N": ("正常", "normal"),
    "F": ("停运", "stopped"),
    "M": ("维护", "maintenance"),
    "S": ("手工输入/设定值", "manual setting"),
    "D": ("故障", "fault"),
    "C": ("校准", "calibration"),
    "T": ("超测量上限", "over range"),
    "B": ("通讯异常/异常", "abnormal"),
}
"""HJ 212-2017 data flags (zh, en). Only N counts as a valid measurement (HJ 75-2017)."""

MINUTE_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("time", pa.timestamp("s"), nullable=False),
        *(
            field
            for name in PARAMETERS
            for field in (pa.field(name, pa.float64()), pa.field(f"{name}_flag", pa.string()))
        ),
    ]
)
"""The Arrow schema of the minute rows (partition columns ``source`` and ``month`` aside,
``source`` is also a column of every file so that a file read alone says whose it is)."""

SENT_FIELDS = (
    pa.field("co2_sent", pa.float64()),
    pa.field("co2_sent_unit", pa.string()),
)
"""The CO2 concentration as the logger or the file gave it, where its unit was not % vol
(HJ 212 code a05001 in mg/m³, an import in ppm or mg/m³), with that unit; null otherwise. The
conversion to % vol takes the molar volume (:data:`dualcarbon.cems.mass.V_M_L_PER_MOL`): the
value as sent is kept so a verifier can redo it (issue 14, item 4)."""

STORED_SCHEMA = pa.schema([*MINUTE_SCHEMA, *SENT_FIELDS])
"""What a minute file holds: :data:`MINUTE_SCHEMA`, which the pipeline reads, and the values as
sent. Files written before the sent fields existed lack them; readers select the pipeline's
columns by name, so both kinds of file read alike."""
