"""The files the README's CEMS commands name, written for a first run: an access list for the
HJ 212 receiver (``数采仪.yaml``), two days of minute data of one stack (``历史数据.csv``) and an
out-of-control period of its CO2 analyser (``失控时段.csv``).

The figures are invented but of a plausible size: a 600 MW coal unit's stack, about 12 % CO2
(dry), 1.9 million m³/h of wet flue gas at 45 °C, 101 kPa and 9 % moisture; a seeded random walk
keeps every run the same.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

SOURCE = "DA001"
"""The stack of the example data (the README's ``--source DA001``)."""
LOGGER = "DA001"
"""The data logger's HJ 212 MN in the access list (the stack's name, as the README uses it)."""
PASSWORD = "123456"
"""The example logger's HJ 212 password (PW): change it before a real logger connects."""
START = dt.datetime(2024, 3, 1)
MINUTES = 2 * 24 * 60


def write_cems_examples(folder: Path) -> list[Path]:
    """Write the three files into ``folder``; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    access = folder / "数采仪.yaml"
    access.write_text(
        "# HJ 212-2017 数采仪访问名单：设备唯一标识 MN → 访问密码 PW（1–6 位字母或数字）。\n"
        "# 示例值，正式接入前请改为数采仪的实际 MN 与密码。\n"
        f'loggers:\n  "{LOGGER}": "{PASSWORD}"\n',
        encoding="utf-8",
    )
    minutes = folder / "历史数据.csv"
    rng = np.random.default_rng(20240301)
    walk = np.cumsum(rng.normal(0.0, 0.01, MINUTES))
    co2 = 12.0 + 0.3 * np.tanh(walk)
    flow = 1.9e6 * (1.0 + 0.05 * np.sin(np.arange(MINUTES) * 2 * np.pi / 1440))
    lines = ["time,co2,o2,flow,temperature,pressure,moisture"]
    for i in range(MINUTES):
        when = START + dt.timedelta(minutes=i)
        lines.append(
            f"{when:%Y-%m-%d %H:%M:%S},{co2[i]:.3f},{6.2 - 0.5 * (co2[i] - 12):.3f},"
            f"{flow[i]:.0f},45.0,101.0,9.0"
        )
    minutes.write_text("\n".join(lines) + "\n", encoding="utf-8")
    periods = folder / "失控时段.csv"
    periods.write_text(
        "source,parameter,start,end,reason\n"
        f"{SOURCE},co2,2024-03-01T10:00,2024-03-01T13:00,"
        "零点漂移 3.1% 超过 2.5%（HJ 75-2017 示例）\n",
        encoding="utf-8",
    )
    return [access, minutes, periods]
