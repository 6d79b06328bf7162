"""Green electricity certificates (绿证, GEC) as the ledger holds them.

What the rules say (国能发新能规〔2024〕67号《可再生能源绿色电力证书核发和交易规则》, content read
in public reposts of the full text; article numbers not confirmed — docs/energy.md):

* a GEC is the sole proof of the environmental attribute of renewable electricity, one GEC per
  1 000 kWh (发改能源〔2023〕1044号), issued monthly for a plant's production month;
* it is valid for two years counted from its production month inclusive; electricity produced
  before 1 January 2024 has GECs valid to the end of 2025;
* a GEC declared as used for green-electricity consumption, or expired, is cancelled (核销);
* GECs of electricity sold in a green-power trade (绿电交易) go to the buyer with the electricity
  and cannot be traded again (《可再生能源绿色电力证书管理实施细则（试行）》, 2026, Art. 23).

A :class:`CertificateBatch` is a run of consecutive serial numbers of one plant and production
month, as an account statement of the national GEC system lists them. Serials are compared by
their prefix (everything before the trailing digits) and the number the digits make, so a batch
of 1 200 certificates is one row, and two batches of the same prefix overlap when their number
ranges do.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

MWH_PER_CERTIFICATE = 1.0
"""发改能源〔2023〕1044号: one GEC per 1 000 kWh."""

TRANSITION_EXPIRY = dt.date(2025, 12, 31)
"""67号: GECs of electricity produced before 2024-01-01 are valid to the end of 2025."""

VALIDITY_MONTHS = 24

_SERIAL = re.compile(r"^(?P<prefix>[0-9A-Z-]*?)(?P<number>\d+)$")
MAX_DIGITS = 18
"""The trailing number of a serial fits a 64-bit integer."""


class Technology(StrEnum):
    """The renewable sources GECs are issued for (67号 Art. 2), as the footprint factors of the
    MEE name them."""

    WIND = "wind"
    SOLAR_PV = "solar_pv"
    SOLAR_THERMAL = "solar_thermal"
    BIOMASS = "biomass"
    HYDRO = "hydro"
    GEOTHERMAL = "geothermal"
    OCEAN = "ocean"

    @property
    def label_zh(self) -> str:
        return {
            Technology.WIND: "风电",
            Technology.SOLAR_PV: "光伏发电",
            Technology.SOLAR_THERMAL: "光热发电",
            Technology.BIOMASS: "生物质发电",
            Technology.HYDRO: "水电",
            Technology.GEOTHERMAL: "地热能发电",
            Technology.OCEAN: "海洋能发电",
        }[self]


class Origin(StrEnum):
    """How the holder came by the certificates: bought or issued as GECs, or with the electricity
    of a green-power trade (the contract is then named)."""

    GEC = "gec"
    GREEN_POWER = "green_power"

    @property
    def label_zh(self) -> str:
        return "绿证" if self is Origin.GEC else "绿电交易"


class Purpose(StrEnum):
    """What a claim (a declaration of green-electricity consumption, which cancels the
    certificates) is for."""

    ENTERPRISE = "enterprise"
    PRODUCT = "product"
    PARK = "park"

    @property
    def label_zh(self) -> str:
        return {
            Purpose.ENTERPRISE: "企业用电",
            Purpose.PRODUCT: "产品碳足迹",
            Purpose.PARK: "园区",
        }[self]


@dataclass(frozen=True)
class SerialRange:
    prefix: str
    """What precedes the trailing number, upper-cased, and the number's width (``GEC2025W/10``):
    ``GEC001`` and ``GEC1`` are different certificates, ``gec001`` and ``GEC001`` the same."""
    first: int
    last: int

    @property
    def count(self) -> int:
        return self.last - self.first + 1

    def overlaps(self, other: SerialRange) -> bool:
        return self.prefix == other.prefix and self.first <= other.last and other.first <= self.last


def normal_plant(code: str) -> str:
    """A plant's code as the ledger compares it (certificates and CCER claims alike): no outer
    spaces, upper case."""
    return code.strip().upper()


def normal_serial(serial: str) -> str:
    """A serial as compared and stored: no outer spaces, upper case."""
    return serial.strip().upper()


def serial_range(serial_from: str, serial_to: str) -> SerialRange:
    """The run of serials from ``serial_from`` to ``serial_to`` inclusive; raises ValueError
    (with the rule) when they do not make one run."""
    low_text, high_text = normal_serial(serial_from), normal_serial(serial_to)
    first, last = _SERIAL.match(low_text), _SERIAL.match(high_text)
    if first is None or last is None:
        raise ValueError("a serial number ends in digits (letters, digits and '-' before them)")
    if len(low_text) != len(high_text):
        raise ValueError("the first and last serial numbers are of different lengths")
    if first["prefix"] != last["prefix"]:
        raise ValueError("the first and last serial numbers differ before their trailing digits")
    if len(first["number"]) > MAX_DIGITS:
        raise ValueError(f"the trailing number of a serial has at most {MAX_DIGITS} digits")
    low, high = int(first["number"]), int(last["number"])
    if high < low:
        raise ValueError("the last serial number comes before the first")
    return SerialRange(f"{first['prefix']}/{len(first['number'])}", low, high)


def valid_until(year: int, month: int) -> dt.date:
    """The last day a GEC of electricity produced in ``year``-``month`` may be used: two years
    from the production month inclusive (67号), and the end of 2025 for electricity produced
    before 2024."""
    if (year, month) < (2024, 1):
        return TRANSITION_EXPIRY
    index = year * 12 + (month - 1) + VALIDITY_MONTHS - 1
    end_year, end_month = divmod(index, 12)
    return dt.date(end_year, end_month + 1, calendar.monthrange(end_year, end_month + 1)[1])


@dataclass(frozen=True)
class CertificateBatch:
    """Consecutive certificates of one plant's production month, as held."""

    serial_from: str
    serial_to: str
    quantity: int
    plant: str
    """The plant's (project's) code in the national GEC system, as CCER projects name it."""
    plant_name: str
    technology: Technology
    production_year: int
    production_month: int
    tradable: bool = True
    origin: Origin = Origin.GEC
    contract: str = ""
    """The green-power contract the certificates came with (``origin = green_power``)."""

    @property
    def serials(self) -> SerialRange:
        return serial_range(self.serial_from, self.serial_to)

    @property
    def valid_until(self) -> dt.date:
        return valid_until(self.production_year, self.production_month)

    @property
    def mwh(self) -> float:
        return self.quantity * MWH_PER_CERTIFICATE
